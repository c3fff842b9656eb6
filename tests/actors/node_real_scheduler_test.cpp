// The same node on CAF's real scheduler (detached log actors, threads): a smoke test that the
// production wiring produces, fetches and shuts down cleanly. Blocking scoped_actor is fine here.
#include "fixture.hpp"

using namespace cafka;
using namespace cafka::test;
using namespace std::chrono_literals;

namespace {

struct real_config : caf::actor_system_config {
  real_config() {
    set("scheduler.max-threads", size_t{2});
    set("logger.file-verbosity", caf::atom("quiet"));
    cafka::add_message_types(*this);
  }
};

template <class Reply, class Handle, class... Ts>
Reply ask_blocking(caf::scoped_actor& self, const Handle& h, Ts... xs) {
  std::optional<Reply> out;
  self->request(h, 10s, xs...)
    .receive([&](Reply& r) { out = std::move(r); },
             [&](caf::error& e) { FAIL("request failed: " << caf::to_string(e)); });
  REQUIRE(out);
  return *out;
}

} // namespace

TEST_CASE("node on the real scheduler: produce, long-poll, restart", "[node][real]") {
  temp_dir dir;
  broker_config bcfg;
  bcfg.log_dirs = {dir.path.string()};
  for (int round = 0; round < 2; ++round) {
    real_config cfg;
    caf::actor_system sys{cfg};
    auto node = spawn_node(sys, bcfg);
    {
      caf::scoped_actor self{sys};
      if (round == 0) {
        create_topic_args args;
        args.name = "t";
        REQUIRE(ask_blocking<topic_result>(self, node, create_topic_atom::value, args).ec
                == errc::none);
      }
      auto route = ask_blocking<topic_route>(self, node, route_atom::value, std::string{"t"});
      REQUIRE(route.replicas.size() == 1);
      auto r = route.replicas[0];
      produce_args pa;
      pa.batch = make_batch({"v" + std::to_string(round)});
      auto p = ask_blocking<produce_reply>(self, r, produce_atom::value, pa);
      CHECK(p.ec == errc::none);
      CHECK(p.base_offset == round); // round 1 continues after round 0's record
      fetch_args fa;
      fa.offset = 0;
      auto f = ask_blocking<fetch_reply>(self, r, fetch_atom::value, fa);
      auto recs = decode(f.records);
      REQUIRE(recs.size() == static_cast<size_t>(round + 1));
      CHECK(recs.back().value == "v" + std::to_string(round));
    }
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
    CHECK(std::filesystem::exists(dir.path / "t-0" / ".cafka_clean_shutdown"));
  }
}
