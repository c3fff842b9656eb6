#pragma once
// Reading a consumer's JoinGroup metadata (ConsumerProtocolSubscription: int16 version, then the
// fields of that version). The broker treats protocol metadata as opaque except here: OffsetDelete
// must refuse topics that a "consumer" group still subscribes to.
#include <optional>
#include <string>
#include <vector>

namespace cafka {

// The topics of one subscription; nullopt when the bytes do not parse.
std::optional<std::vector<std::string>>
consumer_subscription_topics(const std::vector<char>& metadata);

} // namespace cafka
