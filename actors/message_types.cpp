// Registers every actor message payload with CAF, so remote nodes can (de)serialize them.
#include "actors/spawn.hpp"

namespace cafka {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<errc>("cafka::errc")
    .add_message_type<append_reply>("cafka::append_reply")
    .add_message_type<read_reply>("cafka::read_reply")
    .add_message_type<offset_reply>("cafka::offset_reply")
    .add_message_type<log_settings>("cafka::log_settings")
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
    .add_message_type<std::vector<char>>("std::vector<char>")
    .add_message_type<join_group_args>("cafka::join_group_args")
    .add_message_type<join_group_reply>("cafka::join_group_reply")
    .add_message_type<sync_group_args>("cafka::sync_group_args")
    .add_message_type<sync_group_reply>("cafka::sync_group_reply")
    .add_message_type<heartbeat_args>("cafka::heartbeat_args")
    .add_message_type<leave_group_args>("cafka::leave_group_args")
    .add_message_type<leave_group_reply>("cafka::leave_group_reply")
    .add_message_type<offset_commit_args>("cafka::offset_commit_args")
    .add_message_type<offset_commit_reply>("cafka::offset_commit_reply")
    .add_message_type<offset_fetch_args>("cafka::offset_fetch_args")
    .add_message_type<offset_fetch_reply>("cafka::offset_fetch_reply")
    .add_message_type<offset_delete_args>("cafka::offset_delete_args")
    .add_message_type<offsets_record>("cafka::offsets_record")
    .add_message_type<std::vector<offsets_record>>("std::vector<cafka::offsets_record>")
    .add_message_type<group_description>("cafka::group_description")
    .add_message_type<group_listing>("cafka::group_listing")
    .add_message_type<std::vector<group_listing>>("std::vector<cafka::group_listing>")
    .add_message_type<group_lookup>("cafka::group_lookup")
    .add_message_type<coordinator_lookup>("cafka::coordinator_lookup");
}

} // namespace cafka
