// process.roles and controller.quorum.voters (the controller quorum, issue 5).
#include "config/load.hpp"
#include "config/quorum_voters.hpp"
#include "helpers.hpp"

using namespace cafka;
using Catch::Matchers::Contains;

TEST_CASE("process.roles: broker and/or controller, each once") {
  auto c = load_config(std::nullopt, {});
  CHECK(c.role_broker);
  CHECK(c.role_controller);
  c = load_config(std::nullopt, {"process.roles=controller"});
  CHECK_FALSE(c.role_broker);
  CHECK(c.role_controller);
  c = load_config(std::nullopt, {"process.roles=broker"});
  CHECK(c.role_broker);
  CHECK_FALSE(c.role_controller);
  CHECK(find_option("process.roles")->get(c) == "broker");
  for (auto bad : {"", "broker,broker", "observer", "broker,,controller"})
    CHECK_THROWS_WITH(load_config(std::nullopt, {std::string{"process.roles="} + bad}),
                      Contains("process.roles"));
}

TEST_CASE("controller.quorum.voters: KRaft's id@host:port list") {
  auto c = load_config(std::nullopt, {"node.id=2",
                                      "controller.quorum.voters=1@a:9093, 2@b:9094,3@[::1]:9095"});
  REQUIRE(c.controller_quorum_voters.size() == 3);
  CHECK(c.controller_quorum_voters[1].id == 2);
  CHECK(c.controller_quorum_voters[1].host == "b");
  CHECK(c.controller_quorum_voters[2].host == "::1");
  CHECK(c.controller_quorum_voters[2].port == 9095);
  CHECK(find_option("controller.quorum.voters")->get(c) == "1@a:9093,2@b:9094,3@[::1]:9095");
  CHECK(load_config(std::nullopt, {}).controller_quorum_voters.empty());
  CHECK_THROWS_WITH(load_config(std::nullopt, {"controller.quorum.voters=1@a"}),
                    Contains("controller.quorum.voters") && Contains("host:port"));
  CHECK_THROWS_WITH(load_config(std::nullopt, {"controller.quorum.voters=1@a:1,1@b:2"}),
                    Contains("duplicate"));
  // A controller must be one of the voters; a pure broker need not be.
  CHECK_THROWS_WITH(load_config(std::nullopt, {"node.id=4", "controller.quorum.voters=1@a:9093"}),
                    Contains("node.id 4 is not a voter"));
  CHECK_NOTHROW(load_config(std::nullopt, {"node.id=4", "process.roles=broker",
                                           "controller.quorum.voters=1@a:9093"}));
}

TEST_CASE("quorum voters parser: errors name the item") {
  auto v = parse_quorum_voters("1@h:1,x@h:2");
  CHECK_FALSE(v.ok());
  CHECK_THAT(v.error, Contains("voter 2") && Contains("bad node id"));
  CHECK(parse_quorum_voters("1@h:0").error.find("bad port") != std::string::npos);
  CHECK(to_string(parse_quorum_voters("7@[fe80::1]:9093").voters) == "7@[fe80::1]:9093");
}
