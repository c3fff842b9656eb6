#include "actors/topic_names.hpp"

namespace cafka {

namespace {

bool legal_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
         || c == '_' || c == '-';
}

} // namespace

std::string topic_name_error(std::string_view name) {
  // Messages follow Kafka's InvalidTopicException texts so clients see familiar wording.
  if (name.empty())
    return "Topic name is illegal, it can't be empty";
  if (name == "." || name == "..")
    return "Topic name cannot be \".\" or \"..\"";
  if (name.size() > max_topic_name_length)
    return "Topic name is illegal, it can't be longer than 249 characters, topic name: "
           + std::string{name};
  for (char c : name)
    if (!legal_char(c))
      return "Topic name \"" + std::string{name}
             + "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' "
               "and '-'";
  return {};
}

bool is_internal_topic(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

} // namespace cafka
