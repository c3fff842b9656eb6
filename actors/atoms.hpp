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
// Internal timers and notifications.
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using data_atom = caf::atom_constant<caf::atom("data")>;

} // namespace cafka
