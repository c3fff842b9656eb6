// DescribeConfigs / AlterConfigs on the node actor: sources and synonyms, persistence in the
// topic store, live application to the log actors (segment rolls) and replicas
// (min.insync.replicas), validate_only, and rejected changes that apply nothing.
#include "actors/topic_config.hpp"
#include "actors/topic_store.hpp"
#include "fixture.hpp"

using namespace cafka;
using namespace cafka::test;

namespace {

config_change change(std::string name, std::string value, config_op op = config_op::set) {
  config_change c;
  c.name = std::move(name);
  c.op = static_cast<int8_t>(op);
  c.value = std::move(value);
  return c;
}

struct configs_fixture : fixture {
  config_description describe(config_resource_type type, std::string name) {
    config_resource res;
    res.type = type;
    res.name = std::move(name);
    return call<config_description>(node, describe_configs_atom::value, res);
  }

  config_entry topic_entry(const std::string& topic, const std::string& key) {
    auto d = describe(config_resource_type::topic, topic);
    REQUIRE(d.ec == errc::none);
    for (auto& e : d.entries)
      if (e.name == key)
        return e;
    FAIL("no entry " << key);
    return {};
  }

  topic_result alter(const std::string& topic, std::vector<config_change> changes,
                     bool incremental = false, bool validate_only = false) {
    alter_configs_args args;
    args.topic = topic;
    args.incremental = incremental;
    args.changes = std::move(changes);
    args.validate_only = validate_only;
    return call<topic_result>(node, alter_configs_atom::value, args);
  }

  topic_configs stored(const std::string& topic) {
    return load_topic_store(dir.path).at(topic).configs;
  }

  size_t segment_files(const std::string& topic) {
    size_t n = 0;
    for (auto& f : std::filesystem::directory_iterator(dir.path / (topic + "-0")))
      n += f.path().extension() == ".log";
    return n;
  }

  void produce_three(const std::string& topic) {
    for (int i = 0; i < 3; ++i)
      REQUIRE(produce(replica(topic), make_batch({"some value of a record"})).ec == errc::none);
  }
};

} // namespace

TEST_CASE_METHOD(configs_fixture, "describe reports effective values and their sources",
                 "[configs]") {
  bcfg.log_retention_bytes = 123456789;
  bcfg.explicitly_set = {"log.retention.bytes"};
  start_node();
  create_topic_args args;
  args.name = "t";
  args.configs = {{"retention.ms", "3600000"}};
  REQUIRE(call<topic_result>(node, create_topic_atom::value, args).ec == errc::none);
  auto d = describe(config_resource_type::topic, "t");
  REQUIRE(d.ec == errc::none);
  CHECK(d.entries.size() == topic_config_table().size());
  auto ms = topic_entry("t", "retention.ms");
  CHECK(ms.value == "3600000");
  CHECK(ms.source == config_source::dynamic_topic);
  CHECK_FALSE(ms.read_only);
  REQUIRE(ms.synonyms.size() == 2);
  CHECK(ms.synonyms[0].name == "retention.ms");
  CHECK(ms.synonyms[1].name == "log.retention.hours"); // the option carrying the default
  CHECK(ms.synonyms[1].value == "168");
  CHECK(ms.synonyms[1].source == config_source::default_config);
  auto bytes = topic_entry("t", "retention.bytes");
  CHECK(bytes.value == "123456789");
  CHECK(bytes.source == config_source::static_broker);
  REQUIRE(bytes.synonyms.size() == 2);
  CHECK(bytes.synonyms[0].source == config_source::static_broker);
  CHECK(bytes.synonyms[1].value == "-1");
  auto seg = topic_entry("t", "segment.bytes");
  CHECK(seg.source == config_source::default_config);
  CHECK(seg.value == std::to_string(bcfg.log_segment_bytes));
  CHECK(seg.type == static_cast<int8_t>(config_type::int_));
  CHECK_FALSE(seg.doc.empty());

  CHECK(describe(config_resource_type::topic, "missing").ec == errc::unknown_topic_or_partition);
  CHECK(describe(config_resource_type::topic, "bad/name").ec == errc::invalid_topic);
}

TEST_CASE_METHOD(configs_fixture, "describe broker resources follows Kafka's naming rules",
                 "[configs]") {
  bcfg.node_id = 3;
  bcfg.num_partitions = 2;
  bcfg.explicitly_set = {"num.partitions"};
  start_node();
  auto d = describe(config_resource_type::broker, "3");
  REQUIRE(d.ec == errc::none);
  bool found = false;
  for (auto& e : d.entries) {
    CHECK(e.read_only);
    if (e.name == "num.partitions") {
      found = true;
      CHECK(e.value == "2");
      CHECK(e.source == config_source::static_broker);
    }
    if (e.name == "log.retention.ms") // unset optional option: null, like Kafka
      CHECK(e.null);
    if (e.name == "log.segment.bytes")
      CHECK(e.source == config_source::default_config);
  }
  CHECK(found);
  // The empty name means the cluster-wide dynamic defaults: there are none.
  d = describe(config_resource_type::broker, "");
  CHECK(d.ec == errc::none);
  CHECK(d.entries.empty());
  d = describe(config_resource_type::broker, "4");
  CHECK(d.ec == errc::invalid_request);
  CHECK(d.message == "Unexpected broker id, expected 3 or empty string, but received 4");
  CHECK(describe(config_resource_type::broker, "x").ec == errc::invalid_request);
  d = describe(config_resource_type::broker_logger, "3");
  REQUIRE(d.ec == errc::none);
  REQUIRE(d.entries.size() == 1);
  CHECK(d.entries[0].value == "INFO");
  CHECK(describe(config_resource_type::broker_logger, "").ec == errc::invalid_request);
  CHECK(describe(static_cast<config_resource_type>(9), "t").ec == errc::invalid_request);
}

TEST_CASE_METHOD(configs_fixture, "alter configs is persisted and applied live", "[configs]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  produce_three("t");
  CHECK(segment_files("t") == 1);
  // Non-incremental: the given set replaces every override.
  REQUIRE(alter("t", {change("segment.bytes", "100"), change("retention.ms", "60000")}).ec
          == errc::none);
  CHECK(stored("t") == topic_configs{{"segment.bytes", "100"}, {"retention.ms", "60000"}});
  auto seg = topic_entry("t", "segment.bytes");
  CHECK(seg.value == "100");
  CHECK(seg.source == config_source::dynamic_topic);
  // The log actor rolls by the new size from the next append on.
  produce_three("t");
  CHECK(segment_files("t") >= 3);
  REQUIRE(alter("t", {change("segment.bytes", "100")}).ec == errc::none);
  CHECK(stored("t") == topic_configs{{"segment.bytes", "100"}});
  CHECK(topic_entry("t", "retention.ms").source == config_source::default_config);

  // After a restart the persisted overrides apply again.
  stop_node();
  start_node();
  CHECK(topic_entry("t", "segment.bytes").value == "100");
  auto before = segment_files("t");
  produce_three("t");
  CHECK(segment_files("t") >= before + 2);
}

TEST_CASE_METHOD(configs_fixture, "min.insync.replicas reaches the replica", "[configs]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  CHECK(produce(replica("t"), make_batch({"a"}), -1).ec == errc::none);
  REQUIRE(alter("t", {change("min.insync.replicas", "2")}, true).ec == errc::none);
  CHECK(produce(replica("t"), make_batch({"b"}), -1).ec == errc::not_enough_replicas);
  CHECK(produce(replica("t"), make_batch({"c"}), 1).ec == errc::none);
  REQUIRE(alter("t", {change("min.insync.replicas", "", config_op::remove)}, true).ec
          == errc::none);
  CHECK(stored("t").empty());
  CHECK(produce(replica("t"), make_batch({"d"}), -1).ec == errc::none);
}

TEST_CASE_METHOD(configs_fixture, "validate_only and rejected changes apply nothing",
                 "[configs]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  CHECK(alter("t", {change("segment.bytes", "100")}, false, true).ec == errc::none);
  CHECK(alter("t", {change("segment.bytes", "100")}, true, true).ec == errc::none);
  CHECK(stored("t").empty());
  CHECK(topic_entry("t", "segment.bytes").source == config_source::default_config);

  // One bad value rejects the whole request.
  auto res = alter("t", {change("segment.bytes", "100"), change("retention.ms", "abc")});
  CHECK(res.ec == errc::invalid_config);
  CHECK(res.message.rfind("Invalid value abc for configuration retention.ms: ", 0) == 0);
  res = alter("t", {change("segment.bytes", "100"), change("no.such.key", "1")}, true);
  CHECK(res.ec == errc::invalid_config);
  CHECK(res.message == "Unknown topic config name: no.such.key");
  res = alter("t", {change("segment.bytes", "100"), change("retention.ms", "1", config_op::append)},
              true);
  CHECK(res.ec == errc::invalid_config);
  CHECK(res.message == "Config value append is not allowed for config key: retention.ms");
  CHECK(alter("t", {change("segment.bytes", "100"), change("segment.bytes", "200")}, true).ec
        == errc::invalid_request);
  auto unknown_op = change("segment.bytes", "100");
  unknown_op.op = 9;
  CHECK(alter("t", {unknown_op}, true).ec == errc::invalid_request);
  auto null_value = change("segment.bytes", "");
  null_value.null = true;
  CHECK(alter("t", {null_value}).ec == errc::invalid_request);
  CHECK(alter("missing", {change("segment.bytes", "100")}).ec
        == errc::unknown_topic_or_partition);
  CHECK(stored("t").empty());
  produce_three("t");
  CHECK(segment_files("t") == 1); // the log kept its settings
}

TEST_CASE_METHOD(configs_fixture, "append and subtract edit list configs", "[configs]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  // APPEND starts from the effective value (the broker's "delete").
  REQUIRE(alter("t", {change("cleanup.policy", "compact", config_op::append)}, true).ec
          == errc::none);
  CHECK(stored("t") == topic_configs{{"cleanup.policy", "delete,compact"}});
  REQUIRE(alter("t", {change("cleanup.policy", "delete", config_op::subtract)}, true).ec
          == errc::none);
  CHECK(stored("t") == topic_configs{{"cleanup.policy", "compact"}});
  // An empty policy is not valid.
  CHECK(alter("t", {change("cleanup.policy", "compact", config_op::subtract)}, true).ec
        == errc::invalid_config);
  CHECK(stored("t") == topic_configs{{"cleanup.policy", "compact"}});
}
