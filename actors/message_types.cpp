// Registers every actor message payload with CAF, so remote nodes can (de)serialize them.
#include "actors/spawn.hpp"

namespace cafka {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<errc>("cafka::errc")
    .add_message_type<append_reply>("cafka::append_reply")
    .add_message_type<read_reply>("cafka::read_reply")
    .add_message_type<offset_reply>("cafka::offset_reply")
    .add_message_type<produce_args>("cafka::produce_args")
    .add_message_type<produce_reply>("cafka::produce_reply")
    .add_message_type<fetch_args>("cafka::fetch_args")
    .add_message_type<fetch_reply>("cafka::fetch_reply")
    .add_message_type<replica_status>("cafka::replica_status")
    .add_message_type<metadata_query>("cafka::metadata_query")
    .add_message_type<metadata_snapshot>("cafka::metadata_snapshot")
    .add_message_type<create_topic_args>("cafka::create_topic_args")
    .add_message_type<create_partitions_args>("cafka::create_partitions_args")
    .add_message_type<topic_result>("cafka::topic_result")
    .add_message_type<topic_route>("cafka::topic_route")
    .add_message_type<std::vector<char>>("std::vector<char>");
}

} // namespace cafka
