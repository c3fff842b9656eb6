// The node actor in cluster mode: committed images decide which partitions live here and what
// their replicas are told (become); Metadata, routes, admin and group coordinators follow the
// image. The node runs against fakes: replicas that record what they are told, a controller
// client, a peer directory and the other nodes' gateways.
#include "fixture.hpp"

#include "actors/cluster_metadata.hpp"
#include "actors/node.hpp"
#include "actors/offsets_records.hpp"

#include <filesystem>
#include <fstream>
#include <set>

using namespace cafka;
using namespace cafka::test;

namespace {

struct become_event {
  std::string topic;
  int32_t partition;
  partition_state state;
};

// Everything the fakes saw, shared with the test.
struct recorder {
  std::vector<become_event> becomes;
  std::vector<std::string> deleted;                           // "topic-partition"
  std::map<std::pair<std::string, int32_t>, caf::actor> local; // this node's replicas
  std::map<std::tuple<int32_t, std::string, int32_t>, caf::actor> remote; // other nodes'
  std::set<int32_t> reachable;                                 // peers the directory finds
  std::vector<create_topic_args> creates;
  std::vector<std::string> deletes;
  std::vector<create_partitions_args> grows;

  std::vector<become_event> of(const std::string& topic, int32_t partition) const {
    std::vector<become_event> out;
    for (auto& e : becomes)
      if (e.topic == topic && e.partition == partition)
        out.push_back(e);
    return out;
  }
};
using recorder_ptr = std::shared_ptr<recorder>;

caf::behavior fake_replica(caf::event_based_actor* self, recorder_ptr rec, std::string topic,
                           int32_t partition) {
  return {
    [=](become_atom, partition_state& s) {
      rec->becomes.push_back({topic, partition, s});
      return errc::none;
    },
    [=](delete_atom) {
      rec->deleted.push_back(topic + "-" + std::to_string(partition));
      self->quit();
      return errc::none;
    },
    [=](status_atom) { return replica_status{}; },
    [=](fetch_atom, fetch_args&) {
      fetch_reply r;
      r.high_watermark = r.last_stable_offset = r.log_start_offset = 0;
      return r;
    },
  };
}

// A replica of another node: only its identity matters (delete_atom: it goes away).
caf::behavior remote_replica(caf::event_based_actor* self) {
  return {
    [](status_atom) { return replica_status{}; },
    [self](delete_atom) {
      self->quit();
      return errc::none;
    },
  };
}

caf::behavior fake_gateway(caf::event_based_actor* self, recorder_ptr rec, int32_t node) {
  return {
    [=](replica_atom, const std::string& topic, int32_t partition) {
      auto& handle = rec->remote[{node, topic, partition}];
      if (!handle)
        handle = self->spawn<caf::linked>(remote_replica); // gone with the directory
      return replica_lookup{errc::none, caf::actor_cast<partition_replica_actor>(handle)};
    },
  };
}

caf::behavior fake_directory(caf::event_based_actor* self, recorder_ptr rec) {
  auto gateways = std::make_shared<std::map<int32_t, caf::actor>>();
  return {
    [=](gateway_atom, int32_t node) -> caf::result<node_gateway_actor> {
      if (rec->reachable.count(node) == 0)
        return caf::make_error(caf::sec::cannot_connect_to_node);
      auto& gw = (*gateways)[node];
      if (!gw)
        gw = self->spawn<caf::linked>(fake_gateway, rec, node);
      return caf::actor_cast<node_gateway_actor>(gw);
    },
  };
}

caf::behavior fake_client(recorder_ptr rec) {
  return {
    [=](create_topic_atom, const create_topic_args& args) {
      rec->creates.push_back(args);
      topic_result r;
      r.num_partitions = args.num_partitions;
      r.replication_factor = args.replication_factor;
      return r;
    },
    [=](delete_topic_atom, const std::string& name) {
      rec->deletes.push_back(name);
      return topic_result{};
    },
    [=](create_parts_atom, const create_partitions_args& args) {
      rec->grows.push_back(args);
      return topic_result{};
    },
  };
}

// Builds images by applying records, as a broker following the metadata log would.
struct image_builder {
  cluster::cluster_metadata state;
  int64_t offset = 0;

  void apply(const cluster::record& r) {
    auto ec = state.apply(r);
    INFO(cluster::to_string(r));
    REQUIRE(!ec);
  }
  void broker(int32_t id, bool fenced = false) {
    apply(cluster::register_broker{id, 1, "host" + std::to_string(id),
                                   static_cast<uint16_t>(9090 + id),
                                   "host" + std::to_string(id) + ":919" + std::to_string(id)});
    if (!fenced)
      apply(cluster::broker_unfenced{id, 1});
  }
  void topic(const std::string& name, const std::string& id,
             std::vector<std::vector<int32_t>> replicas) {
    apply(cluster::topic_record{name, id, {}});
    for (size_t p = 0; p < replicas.size(); ++p)
      apply(cluster::partition_record{name, static_cast<int32_t>(p), replicas[p], replicas[p],
                                      replicas[p].front(), 0, 0});
  }
  controller_metadata next(int32_t controller = 1) {
    offset += 10;
    return controller_metadata{offset, controller, 1, state.snapshot()};
  }
};

struct cluster_fixture : fixture {
  recorder_ptr rec = std::make_shared<recorder>();
  caf::actor client;
  caf::actor directory;
  image_builder img;

  cluster_fixture() {
    bcfg.node_id = 1;
    bcfg.cluster_nodes = {{1, "host1", 9091, 9191}, {2, "host2", 9092, 9192},
                          {3, "host3", 9093, 9193}};
    bcfg.replica_fetch_backoff_ms = 1000;
    rec->reachable = {2, 3};
  }

  ~cluster_fixture() {
    stop_node();
    for (auto* a : {&client, &directory})
      if (*a)
        caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start_cluster_node(bool with_links = true) {
    partition_spawner spawner = [rec = rec](caf::local_actor* parent, const broker_config&,
                                            const partition_spec& spec, bool,
                                            std::error_code&) {
      auto a = parent->spawn(fake_replica, rec, spec.topic, spec.partition);
      rec->local[{spec.topic, spec.partition}] = a;
      partition_actors pa;
      pa.replica = caf::actor_cast<partition_replica_actor>(a);
      return pa;
    };
    node = sys.spawn(node_impl_with, bcfg, std::string{"cluster-id-0123456789ab"}, topic_map{},
                     false, spawner);
    client = sys.spawn(fake_client, rec);
    directory = sys.spawn(fake_directory, rec);
    if (with_links)
      link();
    sched.run();
  }

  void link() {
    caf::anon_send(node, cluster_links_atom::value,
                   caf::actor_cast<controller_client_actor>(client),
                   caf::actor_cast<peer_directory_actor>(directory));
    sched.run();
  }

  void publish(const controller_metadata& md) {
    caf::anon_send(node, cluster_image_atom::value, md);
    sched.run();
  }

  void advance(std::chrono::milliseconds ms) {
    sched.advance_time(ms);
    sched.run();
  }

  caf::actor local(const std::string& topic, int32_t p) { return rec->local.at({topic, p}); }
  caf::actor remote(int32_t node_id, const std::string& topic, int32_t p) {
    return rec->remote.at({node_id, topic, p});
  }

  metadata_snapshot metadata(std::vector<std::string> topics = {}, bool auto_create = false) {
    metadata_query q;
    q.all_topics = topics.empty();
    q.topics = std::move(topics);
    q.allow_auto_create = auto_create;
    return call<metadata_snapshot>(node, metadata_atom::value, q);
  }
};

// A three-broker cluster with topic t: t-0 on {1,2} led by 1, t-1 on {2,1} led by 2, t-2 on
// {2,3} led by 2 (not hosted by node 1).
void standard_image(image_builder& img) {
  img.broker(1);
  img.broker(2);
  img.broker(3);
  img.topic("t", "topic-t-id", {{1, 2}, {2, 1}, {2, 3}});
}

} // namespace

TEST_CASE_METHOD(cluster_fixture, "an image spawns the assigned replicas with their roles",
                 "[node][cluster]") {
  start_cluster_node();
  standard_image(img);
  publish(img.next());
  CHECK(rec->local.size() == 2);
  CHECK(rec->local.count({"t", 2}) == 0);
  // The leader is told to lead, with its own handle.
  auto t0 = rec->of("t", 0);
  REQUIRE(t0.size() == 1);
  CHECK(t0[0].state.leader_id == 1);
  CHECK(t0[0].state.leader == local("t", 0));
  CHECK(t0[0].state.replicas == std::vector<int32_t>{1, 2});
  CHECK(t0[0].state.isr == std::vector<int32_t>{1, 2});
  // The follower first learns its role, then the leader's replica once resolved.
  auto t1 = rec->of("t", 1);
  REQUIRE(t1.size() == 2);
  CHECK(t1[0].state.leader_id == 2);
  CHECK_FALSE(t1[0].state.leader);
  CHECK(t1[1].state.leader_id == 2);
  CHECK(t1[1].state.leader == remote(2, "t", 1));
  // Routes: this node's replicas; the partition hosted elsewhere is not_leader_or_follower.
  auto route = call<topic_route>(node, route_atom::value, std::string{"t"});
  REQUIRE(route.ec == errc::none);
  REQUIRE(route.replicas.size() == 3);
  CHECK(route.replicas[0] == caf::actor_cast<partition_replica_actor>(local("t", 0)));
  CHECK(route.replicas[1] == caf::actor_cast<partition_replica_actor>(local("t", 1)));
  CHECK_FALSE(route.replicas[2]);
  REQUIRE(route.missing.size() == 3);
  CHECK(route.missing[2] == errc::not_leader_or_follower);
  CHECK(call<topic_route>(node, route_atom::value, std::string{"nope"}).ec
        == errc::unknown_topic_or_partition);
  // Other nodes find this node's replicas.
  auto found = call<replica_lookup>(node, replica_atom::value, std::string{"t"}, int32_t{1});
  CHECK(found.ec == errc::none);
  CHECK(found.replica == caf::actor_cast<partition_replica_actor>(local("t", 1)));
  CHECK(call<replica_lookup>(node, replica_atom::value, std::string{"t"}, int32_t{2}).ec
        == errc::unknown_topic_or_partition);
  // Each partition directory names its topic id (Kafka's partition.metadata).
  std::ifstream pm{dir.path / "t-0" / "partition.metadata"};
  std::string text{std::istreambuf_iterator<char>{pm}, {}};
  CHECK(text == "version: 0\ntopic_id: topic-t-id\n");
}

TEST_CASE_METHOD(cluster_fixture, "an image before the links waits for them",
                 "[node][cluster]") {
  start_cluster_node(false);
  standard_image(img);
  publish(img.next());
  CHECK(rec->local.empty());
  CHECK(metadata().topics.size() == 1); // Metadata answers from the image already
  link();
  CHECK(rec->local.size() == 2);
  CHECK(rec->of("t", 0).size() == 1);
}

TEST_CASE_METHOD(cluster_fixture, "an unresolved leader is looked up again every backoff",
                 "[node][cluster]") {
  rec->reachable.clear();
  start_cluster_node();
  standard_image(img);
  publish(img.next());
  REQUIRE(rec->of("t", 1).size() == 1);
  CHECK_FALSE(rec->of("t", 1)[0].state.leader);
  advance(std::chrono::milliseconds(1000)); // still unreachable: nothing new to say
  CHECK(rec->of("t", 1).size() == 1);
  rec->reachable = {2};
  advance(std::chrono::milliseconds(1000));
  auto t1 = rec->of("t", 1);
  REQUIRE(t1.size() == 2);
  CHECK(t1[1].state.leader == remote(2, "t", 1));
  // Resolved: no more lookups, no more becomes.
  advance(std::chrono::milliseconds(5000));
  CHECK(rec->of("t", 1).size() == 2);
}

TEST_CASE_METHOD(cluster_fixture, "a remote leader that goes away is looked up again",
                 "[node][cluster]") {
  start_cluster_node();
  standard_image(img);
  publish(img.next());
  auto old_leader = remote(2, "t", 1);
  rec->remote.clear();
  caf::anon_send(old_leader, delete_atom::value); // its node restarted, say
  sched.run();
  auto t1 = rec->of("t", 1);
  REQUIRE(t1.size() == 3);
  CHECK(t1[2].state.leader == remote(2, "t", 1));
  CHECK(t1[2].state.leader != old_leader);
  CHECK(t1[2].state.leader_epoch == t1[1].state.leader_epoch);
}

TEST_CASE_METHOD(cluster_fixture, "later images change roles; unchanged or older ones do not",
                 "[node][cluster]") {
  start_cluster_node();
  standard_image(img);
  publish(img.next());
  auto before = rec->becomes.size();
  // The same state at a newer offset: nothing to tell anyone.
  publish(img.next());
  CHECK(rec->becomes.size() == before);
  // Leadership of t-0 moves to node 2, t-1 comes to node 1.
  img.apply(cluster::partition_change{"t", 0, int32_t{2}, std::nullopt});
  img.apply(cluster::partition_change{"t", 1, int32_t{1}, std::nullopt});
  auto newer = img.next();
  // An older image arriving late changes nothing.
  auto old = newer;
  old.offset = 5;
  publish(old);
  CHECK(rec->becomes.size() == before);
  publish(newer);
  auto t0 = rec->of("t", 0);
  REQUIRE(t0.size() == 3);
  CHECK(t0[1].state.leader_id == 2);
  CHECK(t0[1].state.leader_epoch == 1);
  CHECK_FALSE(t0[1].state.leader);
  CHECK(t0[2].state.leader == remote(2, "t", 0));
  auto t1 = rec->of("t", 1);
  REQUIRE(t1.size() == 3);
  CHECK(t1[2].state.leader_id == 1);
  CHECK(t1[2].state.leader_epoch == 1);
  CHECK(t1[2].state.leader == local("t", 1));
  // An ISR change is news too.
  img.apply(cluster::partition_change{"t", 1, std::nullopt, std::vector<int32_t>{1}});
  publish(img.next());
  t1 = rec->of("t", 1);
  REQUIRE(t1.size() == 4);
  CHECK(t1[3].state.isr == std::vector<int32_t>{1});
  CHECK(t1[3].state.partition_epoch == t1[2].state.partition_epoch + 1);
}

TEST_CASE_METHOD(cluster_fixture, "topics removed from the image are deleted here",
                 "[node][cluster]") {
  start_cluster_node();
  standard_image(img);
  publish(img.next());
  img.apply(cluster::remove_topic{"t"});
  publish(img.next());
  std::sort(rec->deleted.begin(), rec->deleted.end());
  CHECK(rec->deleted == std::vector<std::string>{"t-0", "t-1"});
  CHECK(metadata().topics.empty());
  CHECK(call<topic_route>(node, route_atom::value, std::string{"t"}).ec
        == errc::unknown_topic_or_partition);
  // A new topic of the same name starts afresh (data of the old one is gone first).
  img.topic("t", "topic-t-id-2", {{1}});
  publish(img.next());
  REQUIRE(rec->of("t", 0).size() >= 2);
  CHECK(rec->of("t", 0).back().state.leader == local("t", 0));
  std::ifstream pm{dir.path / "t-0" / "partition.metadata"};
  std::string text{std::istreambuf_iterator<char>{pm}, {}};
  CHECK(text == "version: 0\ntopic_id: topic-t-id-2\n");
}

TEST_CASE_METHOD(cluster_fixture, "stale data of an earlier topic with the same name goes",
                 "[node][cluster]") {
  std::filesystem::create_directories(dir.path / "t-0");
  {
    std::ofstream{dir.path / "t-0" / "partition.metadata"} << "version: 0\ntopic_id: old\n";
    std::ofstream{dir.path / "t-0" / "00000000000000000000.log"} << "stale";
  }
  start_cluster_node();
  standard_image(img);
  publish(img.next());
  CHECK_FALSE(std::filesystem::exists(dir.path / "t-0" / "00000000000000000000.log"));
}

TEST_CASE_METHOD(cluster_fixture, "metadata lists live brokers, leaders and leaderless partitions",
                 "[node][cluster]") {
  start_cluster_node();
  // Before the first image: this broker only, topics not known yet (retriable).
  auto early = metadata({"t"});
  REQUIRE(early.brokers.size() == 1);
  CHECK(early.brokers[0].node_id == 1);
  REQUIRE(early.topics.size() == 1);
  CHECK(early.topics[0].ec == errc::leader_not_available);
  img.broker(1);
  img.broker(2);
  img.broker(3, true); // registered, fenced
  img.topic("t", "topic-t-id", {{1, 2}, {2, 1}});
  img.apply(cluster::partition_change{"t", 1, cluster::no_leader, std::nullopt});
  publish(img.next(2));
  auto md = metadata();
  CHECK(md.controller_id == 2);
  // Every node of cluster.nodes reports the same id, derived from that list.
  CHECK(md.cluster_id == cluster_wide_id(bcfg));
  CHECK(md.cluster_id.size() == 22);
  auto other = bcfg;
  other.cluster_nodes.pop_back();
  CHECK(cluster_wide_id(other) != md.cluster_id);
  REQUIRE(md.brokers.size() == 2);
  CHECK(md.brokers[0].node_id == 1);
  CHECK(md.brokers[1].node_id == 2);
  CHECK(md.brokers[1].host == "host2");
  CHECK(md.brokers[1].port == 9092);
  REQUIRE(md.topics.size() == 1);
  auto& t = md.topics[0];
  REQUIRE(t.partitions.size() == 2);
  CHECK(t.partitions[0].ec == errc::none);
  CHECK(t.partitions[0].leader_id == 1);
  CHECK(t.partitions[0].replicas == std::vector<int32_t>{1, 2});
  CHECK(t.partitions[1].ec == errc::leader_not_available);
  CHECK(t.partitions[1].leader_id == -1);
  CHECK(t.partitions[1].leader_epoch == 1);
  auto missing = metadata({"nope"});
  REQUIRE(missing.topics.size() == 1);
  CHECK(missing.topics[0].ec == errc::unknown_topic_or_partition);
  CHECK(rec->creates.empty());
  // A controller missing from the list (fenced, in this node's view) is not named: librdkafka
  // would wait for it to appear and time out its admin requests. A listed broker relays them.
  publish(img.next(3));
  CHECK(metadata().controller_id == 1);
}

TEST_CASE_METHOD(cluster_fixture, "admin requests go to the controller and wait for the image",
                 "[node][cluster]") {
  bcfg.num_partitions = 4;
  bcfg.default_replication_factor = 2;
  start_cluster_node();
  standard_image(img);
  publish(img.next());
  create_topic_args args;
  args.name = "new";
  auto created = ask<topic_result>(node, create_topic_atom::value, args);
  sched.run();
  REQUIRE(rec->creates.size() == 1);
  CHECK(rec->creates[0].num_partitions == 4);
  CHECK(rec->creates[0].replication_factor == 2);
  CHECK_FALSE(created->done()); // not before this node has seen the topic
  img.topic("new", "new-id", {{1, 2}});
  publish(img.next());
  REQUIRE(created->done());
  REQUIRE(created->value);
  CHECK(created->value->ec == errc::none);
  // Names are checked here already.
  args.name = "bad name";
  CHECK(call<topic_result>(node, create_topic_atom::value, args).ec == errc::invalid_topic);
  CHECK(rec->creates.size() == 1);
  // Delete: relayed; without an image that shows it, the answer comes after a short wait.
  auto deleted = ask<topic_result>(node, delete_topic_atom::value, std::string{"new"});
  sched.run();
  CHECK(rec->deletes == std::vector<std::string>{"new"});
  CHECK_FALSE(deleted->done());
  advance(std::chrono::milliseconds(3000));
  REQUIRE(deleted->done());
  CHECK(deleted->value->ec == errc::none);
  // Growth: relayed and answered when the image has the partitions.
  create_partitions_args grow;
  grow.name = "t";
  grow.count = 4;
  auto grown = ask<topic_result>(node, create_parts_atom::value, grow);
  sched.run();
  REQUIRE(rec->grows.size() == 1);
  CHECK(rec->grows[0].count == 4);
  CHECK_FALSE(grown->done());
  img.apply(cluster::partition_record{"t", 3, {1, 3}, {1, 3}, 1, 0, 0});
  publish(img.next());
  REQUIRE(grown->done());
  CHECK(rec->of("t", 3).size() == 1);
  // AlterConfigs is not there yet in cluster mode.
  alter_configs_args alter;
  alter.topic = "t";
  CHECK(call<topic_result>(node, alter_configs_atom::value, alter).ec == errc::invalid_request);
}

TEST_CASE_METHOD(cluster_fixture, "metadata auto-creates through the controller",
                 "[node][cluster]") {
  bcfg.num_partitions = 2;
  start_cluster_node();
  standard_image(img);
  publish(img.next());
  metadata_query q;
  q.all_topics = false;
  q.topics = {"auto"};
  q.allow_auto_create = true;
  auto md = ask<metadata_snapshot>(node, metadata_atom::value, q);
  sched.run();
  REQUIRE(rec->creates.size() == 1);
  CHECK(rec->creates[0].name == "auto");
  CHECK(rec->creates[0].num_partitions == 2);
  CHECK_FALSE(md->done());
  img.topic("auto", "auto-id", {{2, 3}, {3, 1}});
  publish(img.next());
  REQUIRE(md->done());
  REQUIRE(md->value->topics.size() == 1);
  CHECK(md->value->topics[0].ec == errc::none);
  CHECK(md->value->topics[0].partitions.size() == 2);
}

TEST_CASE_METHOD(cluster_fixture, "group coordinators follow the __consumer_offsets leaders",
                 "[node][cluster]") {
  bcfg.offsets_topic_num_partitions = 2;
  bcfg.offsets_topic_replication_factor = 2;
  start_cluster_node();
  img.broker(1);
  img.broker(2, true);
  publish(img.next());
  // Too few live brokers for offsets.topic.replication.factor: not even asked.
  CHECK(call<coordinator_lookup>(node, coordinator_atom::value, std::string{"g"}).ec
        == errc::coordinator_not_available);
  CHECK(rec->creates.empty());
  img.apply(cluster::broker_unfenced{2, 1});
  publish(img.next());
  CHECK(call<coordinator_lookup>(node, coordinator_atom::value, std::string{"g"}).ec
        == errc::coordinator_not_available);
  REQUIRE(rec->creates.size() == 1);
  CHECK(rec->creates[0].name == "__consumer_offsets");
  CHECK(rec->creates[0].num_partitions == 2);
  CHECK(rec->creates[0].replication_factor == 2);
  CHECK(rec->creates[0].configs.at("cleanup.policy") == "compact");
  // Created: node 1 leads partition 0, node 2 partition 1.
  img.topic("__consumer_offsets", "offsets-id", {{1, 2}, {2, 1}});
  publish(img.next());
  CHECK(call<std::vector<group_shard_actor>>(node, group_shards_atom::value).size() == 1);
  std::string g0, g1;
  for (int i = 0; g0.empty() || g1.empty(); ++i) {
    auto g = "group-" + std::to_string(i);
    (offsets_partition_for(g, 2) == 0 ? g0 : g1) = g;
  }
  auto here = call<coordinator_lookup>(node, coordinator_atom::value, g0);
  CHECK(here.ec == errc::none);
  CHECK(here.node_id == 1);
  CHECK(here.shard);
  auto there = call<coordinator_lookup>(node, coordinator_atom::value, g1);
  CHECK(there.ec == errc::none);
  CHECK(there.node_id == 2);
  CHECK(there.host == "host2");
  CHECK(there.port == 9092);
  CHECK_FALSE(there.shard);
  // Leadership of partition 0 moves away: its shard stops, the group's coordinator is node 2.
  img.apply(cluster::partition_change{"__consumer_offsets", 0, int32_t{2}, std::nullopt});
  publish(img.next());
  CHECK(call<std::vector<group_shard_actor>>(node, group_shards_atom::value).empty());
  auto moved = call<coordinator_lookup>(node, coordinator_atom::value, g0);
  CHECK(moved.node_id == 2);
  CHECK_FALSE(moved.shard);
  // And back: a new shard.
  img.apply(cluster::partition_change{"__consumer_offsets", 0, int32_t{1}, std::nullopt});
  publish(img.next());
  CHECK(call<std::vector<group_shard_actor>>(node, group_shards_atom::value).size() == 1);
  CHECK(call<coordinator_lookup>(node, coordinator_atom::value, g0).shard);
}
