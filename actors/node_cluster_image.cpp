// Cluster mode: adopting committed metadata images and reconciling this node's partitions with
// them — spawn what is assigned here, tell replicas their state, delete what went away.
// Nothing is persisted locally: the image is pulled again at every start, and each partition
// directory carries Kafka's partition.metadata (the topic id) so that data of a deleted topic is
// never mistaken for a re-created topic of the same name.
#include "actors/node.hpp"

#include "actors/atomic_file.hpp"
#include "actors/logging.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <memory>

namespace cafka {

namespace {

constexpr const char* component = "node";
constexpr const char* partition_metadata_file = "partition.metadata";

bool assigned_here(const cluster::partition_info& info, int32_t self_id) {
  return std::find(info.replicas.begin(), info.replicas.end(), self_id) != info.replicas.end();
}

// Kafka's partition.metadata: "version: 0\ntopic_id: <id>\n". A directory that names another
// topic id belongs to a deleted incarnation of the topic: its data goes.
void claim_partition_dir(const broker_config& cfg, const std::string& topic, int32_t partition,
                         const std::string& topic_id) {
  auto dir = partition_dir(cfg, topic, partition);
  auto file = dir / partition_metadata_file;
  auto expected = "version: 0\ntopic_id: " + topic_id + "\n";
  std::error_code ec;
  auto present = read_file(file, ec);
  if (!ec && present == expected)
    return;
  if (!ec) {
    CAFKA_WARN(component, topic << "-" << partition
                                << ": removing data of an earlier topic with the same name");
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::create_directories(dir, ec);
  if (auto err = write_file_atomically(file, expected))
    CAFKA_WARN(component, topic << "-" << partition << ": cannot write " << file.string() << ": "
                                << err.message());
}

// Removes the directory of a hosted partition whose actors are gone (offline): no actor owns it.
void remove_offline_dir(node_self self, const std::string& name, int32_t p) {
  std::error_code ec;
  std::filesystem::remove_all(partition_dir(self->state.cfg, name, p), ec);
}

// Stops and deletes every hosted partition of `entry` (its topic left the image or was
// replaced by a new one of the same name); reconciles again once all data is gone. Never
// reconciles synchronously: the caller is iterating the topics.
void remove_topic(node_self self, const std::string& name, topic_entry entry) {
  auto& st = self->state;
  if (name == offsets_topic_name)
    stop_group_shards(self, -1, caf::exit_reason::user_shutdown);
  auto pending = std::make_shared<size_t>(0);
  auto finish = [self, name, pending] {
    if (--*pending > 0)
      return;
    self->state.deleting.erase(name);
    CAFKA_INFO(component, "removed topic " << name);
    if (!self->state.shutting_down)
      reconcile(self); // a new topic of the same name may be waiting for the directories
  };
  for (size_t p = 0; p < entry.cluster.size(); ++p) {
    if (!entry.cluster[p].hosted)
      continue;
    auto& pa = entry.partitions[p];
    if (!pa) {
      remove_offline_dir(self, name, static_cast<int32_t>(p));
      continue;
    }
    ++*pending;
    delete_partition(self, name, static_cast<int32_t>(p), pa, finish);
  }
  if (*pending > 0)
    st.deleting.insert(name); // the name waits until every directory is gone
  else
    CAFKA_INFO(component, "removed topic " << name);
}

// This node is no longer a replica of the partition: its actors and data go.
void remove_partition(node_self self, const std::string& name, int32_t p, topic_entry& entry) {
  auto& st = self->state;
  auto pa = std::move(entry.partitions[static_cast<size_t>(p)]);
  entry.partitions[static_cast<size_t>(p)] = partition_actors{};
  entry.cluster[static_cast<size_t>(p)] = cluster_partition{};
  if (name == offsets_topic_name)
    stop_group_shards(self, p, caf::exit_reason::user_shutdown);
  CAFKA_INFO(component, name << "-" << p << " is no longer assigned here: deleting its data");
  if (!pa) {
    remove_offline_dir(self, name, p);
    return;
  }
  auto key = std::make_pair(name, p);
  st.cluster.removing.insert(key);
  delete_partition(self, name, p, pa, [self, key] {
    self->state.cluster.removing.erase(key);
    if (!self->state.shutting_down)
      reconcile(self);
  });
}

void host_partition(node_self self, const std::string& name, int32_t p, topic_entry& entry,
                    const cluster::partition_info& info) {
  auto& st = self->state;
  claim_partition_dir(st.cfg, name, p, entry.def.id);
  partition_spec spec;
  spec.topic = name;
  spec.partition = p;
  spec.leader_epoch = info.leader_epoch;
  spec.configs = entry.def.configs;
  spec.alter_partition = st.cluster.client; // ISR changes go to the controller through it
  entry.partitions[static_cast<size_t>(p)] = spawn_child_partition(self, spec);
  entry.cluster[static_cast<size_t>(p)].hosted = true;
  CAFKA_DEBUG(component, name << "-" << p << " is hosted here now");
}

} // namespace

void on_cluster_image(node_self self, controller_metadata& md) {
  auto& st = self->state;
  auto& cv = st.cluster;
  if (st.shutting_down || !st.cfg.cluster_mode())
    return;
  if (cv.has_image && md.offset <= cv.offset)
    return; // an older (or the same) image: nothing new
  cluster::cluster_metadata image;
  if (auto ec = image.restore(md.state)) {
    CAFKA_ERROR(component, "cannot read the cluster metadata at offset " << md.offset << ": "
                                                                         << ec.message());
    return;
  }
  if (!cv.has_image)
    CAFKA_INFO(component, "first cluster metadata at offset " << md.offset << ": "
                                                              << image.topics().size()
                                                              << " topics, "
                                                              << image.brokers().size()
                                                              << " brokers");
  cv.image = std::move(image);
  cv.offset = md.offset;
  cv.has_image = true;
  if (md.leader >= 0)
    cv.controller_id = md.leader;
  reconcile(self);
}

void reconcile(node_self self) {
  auto& st = self->state;
  auto& cv = st.cluster;
  // Partitions are spawned with the controller client (where leaders send ISR changes): wait for
  // the links, which come right after spawn (cluster_links_atom reconciles then).
  if (!cv.has_image || st.shutting_down || !cv.client)
    return;
  const auto self_id = st.cfg.node_id;
  // Topics that left the image, or were replaced by a new one with the same name.
  for (auto i = st.topics.begin(); i != st.topics.end();) {
    auto* t = cv.image.topic(i->first);
    if (t != nullptr && t->id == i->second.def.id) {
      ++i;
      continue;
    }
    auto name = i->first;
    auto entry = std::move(i->second);
    i = st.topics.erase(i);
    CAFKA_INFO(component, "topic " << name << " was deleted: removing its partitions");
    remove_topic(self, name, std::move(entry));
  }
  for (auto& [name, t] : cv.image.topics()) {
    if (st.deleting.count(name) > 0)
      continue; // an old incarnation still removes its data; reconciled again when done
    auto& entry = st.topics[name];
    int32_t count = t.partitions.empty() ? 0 : t.partitions.rbegin()->first + 1;
    entry.def.name = name;
    entry.def.id = t.id;
    entry.def.configs = t.configs;
    entry.def.partitions = count;
    if (!t.partitions.empty())
      entry.def.replication_factor
        = static_cast<int16_t>(t.partitions.begin()->second.replicas.size());
    if (entry.partitions.size() < static_cast<size_t>(count)) {
      entry.partitions.resize(static_cast<size_t>(count));
      entry.cluster.resize(static_cast<size_t>(count));
    }
    for (auto& [p, info] : t.partitions) {
      auto& cp = entry.cluster[static_cast<size_t>(p)];
      bool assigned = assigned_here(info, self_id);
      if (assigned && !cp.hosted) {
        if (cv.removing.count({name, p}) > 0)
          continue; // its old data is still being deleted
        host_partition(self, name, p, entry, info);
      } else if (!assigned && cp.hosted) {
        remove_partition(self, name, p, entry);
        continue;
      }
      if (cp.hosted && entry.partitions[static_cast<size_t>(p)])
        update_partition_role(self, name, p);
    }
  }
  reconcile_group_shards(self);
  notify_image_waiters(self);
}

// ---- waiting for an image -------------------------------------------------------------------

void wait_for_image(node_self self, std::function<bool(const cluster::cluster_metadata&)> ready,
                    std::function<void()> done, caf::timespan wait) {
  auto& cv = self->state.cluster;
  if (cv.has_image && ready(cv.image)) {
    done();
    return;
  }
  auto id = cv.next_waiter++;
  cv.waiters.emplace(id, image_waiter{std::move(ready), std::move(done)});
  self->delayed_send(self, wait, timeout_atom::value, id);
}

void notify_image_waiters(node_self self) {
  auto& cv = self->state.cluster;
  std::vector<std::function<void()>> due;
  for (auto i = cv.waiters.begin(); i != cv.waiters.end();) {
    if (i->second.ready(cv.image)) {
      due.push_back(std::move(i->second.done));
      i = cv.waiters.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& f : due)
    f();
}

void on_waiter_timeout(node_self self, uint64_t id) {
  auto& waiters = self->state.cluster.waiters;
  auto i = waiters.find(id);
  if (i == waiters.end())
    return; // already answered
  auto done = std::move(i->second.done);
  waiters.erase(i);
  done();
}

} // namespace cafka
