// Cluster mode: what the node answers from the committed image — Metadata (every live broker,
// every topic's leaders), produce/fetch routes (this node's replicas), replica lookups for other
// nodes, group coordinators, and which group shards run here (those of the __consumer_offsets
// partitions this node leads).
#include "actors/node.hpp"

#include "actors/logging.hpp"
#include "actors/offsets_records.hpp"
#include "actors/topic_names.hpp"

#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace cafka {

namespace {

constexpr const char* component = "node";

topic_metadata describe(const cluster::topic_info& t) {
  topic_metadata tm;
  tm.name = t.name;
  tm.is_internal = is_internal_topic(t.name);
  for (auto& [p, info] : t.partitions) {
    partition_metadata pm;
    pm.partition = p;
    pm.leader_id = info.leader;
    pm.leader_epoch = info.leader_epoch;
    pm.replicas = info.replicas;
    pm.isr = info.isr;
    if (info.leader == cluster::no_leader)
      pm.ec = errc::leader_not_available; // an election is pending or impossible for now
    tm.partitions.push_back(std::move(pm));
  }
  return tm;
}

// This broker from its own config: the only one known before the first image.
void add_self(const broker_config& cfg, metadata_snapshot& snap) {
  if (!cfg.advertised().empty()) {
    auto& l = cfg.advertised().front();
    snap.brokers.push_back(broker_info{cfg.node_id, l.host, l.port});
  }
}

coordinator_lookup fail(errc ec) {
  coordinator_lookup r;
  r.ec = ec;
  return r;
}

// Asks the controller to create __consumer_offsets (one request at a time). Kafka refuses with
// COORDINATOR_NOT_AVAILABLE while fewer brokers are alive than offsets.topic.replication.factor.
void create_offsets_topic(node_self self) {
  auto& st = self->state;
  auto& cv = st.cluster;
  if (cv.creating_offsets || !cv.client)
    return;
  auto live = cv.image.unfenced_brokers().size();
  if (live < static_cast<size_t>(st.cfg.offsets_topic_replication_factor)) {
    CAFKA_DEBUG(component, "not creating " << offsets_topic_name << ": " << live
                                           << " live brokers, offsets.topic.replication.factor="
                                           << st.cfg.offsets_topic_replication_factor);
    return;
  }
  create_topic_args args;
  args.name = offsets_topic_name;
  args.num_partitions = st.cfg.offsets_topic_num_partitions;
  args.replication_factor = st.cfg.offsets_topic_replication_factor;
  args.configs = {{"cleanup.policy", "compact"}};
  cv.creating_offsets = true;
  self->request(cv.client, cluster_admin_timeout, create_topic_atom::value, std::move(args))
    .then(
      [self](topic_result& r) {
        self->state.cluster.creating_offsets = false;
        if (r.ec == errc::none)
          CAFKA_INFO(component, "created " << offsets_topic_name << " with " << r.num_partitions
                                           << " partitions");
        else if (r.ec != errc::topic_already_exists)
          CAFKA_WARN(component, "cannot create " << offsets_topic_name << ": " << to_string(r.ec)
                                                 << " " << r.message);
      },
      [self](caf::error& err) {
        self->state.cluster.creating_offsets = false;
        CAFKA_WARN(component, "cannot create " << offsets_topic_name << ": " << to_string(err));
      });
}

} // namespace

std::string cluster_wide_id(const broker_config& cfg) {
  // Two FNV-1a 64-bit hashes (different offsets) of the node list: 16 bytes, base64url.
  auto text = to_string(cfg.cluster_nodes);
  auto fnv = [&text](uint64_t h) {
    for (unsigned char c : text) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    return h;
  };
  uint64_t halves[2] = {fnv(14695981039346656037ULL), fnv(0x9e3779b97f4a7c15ULL)};
  static constexpr char alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string id;
  uint32_t bits = 0;
  int count = 0;
  for (auto h : halves)
    for (int i = 7; i >= 0; --i) {
      bits = (bits << 8) | static_cast<uint8_t>(h >> (8 * i));
      count += 8;
      while (count >= 6) {
        count -= 6;
        id += alphabet[(bits >> count) & 63];
      }
    }
  if (count > 0)
    id += alphabet[(bits << (6 - count)) & 63];
  return id; // 22 characters, like Kafka's cluster ids
}

metadata_snapshot cluster_metadata_snapshot(node_self self, const metadata_query& q,
                                            const std::map<std::string, errc>& create_errors) {
  auto& st = self->state;
  auto& cv = st.cluster;
  metadata_snapshot snap;
  snap.cluster_id = st.cluster_id;
  for (auto& [id, b] : cv.image.brokers())
    if (!b.fenced)
      snap.brokers.push_back(broker_info{id, b.host, b.port});
  if (snap.brokers.empty())
    add_self(st.cfg, snap); // clients keep a bootstrap target
  // The active controller if it is a listed broker, else any listed broker (clients only use it
  // for admin requests, which every node relays to the controller anyway). Never an unlisted id:
  // librdkafka then waits for that broker to appear and times out the admin request.
  snap.controller_id = snap.brokers.front().node_id;
  for (auto& b : snap.brokers)
    if (b.node_id == cv.controller_id)
      snap.controller_id = b.node_id;
  if (q.all_topics) {
    for (auto& [name, t] : cv.image.topics())
      snap.topics.push_back(describe(t));
    return snap;
  }
  for (auto& name : q.topics) {
    if (!topic_name_error(name).empty()) {
      snap.topics.push_back(topic_error(name, errc::invalid_topic));
    } else if (auto* t = cv.image.topic(name)) {
      snap.topics.push_back(describe(*t));
    } else if (auto i = create_errors.find(name); i != create_errors.end()) {
      snap.topics.push_back(topic_error(name, i->second));
    } else {
      // Before the first image this node cannot tell: let the client ask again.
      snap.topics.push_back(topic_error(
        name, cv.has_image ? errc::unknown_topic_or_partition : errc::leader_not_available));
    }
  }
  return snap;
}

topic_route cluster_route(node_self self, const std::string& topic) {
  auto& st = self->state;
  topic_route route;
  auto i = st.topics.find(topic);
  if (i == st.topics.end()) {
    auto* t = st.cluster.image.topic(topic);
    if (t == nullptr) {
      route.ec = st.cluster.has_image ? errc::unknown_topic_or_partition
                                      : errc::leader_not_available;
      return route;
    }
    // Known to the cluster but not (yet) set up here, e.g. while an old incarnation is deleted.
    auto count = t->partitions.empty() ? 0 : t->partitions.rbegin()->first + 1;
    route.replicas.resize(static_cast<size_t>(count));
    route.missing.assign(static_cast<size_t>(count), errc::not_leader_or_follower);
    return route;
  }
  auto& entry = i->second;
  route.replicas.reserve(entry.partitions.size());
  route.missing.reserve(entry.partitions.size());
  for (size_t p = 0; p < entry.partitions.size(); ++p) {
    auto& pa = entry.partitions[p];
    route.replicas.push_back(pa.replica);
    if (pa)
      route.missing.push_back(errc::none);
    else if (entry.cluster[p].hosted)
      route.missing.push_back(errc::storage_error); // hosted here, but its log is offline
    else
      route.missing.push_back(errc::not_leader_or_follower); // other nodes host it
  }
  return route;
}

replica_lookup cluster_replica(node_self self, const std::string& topic, int32_t partition) {
  auto& st = self->state;
  replica_lookup r;
  r.ec = errc::unknown_topic_or_partition;
  auto i = st.topics.find(topic);
  if (i == st.topics.end() || partition < 0
      || static_cast<size_t>(partition) >= i->second.partitions.size())
    return r;
  auto& pa = i->second.partitions[static_cast<size_t>(partition)];
  if (!pa)
    return r;
  r.ec = errc::none;
  r.replica = pa.replica;
  return r;
}

coordinator_lookup cluster_find_coordinator(node_self self, const std::string& group_id) {
  auto& st = self->state;
  auto& cv = st.cluster;
  if (group_id.empty())
    return fail(errc::invalid_group_id);
  if (st.shutting_down || !cv.has_image)
    return fail(errc::coordinator_not_available);
  auto* t = cv.image.topic(offsets_topic_name);
  if (t == nullptr || t->partitions.empty()) {
    // Kafka creates the topic on the first lookup and answers "not available" meanwhile.
    create_offsets_topic(self);
    return fail(errc::coordinator_not_available);
  }
  auto partitions = t->partitions.rbegin()->first + 1;
  auto p = offsets_partition_for(group_id, partitions);
  coordinator_lookup r;
  r.partition = p;
  auto* info = cv.image.partition(offsets_topic_name, p);
  if (info == nullptr || info->leader == cluster::no_leader) {
    r.ec = errc::coordinator_not_available;
    return r;
  }
  if (info->leader != st.cfg.node_id) {
    auto* b = cv.image.broker(info->leader);
    if (b == nullptr || b->fenced) {
      r.ec = errc::coordinator_not_available;
      return r;
    }
    r.node_id = b->id;
    r.host = b->host;
    r.port = b->port;
    return r;
  }
  // This node leads the partition: its shard serves the group (none while it is offline).
  if (static_cast<size_t>(p) >= st.shards.size() || !st.shards[static_cast<size_t>(p)]) {
    r.ec = errc::coordinator_not_available;
    return r;
  }
  r.node_id = st.cfg.node_id;
  if (!st.cfg.advertised().empty()) {
    r.host = st.cfg.advertised().front().host;
    r.port = st.cfg.advertised().front().port;
  }
  r.shard = st.shards[static_cast<size_t>(p)];
  return r;
}

void reconcile_group_shards(node_self self) {
  auto& st = self->state;
  auto i = st.topics.find(offsets_topic_name);
  if (i == st.topics.end()) {
    if (!st.shards.empty())
      stop_group_shards(self, -1, caf::exit_reason::user_shutdown);
    return;
  }
  auto& entry = i->second;
  const auto count = static_cast<int32_t>(entry.partitions.size());
  if (st.shards.size() < entry.partitions.size())
    st.shards.resize(entry.partitions.size());
  std::string started, stopped; // one log line per change, not one per partition
  for (int32_t p = 0; p < count; ++p) {
    auto* info = st.cluster.image.partition(offsets_topic_name, p);
    bool leads = info != nullptr && info->leader == st.cfg.node_id
                 && entry.cluster[static_cast<size_t>(p)].hosted
                 && entry.partitions[static_cast<size_t>(p)];
    bool running = static_cast<bool>(st.shards[static_cast<size_t>(p)]);
    if (leads && !running) {
      started += " " + std::to_string(p);
      spawn_group_shards(self, entry, p, p + 1);
    } else if (!leads && running) {
      stopped += " " + std::to_string(p);
      stop_group_shards(self, p, caf::exit_reason::user_shutdown);
    }
  }
  if (!started.empty())
    CAFKA_INFO(component, "leading " << offsets_topic_name << " partitions" << started
                                     << ": started their group shards");
  if (!stopped.empty())
    CAFKA_INFO(component, "no longer leading " << offsets_topic_name << " partitions" << stopped
                                               << ": stopped their group shards");
}

} // namespace cafka
