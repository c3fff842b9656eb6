#include "actors/node.hpp"

#include "actors/logging.hpp"
#include "actors/topic_names.hpp"

#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace cafka {

namespace {

constexpr const char* component = "node";

topic_metadata describe(const broker_config& cfg, const topic_entry& entry) {
  topic_metadata tm;
  tm.name = entry.def.name;
  tm.is_internal = is_internal_topic(entry.def.name);
  for (int32_t p = 0; p < static_cast<int32_t>(entry.partitions.size()); ++p) {
    partition_metadata pm;
    pm.partition = p;
    pm.leader_epoch = entry.def.leader_epoch;
    pm.replicas = {cfg.node_id};
    if (entry.partitions[p]) {
      pm.leader_id = cfg.node_id;
      pm.isr = {cfg.node_id};
    } else {
      pm.ec = errc::storage_error; // offline: no leader
    }
    tm.partitions.push_back(std::move(pm));
  }
  return tm;
}

metadata_snapshot metadata(node_self self, const metadata_query& q) {
  auto& st = self->state;
  metadata_snapshot snap;
  snap.cluster_id = st.cluster_id;
  snap.controller_id = st.cfg.node_id;
  if (!st.cfg.advertised().empty()) {
    auto& l = st.cfg.advertised().front();
    snap.brokers.push_back(broker_info{st.cfg.node_id, l.host, l.port});
  }
  if (q.all_topics) {
    for (auto& [name, entry] : st.topics)
      snap.topics.push_back(describe(st.cfg, entry));
    return snap;
  }
  for (auto& name : q.topics) {
    if (!topic_name_error(name).empty()) {
      snap.topics.push_back(topic_error(name, errc::invalid_topic));
      continue;
    }
    auto i = st.topics.find(name);
    if (i == st.topics.end() && q.allow_auto_create && st.cfg.auto_create_topics_enable
        && st.deleting.count(name) == 0) {
      create_topic_args args;
      args.name = name;
      auto res = create_topic(self, args);
      if (res.ec != errc::none) {
        snap.topics.push_back(topic_error(name, res.ec));
        continue;
      }
      CAFKA_INFO(component, "auto-created topic " << name);
      i = st.topics.find(name);
    }
    if (i == st.topics.end())
      snap.topics.push_back(topic_error(name, errc::unknown_topic_or_partition));
    else
      snap.topics.push_back(describe(st.cfg, i->second));
  }
  return snap;
}

// A child died outside shutdown and deletion: take its partition offline and stop its partner,
// so no request reaches half a partition.
void on_child_failure(node_self self, const caf::actor_addr& source, const caf::error& reason) {
  for (auto& shard : self->state.shards)
    if (shard && caf::actor_cast<caf::actor_addr>(shard) == source) {
      CAFKA_ERROR(component, "group shard failed: " << to_string(reason));
      shard = group_shard_actor{}; // its groups get COORDINATOR_NOT_AVAILABLE from now on
      return;
    }
  for (auto& [name, entry] : self->state.topics)
    for (size_t p = 0; p < entry.partitions.size(); ++p) {
      auto& pa = entry.partitions[p];
      if (!pa)
        continue;
      auto log_addr = caf::actor_cast<caf::actor_addr>(pa.log);
      auto replica_addr = caf::actor_cast<caf::actor_addr>(pa.replica);
      if (source != log_addr && source != replica_addr)
        continue;
      CAFKA_ERROR(component, name << "-" << p << " went offline: " << to_string(reason));
      self->send_exit(source == log_addr ? replica_addr : log_addr, reason);
      pa = partition_actors{};
      // Its group shard cannot append any more: stop it (FindCoordinator answers "not available").
      if (name == offsets_topic_name)
        stop_group_shards(self, static_cast<int32_t>(p), reason);
      return;
    }
}

// A child is gone (down_msg from the monitor the node keeps on each child).
void handle_child_down(node_self self, caf::down_msg& msg) {
  auto& st = self->state;
  if (st.children->erase(msg.source) == 0) {
    on_leader_down(self, msg.source); // cluster mode: a remote leader replica went away
    return;
  }
  if (st.shutting_down) {
    if (st.children->empty())
      self->quit(st.shutdown_reason);
  } else if (msg.reason != caf::exit_reason::normal) {
    on_child_failure(self, msg.source, msg.reason); // normal exits are deletions we started
  }
}

void handle_exit(node_self self, caf::exit_msg& msg) {
  auto& st = self->state;
  // Children are not linked, so every exit message is a shutdown request from outside.
  if (st.shutting_down)
    return;
  // An exit from outside: stop every child first, quit when the last one is gone (their
  // log_state destructors close the logs), so awaiting the node means awaiting clean logs.
  // Children ignore a `normal` exit, hence user_shutdown for them in that case.
  st.shutting_down = true;
  st.shutdown_reason = msg.reason;
  caf::error child_reason = msg.reason ? msg.reason : caf::exit_reason::user_shutdown;
  CAFKA_INFO(component, "shutting down " << st.children->size() << " partition and group actors");
  if (st.children->empty()) {
    self->quit(st.shutdown_reason);
    return;
  }
  for (auto& child : *st.children)
    self->send_exit(child, child_reason);
}

} // namespace

topic_metadata topic_error(const std::string& name, errc ec) {
  topic_metadata tm;
  tm.ec = ec;
  tm.name = name;
  tm.is_internal = is_internal_topic(name);
  return tm;
}

std::error_code persist_topics(node_self self) {
  topic_map defs;
  for (auto& [name, entry] : self->state.topics)
    defs.emplace(name, entry.def);
  return save_topic_store(self->state.dir, defs);
}

partition_actors spawn_child_partition(node_self self, const partition_spec& spec) {
  auto& st = self->state;
  std::error_code ec;
  auto pa = st.spawner(self, st.cfg, spec, st.detached_logs, ec);
  // Monitored, so the node learns of each child's end (handle_child_down). Test fakes may come
  // without a log actor.
  for (auto addr : {caf::actor_cast<caf::actor_addr>(pa.log),
                    caf::actor_cast<caf::actor_addr>(pa.replica)})
    if (addr) {
      self->monitor(addr);
      st.children->insert(addr);
    }
  return pa;
}

void spawn_partitions(node_self self, topic_entry& entry, int32_t from, int32_t to) {
  entry.partitions.resize(static_cast<size_t>(to));
  for (int32_t p = from; p < to; ++p) {
    partition_spec spec;
    spec.topic = entry.def.name;
    spec.partition = p;
    spec.leader_epoch = entry.def.leader_epoch;
    spec.configs = entry.def.configs;
    // On failure open_partition_log already logged why; the partition stays offline.
    entry.partitions[static_cast<size_t>(p)] = spawn_child_partition(self, spec);
  }
  // Every path that brings __consumer_offsets partitions up (restart, lazy creation, an admin's
  // CreateTopics, growth) brings their shards up with them.
  if (entry.def.name == offsets_topic_name)
    spawn_group_shards(self, entry, from, to);
}

node_impl_actor::behavior_type node_impl(node_self self, broker_config cfg,
                                         std::string cluster_id, topic_map topics,
                                         bool detached_logs) {
  return node_impl_with(self, std::move(cfg), std::move(cluster_id), std::move(topics),
                        detached_logs, spawn_partition);
}

node_impl_actor::behavior_type node_impl_with(node_self self, broker_config cfg,
                                              std::string cluster_id, topic_map topics,
                                              bool detached_logs, partition_spawner spawner) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.dir = std::filesystem::path{st.cfg.log_dirs.at(0)};
  st.cluster_id = std::move(cluster_id);
  st.detached_logs = detached_logs;
  st.spawner = std::move(spawner);
  const bool cluster = st.cfg.cluster_mode();
  if (cluster) {
    st.cluster_id = cluster_wide_id(st.cfg); // not this node's meta.properties id
    // The committed metadata decides what this node hosts; partitions start with the first image.
    CAFKA_INFO(component, "node " << st.cfg.node_id << " of cluster " << st.cluster_id
                                  << " waiting for the cluster metadata");
  } else {
    for (auto& [name, def] : topics) {
      auto& entry = st.topics[name];
      entry.def = def;
      spawn_partitions(self, entry, 0, def.partitions);
    }
    CAFKA_INFO(component, "node " << st.cfg.node_id << " of cluster " << st.cluster_id
                                  << " serving " << st.topics.size() << " topics");
  }
  self->set_exit_handler([self](caf::exit_msg& msg) { handle_exit(self, msg); });
  self->set_down_handler([self](caf::down_msg& msg) { handle_child_down(self, msg); });
  // Graceful shutdown (handle_exit) leaves nothing here; this catches every other end of the
  // node (kill, exception) so no log stays open. Children ignore `normal` exits.
  self->attach_functor([children = st.children](const caf::error& reason) {
    auto r = caf::exit_reason::user_shutdown;
    if (reason && reason.category() == caf::atom("exit"))
      r = static_cast<caf::exit_reason>(reason.code());
    if (r == caf::exit_reason::normal)
      r = caf::exit_reason::user_shutdown;
    for (auto& child : *children)
      caf::anon_send_exit(child, r);
  });
  using topic_promise = caf::typed_response_promise<topic_result>;
  auto now = [self](topic_result r) {
    auto rp = self->make_response_promise<topic_result>();
    rp.deliver(std::move(r));
    return rp;
  };
  return {
    [self, cluster](metadata_atom, const metadata_query& q) {
      if (cluster)
        return cluster_metadata_request(self, q);
      auto rp = self->make_response_promise<metadata_snapshot>();
      rp.deliver(metadata(self, q));
      return rp;
    },
    [self, cluster](route_atom, const std::string& name) {
      if (cluster)
        return cluster_route(self, name);
      topic_route route;
      auto i = self->state.topics.find(name);
      if (i == self->state.topics.end()) {
        route.ec = errc::unknown_topic_or_partition;
        return route;
      }
      for (auto& pa : i->second.partitions)
        route.replicas.push_back(pa.replica);
      return route;
    },
    [self, cluster, now](create_topic_atom, const create_topic_args& args) -> topic_promise {
      return cluster ? cluster_create_topic(self, args) : now(create_topic(self, args));
    },
    [self, cluster](delete_topic_atom, const std::string& name) {
      return cluster ? cluster_delete_topic(self, name) : delete_topic(self, name);
    },
    [self, cluster, now](create_parts_atom, const create_partitions_args& args) -> topic_promise {
      return cluster ? cluster_create_partitions(self, args) : now(create_partitions(self, args));
    },
    [self, cluster](coordinator_atom, const std::string& group_id) {
      return cluster ? cluster_find_coordinator(self, group_id) : find_coordinator(self, group_id);
    },
    [self](group_shards_atom) {
      std::vector<group_shard_actor> result;
      for (auto& shard : self->state.shards)
        if (shard)
          result.push_back(shard);
      return result;
    },
    [self](describe_configs_atom, const config_resource& res) {
      return describe_configs(self, res);
    },
    [self, cluster, now](alter_configs_atom, const alter_configs_args& args) -> topic_promise {
      if (cluster) {
        topic_result r;
        r.ec = errc::invalid_request;
        r.message = "AlterConfigs is not supported in cluster mode yet";
        return now(std::move(r));
      }
      return alter_configs(self, args);
    },
    [self](cluster_links_atom, controller_client_actor& client, peer_directory_actor& peers) {
      self->state.cluster.client = std::move(client);
      self->state.cluster.peers = std::move(peers);
      reconcile(self); // an image that came first waited for the links
    },
    [self](cluster_image_atom, controller_metadata& md) { on_cluster_image(self, md); },
    [self](replica_atom, const std::string& topic, int32_t partition) {
      return cluster_replica(self, topic, partition);
    },
    [self](resolve_retry_atom, const std::string& topic, int32_t partition, uint64_t generation) {
      on_resolve_retry(self, topic, partition, generation);
    },
    [self](timeout_atom, uint64_t waiter) { on_waiter_timeout(self, waiter); },
  };
}

} // namespace cafka
