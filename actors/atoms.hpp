#pragma once
// Atom names of all actor messages (CAF 0.17: at most 10 characters, literal).
#include <caf/atom.hpp>

namespace cafka {

using append_atom = caf::atom_constant<caf::atom("append")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using offset_for_ts_atom = caf::atom_constant<caf::atom("offs4ts")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using produce_atom = caf::atom_constant<caf::atom("produce")>;
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;
using list_offsets_atom = caf::atom_constant<caf::atom("listoffs")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using metadata_atom = caf::atom_constant<caf::atom("metadata")>;
using route_atom = caf::atom_constant<caf::atom("route")>;
using create_topic_atom = caf::atom_constant<caf::atom("createtp")>;
using delete_topic_atom = caf::atom_constant<caf::atom("deletetp")>;
using create_parts_atom = caf::atom_constant<caf::atom("creatept")>;
using coordinator_atom = caf::atom_constant<caf::atom("coord")>;
using group_shards_atom = caf::atom_constant<caf::atom("grpshards")>;
using group_atom = caf::atom_constant<caf::atom("group")>;
using join_group_atom = caf::atom_constant<caf::atom("joingroup")>;
using sync_group_atom = caf::atom_constant<caf::atom("syncgroup")>;
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using leave_group_atom = caf::atom_constant<caf::atom("leavegroup")>;
using offset_commit_atom = caf::atom_constant<caf::atom("offcommit")>;
using offset_fetch_atom = caf::atom_constant<caf::atom("offfetch")>;
using offset_delete_atom = caf::atom_constant<caf::atom("offdelete")>;
using describe_group_atom = caf::atom_constant<caf::atom("descgroup")>;
using delete_group_atom = caf::atom_constant<caf::atom("delgroup")>;
using list_groups_atom = caf::atom_constant<caf::atom("listgroups")>;
using store_atom = caf::atom_constant<caf::atom("store")>;
using configure_atom = caf::atom_constant<caf::atom("configure")>;
using delete_records_atom = caf::atom_constant<caf::atom("delrecords")>;
using describe_configs_atom = caf::atom_constant<caf::atom("desccfgs")>;
using alter_configs_atom = caf::atom_constant<caf::atom("altercfgs")>;
// Controller quorum (issue 5).
using raft_atom = caf::atom_constant<caf::atom("raft")>;
using peer_atom = caf::atom_constant<caf::atom("peer")>;
using propose_atom = caf::atom_constant<caf::atom("propose")>;
using register_broker_atom = caf::atom_constant<caf::atom("regbroker")>;
using broker_heartbeat_atom = caf::atom_constant<caf::atom("brokerhb")>;
using alter_partition_atom = caf::atom_constant<caf::atom("alterpart")>;
// Replication and the multi-node wiring (issue 5).
using become_atom = caf::atom_constant<caf::atom("become")>;
using replica_fetch_atom = caf::atom_constant<caf::atom("replfetch")>;
using replicate_atom = caf::atom_constant<caf::atom("replicate")>;
using epoch_end_atom = caf::atom_constant<caf::atom("epochend")>;
using truncate_atom = caf::atom_constant<caf::atom("truncate")>;
using start_over_atom = caf::atom_constant<caf::atom("startover")>;
using replica_atom = caf::atom_constant<caf::atom("replica")>;
using controller_atom = caf::atom_constant<caf::atom("controller")>;
using gateway_atom = caf::atom_constant<caf::atom("gateway")>;
using cluster_image_atom = caf::atom_constant<caf::atom("clusterimg")>;
using cluster_links_atom = caf::atom_constant<caf::atom("clustlinks")>;
// Internal timers and notifications.
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using data_atom = caf::atom_constant<caf::atom("data")>;
using retention_atom = caf::atom_constant<caf::atom("retention")>;
using purge_atom = caf::atom_constant<caf::atom("purge")>;

} // namespace cafka
