#include "actors/group_subscriptions.hpp"

#include "net/protocol/generated/consumer_protocol_subscription.hpp"

#include <algorithm>

namespace cafka {

std::optional<std::vector<std::string>>
consumer_subscription_topics(const std::vector<char>& metadata) {
  using subscription = protocol::consumer_protocol_subscription;
  try {
    protocol::reader r{metadata.data(), metadata.size()};
    auto version = r.read_int16();
    if (version < 0)
      return std::nullopt;
    // Newer versions only append fields: read what we know.
    subscription sub;
    sub.decode(r, std::min<int16_t>(version, subscription::max_version));
    return std::move(sub.topics);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

} // namespace cafka
