// Value validation: types, bounds, listeners, booleans, enums, lists, cross-option checks.
#include "config/load.hpp"
#include "helpers.hpp"

using namespace cafka;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

broker_config with(const std::string& kv) {
  return load_config(std::nullopt, {kv});
}

} // namespace

TEST_CASE("integers: non-numeric, trailing junk, out of bounds and overflow are rejected") {
  for (auto v : {"abc", "", "1.5", "12abc", " ", "0x10", "1e3", "--1"}) {
    INFO(v);
    CHECK_THROWS_WITH(with(std::string{"num.partitions="} + v),
                      Contains("for 'num.partitions': expected an integer in [1, 1000000]"));
  }
  CHECK_THROWS_WITH(with("num.partitions=0"), Equals("--override: invalid value '0' for "
                                                     "'num.partitions': expected an integer in "
                                                     "[1, 1000000]"));
  CHECK_THROWS_WITH(with("num.partitions=1000001"), Contains("'1000001'"));
  CHECK_THROWS_WITH(with("node.id=-1"), Contains("expected an integer in [0, 2147483647]"));
  CHECK_THROWS_WITH(with("node.id=2147483648"), Contains("'node.id'"));
  CHECK_THROWS_WITH(with("default.replication.factor=32768"), Contains("[1, 32767]"));
  CHECK_THROWS_WITH(with("log.segment.bytes=99999999999999999999"), Contains("'log.segment.bytes'"));
  CHECK(with("num.partitions=+12").num_partitions == 12);
  CHECK(with("node.id=2147483647").node_id == 2147483647);
}

TEST_CASE("log.segment.bytes lies between one batch header and 2 GiB - 1, as in Kafka") {
  CHECK_THROWS_WITH(with("log.segment.bytes=13"),
                    Contains("expected an integer in [14, 2147483647]"));
  CHECK(with("log.segment.bytes=14").log_segment_bytes == 14);
  CHECK(with("log.segment.bytes=2147483647").log_segment_bytes == 2147483647LL);
  // Larger segments cannot be indexed (32-bit positions): rejected at start, not offline later.
  CHECK_THROWS_WITH(with("log.segment.bytes=4294967296"),
                    Contains("expected an integer in [14, 2147483647]"));
}

TEST_CASE("booleans are true or false, case-insensitive") {
  CHECK(with("auto.create.topics.enable=True").auto_create_topics_enable);
  CHECK_FALSE(with("auto.create.topics.enable=false").auto_create_topics_enable);
  for (auto v : {"yes", "1", "on", ""}) {
    INFO(v);
    CHECK_THROWS_WITH(with(std::string{"auto.create.topics.enable="} + v),
                      Contains("expected true or false"));
  }
}

TEST_CASE("listeners: NAME://host:port lists, bad ones are rejected") {
  auto cfg = with("listeners=plaintext://0.0.0.0:9092,REPL://10.0.0.1:9093");
  REQUIRE(cfg.listeners.size() == 2);
  CHECK(cfg.listeners[0].name == "PLAINTEXT"); // names are upper-cased, as Kafka normalises them
  CHECK(cfg.listeners[1].host == "10.0.0.1");
  CHECK(cfg.listeners[1].port == 9093);
  CHECK(with("listeners=PLAINTEXT://localhost:0").listeners[0].port == 0); // ephemeral bind
  for (auto v : {"127.0.0.1:9092", "PLAINTEXT://127.0.0.1", "PLAINTEXT://h:abc",
                 "PLAINTEXT://h:70000", "PLAIN TEXT://h:1", "://h:1", "P://::1:9092",
                 "P://h:1,,Q://h:2", ""}) {
    INFO(v);
    CHECK_THROWS_WITH(with(std::string{"listeners="} + v),
                      Contains("for 'listeners': expected"));
  }
  CHECK_THROWS_WITH(with("listeners=A://h:1,a://h:2"), Contains("A appears twice"));
}

TEST_CASE("advertised.listeners: routable hosts, names taken from listeners") {
  auto cfg = load_config(std::nullopt, {"listeners=PLAINTEXT://:9092",
                                        "advertised.listeners=PLAINTEXT://broker1:9092"});
  REQUIRE(cfg.advertised().size() == 1);
  CHECK(cfg.advertised()[0].host == "broker1");
  CHECK_THROWS_WITH(with("advertised.listeners=PLAINTEXT://:9092"), Contains("routable"));
  CHECK_THROWS_WITH(with("advertised.listeners=PLAINTEXT://0.0.0.0:9092"), Contains("routable"));
  CHECK_THROWS_WITH(with("advertised.listeners=PLAINTEXT://h:0"), Contains("port in [1, 65535]"));
  CHECK_THROWS_WITH(with("advertised.listeners=OTHER://h:1"),
                    Equals("advertised.listeners: listener name 'OTHER' does not appear in listeners"));
}

TEST_CASE("log.dirs: a non-empty comma list without empty items") {
  CHECK(with("log.dirs=a,b , c").log_dirs == std::vector<std::string>{"a", "b", "c"});
  CHECK_THROWS_WITH(with("log.dirs="), Contains("expected at least one directory"));
  CHECK_THROWS_WITH(with("log.dirs=a,,b"), Contains("without empty items"));
}

TEST_CASE("log.level is one of the five levels, caf.scheduler.max-threads is bounded") {
  CHECK(with("log.level=debug").log_level == "debug");
  CHECK_THROWS_WITH(with("log.level=verbose"),
                    Contains("expected one of trace, debug, info, warn, error"));
  CHECK(with("caf.scheduler.max-threads=4").caf_max_threads == 4);
  CHECK_THROWS_WITH(with("caf.scheduler.max-threads=0"), Contains("[1, 1024]"));
}

TEST_CASE("doubles: log.cleaner.min.cleanable.ratio is a number in [0, 1]") {
  CHECK(with("log.cleaner.min.cleanable.ratio=0.25").log_cleaner_min_cleanable_ratio == 0.25);
  CHECK(with("log.cleaner.min.cleanable.ratio=1").log_cleaner_min_cleanable_ratio == 1.0);
  for (auto bad : {"1.5", "-0.1", "abc", "0.5x", "", "nan"}) {
    INFO(bad);
    CHECK_THROWS(with(std::string{"log.cleaner.min.cleanable.ratio="} + bad));
  }
}

TEST_CASE("log.cleanup.policy: delete and/or compact, normalised") {
  CHECK(with("log.cleanup.policy=compact").log_cleanup_policy == "compact");
  CHECK(with("log.cleanup.policy=delete, compact").log_cleanup_policy == "compact,delete");
  CHECK(with("log.cleanup.policy=compact,delete").log_cleanup_policy == "compact,delete");
  for (auto bad : {"", "remove", "compact,", "delete,shred"})
    CHECK_THROWS(with(std::string{"log.cleanup.policy="} + bad));
}

TEST_CASE("log.message.timestamp.type is CreateTime or LogAppendTime") {
  CHECK(with("log.message.timestamp.type=LogAppendTime").log_message_timestamp_type
        == "LogAppendTime");
  CHECK_THROWS(with("log.message.timestamp.type=logappendtime"));
}

TEST_CASE("log.roll.ms wins over log.roll.hours") {
  CHECK(broker_config{}.roll_ms() == 168LL * 3600000);
  CHECK(with("log.roll.hours=1").roll_ms() == 3600000);
  CHECK(load_config(std::nullopt, {"log.roll.hours=1", "log.roll.ms=500"}).roll_ms() == 500);
}
