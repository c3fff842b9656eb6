// Properties syntax, layering and file:line error messages.
#include "config/load.hpp"
#include "config/properties.hpp"
#include "helpers.hpp"

#include <sstream>

using namespace cafka;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

TEST_CASE("parses key=value and key: value with comments, blanks and whitespace") {
  test::temp_file f{"# comment\n"
                    "! also a comment\n"
                    "\n"
                    "   num.partitions =  7  \n"
                    "\tlog.segment.bytes:16777216\r\n"
                    "listeners: PLAINTEXT://:9093, INTERNAL://[::1]:9094\n"
                    "auto.create.topics.enable=FALSE\n"
                    "log.dirs = /a , /b\n"};
  auto cfg = load_config(f.str(), {});
  CHECK(cfg.num_partitions == 7);
  CHECK(cfg.log_segment_bytes == 16777216);
  CHECK_FALSE(cfg.auto_create_topics_enable);
  CHECK(cfg.log_dirs == std::vector<std::string>{"/a", "/b"});
  REQUIRE(cfg.listeners.size() == 2);
  CHECK(cfg.listeners[0].host == "0.0.0.0"); // empty host binds all interfaces
  CHECK(cfg.listeners[0].port == 9093);
  CHECK(cfg.listeners[1].name == "INTERNAL");
  CHECK(cfg.listeners[1].host == "::1");
  CHECK(to_string(cfg.listeners[1]) == "INTERNAL://[::1]:9094");
  // Everything not in the file keeps its default.
  CHECK(cfg.node_id == broker_config{}.node_id);
  CHECK(cfg.message_max_bytes == broker_config{}.message_max_bytes);
}

TEST_CASE("a trailing backslash continues a line, entries keep their first line number") {
  std::istringstream in{"a=1\nlisteners=A://h:1,\\\n    B://h:2\nb = x=y:z\n"};
  auto props = parse_properties(in, "t");
  REQUIRE(props.size() == 3);
  CHECK(props[1].key == "listeners");
  CHECK(props[1].value == "A://h:1,B://h:2");
  CHECK(props[1].line == 2);
  CHECK(props[2].value == "x=y:z");
  CHECK(props[2].line == 4);
}

TEST_CASE("log.dir is a synonym of log.dirs") {
  test::temp_file f{"log.dir=/var/cafka\n"};
  CHECK(load_config(f.str(), {}).log_dirs == std::vector<std::string>{"/var/cafka"});
}

TEST_CASE("overrides win over the file, later overrides win over earlier ones") {
  test::temp_file f{"num.partitions=2\nnode.id=5\n"};
  auto cfg = load_config(f.str(), {"num.partitions=4", " node.id = 9 ", "node.id=10"});
  CHECK(cfg.num_partitions == 4);
  CHECK(cfg.node_id == 10);
  CHECK(load_config(std::nullopt, {"log.dirs=/x"}).log_dirs == std::vector<std::string>{"/x"});
}

TEST_CASE("an unknown key in a file is rejected with file:line and a suggestion") {
  test::temp_file f{"# c\n\nnode.id=1\n\n\n\nlog.segmnt.bytes=100\n"};
  CHECK_THROWS_WITH(load_config(f.str(), {}),
                    Equals(f.str() + ":7: unknown option 'log.segmnt.bytes' "
                                     "(did you mean 'log.segment.bytes'?)"));
}

TEST_CASE("an unknown key in an override is rejected with its name") {
  CHECK_THROWS_WITH(load_config(std::nullopt, {"no.such.thing=1"}),
                    Equals("--override: unknown option 'no.such.thing'"));
  CHECK_THROWS_WITH(load_config(std::nullopt, {"caf.scheduler.policy=sharing"}),
                    Contains("unknown option 'caf.scheduler.policy'"));
  CHECK_THROWS_WITH(load_config(std::nullopt, {"num.partitions"}),
                    Equals("--override 'num.partitions': expected key=value"));
}

TEST_CASE("a bad value in a file names file:line, key, value and what was expected") {
  test::temp_file f{"node.id=1\nnum.partitions=abc\n"};
  CHECK_THROWS_WITH(load_config(f.str(), {}),
                    Equals(f.str() + ":2: invalid value 'abc' for 'num.partitions': "
                                     "expected an integer in [1, 1000000]"));
}

TEST_CASE("syntax errors and repeated keys name file:line") {
  test::temp_file no_sep{"node.id=1\njust words\n"};
  CHECK_THROWS_WITH(load_config(no_sep.str(), {}),
                    Equals(no_sep.str() + ":2: expected 'key=value' or 'key: value', got 'just words'"));
  test::temp_file no_key{"=5\n"};
  CHECK_THROWS_WITH(load_config(no_key.str(), {}), StartsWith(no_key.str() + ":1: missing option name"));
  test::temp_file twice{"node.id=1\nlog.dirs=/a\nnode.id=2\n"};
  CHECK_THROWS_WITH(load_config(twice.str(), {}),
                    Equals(twice.str() + ":3: option 'node.id' repeats 'node.id' from line 1"));
  test::temp_file alias{"log.dirs=/a\nlog.dir=/b\n"};
  CHECK_THROWS_WITH(load_config(alias.str(), {}), Contains(":2: option 'log.dir' repeats 'log.dirs'"));
}

TEST_CASE("a missing file is an error naming the file") {
  CHECK_THROWS_WITH(load_config(std::string{"/nonexistent/cafka.properties"}, {}),
                    Contains("'/nonexistent/cafka.properties'"));
}

TEST_CASE("explicitly_set names the options the file and the overrides set, synonyms folded") {
  test::temp_file f{"num.partitions=2\nlog.dir=/var/cafka\n"};
  auto cfg = load_config(f.str(), {"log.retention.ms=1000"});
  CHECK(cfg.explicitly_set
        == std::set<std::string>{"num.partitions", "log.dirs", "log.retention.ms"});
  // Defaults alone set nothing explicitly, even where the value equals a default.
  CHECK(load_config(std::nullopt, {}).explicitly_set.empty());
  CHECK(load_config(std::nullopt, {"num.partitions=1"}).explicitly_set
        == std::set<std::string>{"num.partitions"});
}
