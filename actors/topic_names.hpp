#pragma once
// Kafka's topic-name rules (Topic.validate in Kafka): [a-zA-Z0-9._-], 1..249 characters,
// not "." or "..". Internal topics ("__consumer_offsets", ...) pass the same rules.
#include <string>
#include <string_view>

namespace cafka {

constexpr size_t max_topic_name_length = 249;

// Empty string when `name` is a legal topic name, else the reason (sent to the client).
std::string topic_name_error(std::string_view name);

// Topics that Kafka reports with is_internal = true.
bool is_internal_topic(std::string_view name);

} // namespace cafka
