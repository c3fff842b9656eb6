// The log actor on its own: spawned over an opened storage::log, as the node's factory does.
#include "actors/batch_trim.hpp"
#include "actors/log_actor.hpp"
#include "fixture.hpp"

using namespace cafka;
using namespace cafka::test;

namespace {

struct log_fixture : fixture {
  storage::log_config lcfg;
  log_actor log;

  log_fixture() {
    lcfg.dir = dir.path / "p-0";
  }

  void open() {
    std::error_code ec;
    auto lg = open_partition_log(lcfg, "p-0", ec);
    REQUIRE(lg);
    log = sys.spawn(log_actor_impl, std::move(lg), std::string{"p-0"});
  }

  void close() {
    caf::anon_send_exit(log, caf::exit_reason::user_shutdown);
    sched.run();
    log = nullptr;
  }
};

} // namespace

TEST_CASE_METHOD(log_fixture, "log actor appends, reads and looks up offsets", "[log_actor]") {
  open();
  auto a = call<append_reply>(log, append_atom::value, storage::record_bytes(make_batch({"a", "b"}, 100)), int32_t{3});
  auto b = call<append_reply>(log, append_atom::value, storage::record_bytes(make_batch({"c"}, 200)), int32_t{3});
  CHECK(a.ec == errc::none);
  CHECK(a.base_offset == 0);
  CHECK(a.last_offset == 1);
  CHECK(b.base_offset == 2);
  auto r = call<read_reply>(log, read_atom::value, int64_t{0}, int32_t{1 << 20});
  CHECK(r.ec == errc::none);
  CHECK(r.log_end_offset == 3);
  CHECK(r.log_start_offset == 0);
  CHECK(decode(r.records).size() == 3);
  // The leader epoch given to append is stamped into the stored batch.
  storage::batch_header h;
  auto stored = r.records.flatten();
  REQUIRE_FALSE(storage::parse_batch_header(stored.data(), stored.size(), h));
  CHECK(h.partition_leader_epoch == 3);
  CHECK(call<read_reply>(log, read_atom::value, int64_t{4}, int32_t{1024}).ec
        == errc::offset_out_of_range);
  CHECK(call<offset_reply>(log, offset_for_ts_atom::value, int64_t{-1}).offset == 3);
  CHECK(call<offset_reply>(log, offset_for_ts_atom::value, int64_t{-2}).offset == 0);
  auto by_time = call<offset_reply>(log, offset_for_ts_atom::value, int64_t{150});
  CHECK(by_time.offset == 2);
  CHECK(by_time.timestamp == 200);
  CHECK(call<offset_reply>(log, offset_for_ts_atom::value, int64_t{201}).offset == -1);
  CHECK(call<errc>(log, flush_atom::value) == errc::none);
}

TEST_CASE_METHOD(log_fixture, "log actor closes its log on exit", "[log_actor]") {
  open();
  call<append_reply>(log, append_atom::value, storage::record_bytes(make_batch({"a"})), int32_t{0});
  close();
  CHECK(std::filesystem::exists(lcfg.dir / ".cafka_clean_shutdown"));
  open();
  CHECK(call<offset_reply>(log, offset_for_ts_atom::value, int64_t{-1}).offset == 1);
  close();
}

TEST_CASE_METHOD(log_fixture, "log actor delete removes the directory and quits", "[log_actor]") {
  open();
  call<append_reply>(log, append_atom::value, storage::record_bytes(make_batch({"a"})), int32_t{0});
  CHECK(call<errc>(log, delete_atom::value) == errc::none);
  CHECK_FALSE(std::filesystem::exists(lcfg.dir));
  auto after = ask<read_reply>(log, read_atom::value, int64_t{0}, int32_t{1024});
  sched.run();
  REQUIRE(after->done());
  CHECK(after->error); // the actor is gone
  log = nullptr;
}

TEST_CASE("trim_batches_below keeps whole batches under the limit", "[log_actor]") {
  storage::batch_builder b;
  b.add(std::nullopt, std::string_view{"a"}, 1);
  b.add(std::nullopt, std::string_view{"b"}, 2);
  auto first = b.build(0); // offsets 0-1
  b.add(std::nullopt, std::string_view{"c"}, 3);
  auto second = b.build(2); // offset 2
  std::vector<char> both = first;
  both.insert(both.end(), second.begin(), second.end());
  storage::record_bytes cut = both;
  trim_batches_below(cut, 2);
  CHECK(cut == first);
  cut = both;
  trim_batches_below(cut, 3);
  CHECK(cut == both);
  cut = both;
  trim_batches_below(cut, 0);
  CHECK(cut.empty());
  // A torn tail is dropped, never served half.
  cut = both;
  cut.truncate(both.size() - 1);
  trim_batches_below(cut, 100);
  CHECK(cut == first);
  // Slices (a segment read) are cut without copying, also when a header spans two slices.
  auto held = std::make_shared<const std::vector<char>>(both);
  storage::record_bytes sliced;
  sliced.append({held, held->data(), first.size() + 5});
  sliced.append({held, held->data() + first.size() + 5, second.size() - 5});
  auto cut_slices = sliced;
  trim_batches_below(cut_slices, 3);
  CHECK(cut_slices == both);
  trim_batches_below(cut_slices, 2);
  CHECK(cut_slices == first);
  CHECK(cut_slices.has_slices());
}
