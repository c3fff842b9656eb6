// Decodes request frames captured from real clients (tests/data/captures, see its README).
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "net/protocol/header.hpp"
#include "net/protocol/messages.hpp"

using namespace cafka::protocol;

namespace {

std::vector<char> load(const std::string& name) {
  std::ifstream in(std::string(CAFKA_TEST_DATA_DIR) + "/captures/" + name, std::ios::binary);
  REQUIRE(in);
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Checks the size prefix, decodes the header and the body, and requires every byte consumed.
template <class Request>
Request decode_frame(const std::string& name, request_header& header) {
  auto frame = load(name);
  REQUIRE(frame.size() >= 4);
  reader prefix(frame.data(), 4);
  CHECK(static_cast<size_t>(prefix.read_int32()) == frame.size() - 4);
  reader r(frame.data() + 4, frame.size() - 4);
  header = decode_request_header(r);
  CHECK(header.api_key == Request::api_key);
  Request request;
  request.decode(r, header.api_version);
  CHECK(r.remaining() == 0);
  // Re-encoding reproduces the client's bytes.
  std::vector<char> again(4);
  writer w(again);
  write_request_header(w, header);
  request.encode(w, header.api_version);
  patch_frame_size(again);
  CHECK(again == frame);
  return request;
}

} // namespace

TEST_CASE("librdkafka ApiVersions v3 (kcat)", "[protocol][capture]") {
  request_header h;
  auto req = decode_frame<api_versions_request>("kcat_api_versions_v3.bin", h);
  CHECK(h.api_version == 3);
  CHECK(h.client_id == std::string("rdkafka"));
  CHECK(req.client_software_name == "librdkafka");
  CHECK(req.client_software_version == "2.0.2");
}

TEST_CASE("confluent_kafka ApiVersions v3", "[protocol][capture]") {
  request_header h;
  auto req = decode_frame<api_versions_request>("confluent_api_versions_v3.bin", h);
  CHECK(h.api_version == 3);
  CHECK(h.client_id == std::string("cafka-capture"));
  CHECK(req.client_software_name == "confluent-kafka-python");
  CHECK(req.client_software_version == "1.7.0-rdkafka-2.0.2");
}

TEST_CASE("kafka-python ApiVersions v0", "[protocol][capture]") {
  request_header h;
  decode_frame<api_versions_request>("kafka_python_api_versions_v0.bin", h);
  CHECK(h.api_version == 0);
  CHECK(h.correlation_id == 1);
  CHECK(h.client_id == std::string("cafka-capture"));
}

TEST_CASE("librdkafka Metadata v4", "[protocol][capture]") {
  request_header h;
  auto brokers_only = decode_frame<metadata_request>("kcat_metadata_v4.bin", h);
  CHECK(h.api_version == 4);
  REQUIRE(brokers_only.topics);
  CHECK(brokers_only.topics->empty());
  CHECK_FALSE(brokers_only.allow_auto_topic_creation);

  auto one_topic = decode_frame<metadata_request>("kcat_topic_metadata_v4.bin", h);
  REQUIRE(one_topic.topics);
  REQUIRE(one_topic.topics->size() == 1);
  CHECK(one_topic.topics->at(0).name == "cafka-test");
  CHECK(one_topic.allow_auto_topic_creation);

  auto confluent = decode_frame<metadata_request>("confluent_metadata_v4.bin", h);
  CHECK(h.client_id == std::string("cafka-capture"));
  REQUIRE(confluent.topics);
  REQUIRE(confluent.topics->size() == 1);
  CHECK(confluent.topics->at(0).name == "orders");
}

TEST_CASE("kafka-python Metadata v0 and v1", "[protocol][capture]") {
  request_header h;
  auto v0 = decode_frame<metadata_request>("kafka_python_metadata_v0.bin", h);
  CHECK(h.api_version == 0);
  REQUIRE(v0.topics);
  CHECK(v0.topics->empty()); // v0: empty list means all topics
  auto v1 = decode_frame<metadata_request>("kafka_python_metadata_v1.bin", h);
  CHECK(h.api_version == 1);
  CHECK_FALSE(v1.topics); // v1+: null means all topics
}

TEST_CASE("librdkafka Produce v7 (kcat)", "[protocol][capture]") {
  request_header h;
  auto req = decode_frame<produce_request>("kcat_produce_produce_v7.bin", h);
  CHECK(h.api_version == 7);
  CHECK(h.client_id == std::string("rdkafka"));
  CHECK_FALSE(req.transactional_id);
  CHECK(req.acks == -1);
  REQUIRE(req.topic_data.size() == 1);
  CHECK(req.topic_data[0].name == "cafka-test");
  REQUIRE(req.topic_data[0].partition_data.size() == 1);
  const auto& partition = req.topic_data[0].partition_data[0];
  CHECK(partition.index == 0);
  REQUIRE(partition.records);
  const auto batch = partition.records->flatten();
  REQUIRE(batch.size() >= 61);
  reader r(batch.data(), batch.size());
  CHECK(r.read_int64() == 0);                                       // base offset
  CHECK(static_cast<size_t>(r.read_int32()) == batch.size() - 12);  // batch length
  r.read_int32();                                                   // partition leader epoch
  CHECK(r.read_int8() == 2);                                        // magic
}

TEST_CASE("librdkafka Fetch v11 (kcat consumer)", "[protocol][capture]") {
  request_header h;
  auto req = decode_frame<fetch_request>("kcat_consume_fetch_v11.bin", h);
  CHECK(h.api_version == 11);
  CHECK(req.replica_id == -1);
  CHECK(req.isolation_level == 1); // librdkafka defaults to read_committed
  CHECK(req.session_id == 0);
  CHECK(req.session_epoch == -1);
  REQUIRE(req.topics.size() == 1);
  CHECK(req.topics[0].topic == "cafka-test");
  REQUIRE(req.topics[0].partitions.size() == 1);
  const auto& p = req.topics[0].partitions[0];
  CHECK(p.partition == 0);
  CHECK(p.fetch_offset == 0);
  CHECK(p.current_leader_epoch == -1);
  CHECK(p.partition_max_bytes > 0);
  CHECK(req.forgotten_topics_data.empty());
  CHECK(req.rack_id.empty());

  auto metadata = decode_frame<metadata_request>("kcat_consume_metadata_v4.bin", h);
  REQUIRE(metadata.topics);
  CHECK(metadata.topics->size() == 1);
  CHECK_FALSE(metadata.allow_auto_topic_creation);
}

TEST_CASE("librdkafka ListOffsets v2 (kcat -Q)", "[protocol][capture]") {
  request_header h;
  auto req = decode_frame<list_offsets_request>("kcat_query_list_offsets_v2.bin", h);
  CHECK(h.api_version == 2);
  CHECK(req.replica_id == -1);
  CHECK(req.isolation_level == 1);
  REQUIRE(req.topics.size() == 1);
  CHECK(req.topics[0].name == "cafka-test");
  REQUIRE(req.topics[0].partitions.size() == 1);
  CHECK(req.topics[0].partitions[0].partition_index == 0);
  CHECK(req.topics[0].partitions[0].timestamp == -1); // latest
}
