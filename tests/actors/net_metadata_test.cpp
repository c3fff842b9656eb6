// Metadata through a real bridge: the topic-list semantics of each version become the right
// metadata_query, and the node's snapshot becomes the wire response.
#include "net/error_mapping.hpp"
#include "net/protocol/messages.hpp"
#include "net_fixture.hpp"

#include <optional>

using namespace cafka;
using namespace cafka::net;
using namespace cafka::net::test;

namespace {

std::vector<char> metadata_body(int16_t version, std::optional<std::vector<std::string>> topics,
                                bool allow_auto = true) {
  protocol::metadata_request req;
  if (topics) {
    req.topics.emplace();
    for (auto& t : *topics) {
      protocol::metadata_request::metadata_request_topic x;
      x.name = t;
      req.topics->push_back(x);
    }
  } else {
    req.topics.reset();
  }
  req.allow_auto_topic_creation = allow_auto;
  std::vector<char> out;
  protocol::writer w{out};
  req.encode(w, version);
  return out;
}

protocol::metadata_response decode_response(const std::vector<char>& frame, int16_t version) {
  protocol::reader r{frame.data(), frame.size()};
  r.read_int32(); // size
  r.read_int32(); // correlation id (response header v0: Metadata v0-6 is not flexible)
  protocol::metadata_response resp;
  resp.decode(r, version);
  CHECK(r.remaining() == 0);
  return resp;
}

} // namespace

TEST_CASE("metadata topic lists: v0 empty = all, v1+ null = all and empty = none",
          "[net][metadata]") {
  fixture f;
  f.send(fixture::request(3, 0, 1, metadata_body(0, std::vector<std::string>{})));
  f.send(fixture::request(3, 0, 2, metadata_body(0, std::vector<std::string>{"a"})));
  f.send(fixture::request(3, 1, 3, metadata_body(1, std::nullopt)));
  f.send(fixture::request(3, 1, 4, metadata_body(1, std::vector<std::string>{})));
  f.send(fixture::request(3, 4, 5, metadata_body(4, std::vector<std::string>{"b"}, false)));
  f.send(fixture::request(3, 6, 6, metadata_body(6, std::vector<std::string>{"c", "d"}, true)));
  auto qs = f.queries();
  REQUIRE(qs.size() == 6);
  CHECK(qs[0].all_topics);
  CHECK(qs[0].allow_auto_create);
  CHECK_FALSE(qs[1].all_topics);
  CHECK(qs[1].topics == std::vector<std::string>{"a"});
  CHECK(qs[1].allow_auto_create); // before v4 clients cannot say no
  CHECK(qs[2].all_topics);
  CHECK_FALSE(qs[3].all_topics);
  CHECK(qs[3].topics.empty());
  CHECK_FALSE(qs[4].allow_auto_create);
  CHECK(qs[4].topics == std::vector<std::string>{"b"});
  CHECK(qs[5].allow_auto_create);
  CHECK(qs[5].topics == std::vector<std::string>{"c", "d"});
  for (size_t i = 0; i < qs.size(); ++i)
    f.release(i);
  CHECK(f.correlation_ids() == std::vector<int32_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("metadata response carries brokers, ids, errors and leaders", "[net][metadata]") {
  fixture f;
  f.config.node_id = 7;
  for (int16_t version : {int16_t{0}, int16_t{1}, int16_t{2}, int16_t{5}, int16_t{6}}) {
    INFO("version " << version);
    f.sink->frames.clear();
    f.send(fixture::request(3, version, 10 + version,
                            metadata_body(version, std::vector<std::string>{"new", "bad"})));
    metadata_snapshot snap;
    snap.cluster_id = "cid";
    snap.controller_id = 7;
    snap.brokers.push_back(broker_info{7, "host7", 9093});
    topic_metadata fresh; // just auto-created: no leader recorded yet
    fresh.name = "new";
    fresh.partitions.push_back(partition_metadata{errc::none, 0, -1, 0, {}, {}});
    fresh.partitions.push_back(partition_metadata{errc::none, 1, 7, 0, {7}, {7}});
    topic_metadata bad;
    bad.ec = errc::unknown_topic_or_partition;
    bad.name = "bad";
    snap.topics = {fresh, bad};
    f.release(f.parked() - 1, snap);
    REQUIRE(f.sink->frames.size() == 1);
    auto resp = decode_response(f.sink->frames[0], version);
    REQUIRE(resp.brokers.size() == 1);
    CHECK(resp.brokers[0].node_id == 7);
    CHECK(resp.brokers[0].host == "host7");
    CHECK(resp.brokers[0].port == 9093);
    if (version >= 1)
      CHECK(resp.controller_id == 7);
    if (version >= 2)
      CHECK(resp.cluster_id == std::optional<std::string>{"cid"});
    REQUIRE(resp.topics.size() == 2);
    CHECK(resp.topics[0].name == "new");
    CHECK(resp.topics[0].error_code == kafka_error::none);
    REQUIRE(resp.topics[0].partitions.size() == 2);
    auto& p0 = resp.topics[0].partitions[0];
    CHECK(p0.leader_id == 7); // this node serves the new partition right away
    CHECK(p0.replica_nodes == std::vector<int32_t>{7});
    CHECK(p0.isr_nodes == std::vector<int32_t>{7});
    CHECK(resp.topics[0].partitions[1].partition_index == 1);
    CHECK(resp.topics[1].error_code == kafka_error::unknown_topic_or_partition);
  }
}
