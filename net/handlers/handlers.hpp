#pragma once
// The one list of Kafka API handlers. Dispatch and ApiVersions are both computed from
// `all_handlers`; there is no second list. Each handler lives in its own file in this folder and
// states the version range it advertises (COMPAT.md's "Advertise" column). Requests outside
// [min_supported, max_version] get UNSUPPORTED_VERSION from the handler itself when the API
// allows a polite answer (Produce v0-2); requests outside [min_version, max_version] close the
// connection (ApiVersions answers with its v0 error reply instead).
#include "net/handler.hpp"
#include "net/protocol/messages.hpp"

#include <tuple>

namespace cafka::net {

#define CAFKA_HANDLER(name, request, lo, hi)                                                      \
  struct name {                                                                                   \
    using request_type = protocol::request;                                                       \
    static constexpr int16_t min_version = lo;                                                    \
    static constexpr int16_t max_version = hi;                                                    \
    static void handle(const context_ptr& ctx, request_type&& req);                               \
  };

CAFKA_HANDLER(api_versions_handler, api_versions_request, 0, 3)
CAFKA_HANDLER(metadata_handler, metadata_request, 0, 6)
CAFKA_HANDLER(produce_handler, produce_request, 0, 7)
CAFKA_HANDLER(fetch_handler, fetch_request, 4, 11)
CAFKA_HANDLER(list_offsets_handler, list_offsets_request, 1, 3)
CAFKA_HANDLER(create_topics_handler, create_topics_request, 0, 4)
CAFKA_HANDLER(delete_topics_handler, delete_topics_request, 0, 3)
CAFKA_HANDLER(create_partitions_handler, create_partitions_request, 0, 1)
CAFKA_HANDLER(find_coordinator_handler, find_coordinator_request, 0, 2)
CAFKA_HANDLER(join_group_handler, join_group_request, 0, 5)
CAFKA_HANDLER(sync_group_handler, sync_group_request, 0, 3)
CAFKA_HANDLER(heartbeat_handler, heartbeat_request, 0, 3)
CAFKA_HANDLER(leave_group_handler, leave_group_request, 0, 3)
CAFKA_HANDLER(offset_commit_handler, offset_commit_request, 2, 7)
CAFKA_HANDLER(offset_fetch_handler, offset_fetch_request, 1, 5)
CAFKA_HANDLER(describe_groups_handler, describe_groups_request, 0, 4)
CAFKA_HANDLER(list_groups_handler, list_groups_request, 0, 2)
CAFKA_HANDLER(delete_groups_handler, delete_groups_request, 0, 1)
CAFKA_HANDLER(offset_delete_handler, offset_delete_request, 0, 0)
CAFKA_HANDLER(delete_records_handler, delete_records_request, 0, 1)
CAFKA_HANDLER(describe_configs_handler, describe_configs_request, 0, 4)
CAFKA_HANDLER(alter_configs_handler, alter_configs_request, 0, 2)
CAFKA_HANDLER(incremental_alter_configs_handler, incremental_alter_configs_request, 0, 1)

#undef CAFKA_HANDLER

using all_handlers =
  std::tuple<api_versions_handler, metadata_handler, produce_handler, fetch_handler,
             list_offsets_handler, create_topics_handler, delete_topics_handler,
             create_partitions_handler, find_coordinator_handler, join_group_handler,
             sync_group_handler, heartbeat_handler, leave_group_handler, offset_commit_handler,
             offset_fetch_handler, describe_groups_handler, list_groups_handler,
             delete_groups_handler, offset_delete_handler, delete_records_handler,
             describe_configs_handler, alter_configs_handler, incremental_alter_configs_handler>;

} // namespace cafka::net
