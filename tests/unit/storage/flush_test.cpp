// Flushing off the append path: the flushers (flusher.hpp), group-commit bookkeeping
// (group_commit.hpp), rolls that post their syncs instead of running them, and appends that
// fail on a full disk (a file-size limit stands in for ENOSPC: same partial write, same cut).
#include "storage/flusher.hpp"
#include "storage/group_commit.hpp"
#include "storage/log.hpp"
#include "storage/segment.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <mutex>
#include <sys/resource.h>
#include <type_traits>

using namespace cafka;
using namespace cafka::storage;
using test::make_batch;
using test::open_log;

namespace {

template <class Records>
std::vector<char> bytes_of(const Records& r) {
  if constexpr (std::is_same_v<Records, std::vector<char>>)
    return r;
  else
    return r.flatten();
}

// Every batch from offset 0 on, as one buffer.
std::vector<char> read_all(const storage::log& l) {
  std::vector<char> out;
  int64_t offset = l.log_start_offset();
  while (offset < l.log_end_offset()) {
    auto r = l.read(offset, 1 << 20);
    REQUIRE_FALSE(r.ec);
    auto bytes = bytes_of(r.records);
    REQUIRE_FALSE(bytes.empty());
    offset = test::last_offset_in(bytes) + 1;
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

// A soft RLIMIT_FSIZE for this process, with SIGXFSZ ignored so writes fail with EFBIG (as
// cafka-server does); both restored on destruction.
struct file_size_limit {
  rlimit old{};
  void (*old_handler)(int) = nullptr;
  explicit file_size_limit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old);
    old_handler = std::signal(SIGXFSZ, SIG_IGN);
    set(bytes);
  }
  void set(rlim_t bytes) {
    rlimit lim = old;
    lim.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  }
  void lift() { REQUIRE(::setrlimit(RLIMIT_FSIZE, &old) == 0); }
  ~file_size_limit() {
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
  }
};

struct flushed_event {
  int64_t end;
  std::error_code ec;
};

struct fixture {
  test::temp_dir tmp;
  log_config cfg;
  std::shared_ptr<manual_flusher> flusher = std::make_shared<manual_flusher>();
  std::vector<flushed_event> events;

  fixture() {
    cfg.dir = tmp.path / "topic-0";
    cfg.segment_bytes = 1000;
    cfg.index_interval_bytes = 100;
    cfg.max_index_bytes = 4096;
  }

  std::unique_ptr<storage::log> open_with_flusher() {
    auto l = open_log(cfg);
    l->set_flusher(flusher, [this](int64_t end, std::error_code ec) {
      events.push_back({end, ec});
    });
    return l;
  }

  // Appends batches of 3 records (~190 bytes) until the log has `segments` segments.
  void fill_until(storage::log& l, size_t segments) {
    while (l.segment_count() < segments) {
      auto b = make_batch(3, 1000, static_cast<int>(l.log_end_offset()), 20);
      REQUIRE_FALSE(test::append_patched(l, b, 0).ec);
    }
  }
};

} // namespace

// -- flushers --------------------------------------------------------------------------------

TEST_CASE("thread flusher runs jobs and completions in posting order", "[flush]") {
  std::mutex mtx;
  std::vector<int> worked, completed;
  {
    thread_flusher f;
    for (int i = 0; i < 50; ++i) {
      flush_job job;
      job.work = [&, i] {
        std::lock_guard<std::mutex> guard{mtx};
        worked.push_back(i);
        return i == 7 ? std::make_error_code(std::errc::io_error) : std::error_code{};
      };
      job.done = [&, i](std::error_code ec) {
        std::lock_guard<std::mutex> guard{mtx};
        completed.push_back(ec ? -i : i);
      };
      f.post(std::move(job));
    }
  } // the destructor runs what is queued, then joins
  std::vector<int> expected_work, expected_done;
  for (int i = 0; i < 50; ++i) {
    expected_work.push_back(i);
    expected_done.push_back(i == 7 ? -7 : i);
  }
  CHECK(worked == expected_work);
  CHECK(completed == expected_done);
}

TEST_CASE("manual flusher holds jobs and injects failures", "[flush]") {
  manual_flusher f;
  int ran = 0;
  std::vector<std::error_code> results;
  for (int i = 0; i < 3; ++i)
    f.post({[&] { ++ran; return std::error_code{}; },
            [&](std::error_code ec) { results.push_back(ec); }});
  CHECK(f.pending() == 3);
  CHECK(ran == 0);
  CHECK(f.run_next());
  CHECK(f.run_next(std::make_error_code(std::errc::no_space_on_device)));
  CHECK(ran == 1); // the failed job's work was skipped
  CHECK(f.run_all() == 1);
  CHECK_FALSE(f.run_next());
  REQUIRE(results.size() == 3);
  CHECK_FALSE(results[0]);
  CHECK(results[1] == std::errc::no_space_on_device);
  CHECK_FALSE(results[2]);
}

// -- group commit bookkeeping ----------------------------------------------------------------

TEST_CASE("group commit with flush.messages=1 shares one flush among queued appends",
          "[flush][group_commit]") {
  group_commit<int> gc;
  gc.reset(0);
  // The first append waits and starts a flush.
  REQUIRE(gc.appended(1, 1, 1));
  gc.hold(1, 100);
  REQUIRE(gc.should_start());
  gc.started(1);
  CHECK_FALSE(gc.should_start()); // one flush at a time
  // Three appends arrive while it runs: all wait, none starts a flush yet.
  for (int i = 2; i <= 4; ++i) {
    REQUIRE(gc.appended(i, 1, 1));
    gc.hold(i, 100 + i);
    CHECK_FALSE(gc.should_start());
  }
  // The first flush releases only what it covered, then the next flush covers all three.
  CHECK(gc.flushed(1, true) == std::vector<int>{100});
  REQUIRE(gc.should_start());
  gc.started(4);
  CHECK(gc.waiting() == 3);
  CHECK(gc.flushed(4, true) == std::vector<int>{102, 103, 104});
  CHECK_FALSE(gc.should_start());
  CHECK(gc.all_flushed());
}

TEST_CASE("group commit with flush.messages=3 holds every third record and keeps order",
          "[flush][group_commit]") {
  group_commit<int> gc;
  gc.reset(10);
  CHECK_FALSE(gc.appended(11, 1, 3)); // replied at once
  CHECK_FALSE(gc.appended(12, 1, 3));
  REQUIRE(gc.appended(13, 1, 3)); // the third record since the last flush waits
  gc.hold(13, 13);
  REQUIRE(gc.should_start());
  gc.started(13);
  // Below the count again, but a reply is waiting: this one waits behind it.
  REQUIRE(gc.appended(14, 1, 3));
  gc.hold(14, 14);
  CHECK(gc.flushed(13, true) == std::vector<int>{13});
  REQUIRE(gc.should_start());
  gc.started(14);
  CHECK(gc.flushed(14, true) == std::vector<int>{14});
  // A batch of 5 records reaches the count on its own.
  CHECK(gc.appended(19, 5, 3));
}

TEST_CASE("group commit: roll syncs count, failed flushes release their waiters",
          "[flush][group_commit]") {
  group_commit<int> gc;
  gc.reset(0);
  REQUIRE(gc.appended(5, 5, 1));
  gc.hold(5, 5);
  gc.started(5);
  REQUIRE(gc.appended(9, 4, 1));
  gc.hold(9, 9);
  // A roll's sync that completes before the running flush (flushes finish in order) covers
  // less: nothing to release yet, the flush is still running.
  CHECK(gc.flushed(3, true).empty());
  CHECK(gc.flushing());
  CHECK(gc.flushed(5, true) == std::vector<int>{5});
  REQUIRE(gc.should_start());
  gc.started(9);
  // The flush covering 9 fails: its waiter is released (the caller answers with an error)
  // and nothing beyond 5 counts as flushed.
  CHECK(gc.flushed(9, false) == std::vector<int>{9});
  CHECK(gc.flushed_end() == 5);
  CHECK_FALSE(gc.all_flushed());
  CHECK_FALSE(gc.should_start());
}

TEST_CASE("group commit: the flush.ms timer asks for a flush without waiters",
          "[flush][group_commit]") {
  group_commit<int> gc;
  gc.reset(0);
  gc.request();
  CHECK_FALSE(gc.should_start()); // nothing appended
  CHECK_FALSE(gc.appended(3, 3, INT64_MAX));
  CHECK_FALSE(gc.should_start()); // flush.messages never reached: replies go at once
  gc.request();
  REQUIRE(gc.should_start());
  gc.started(3);
  CHECK(gc.flushed(3, true).empty());
  CHECK(gc.all_flushed());
}

// -- the log and its flusher -----------------------------------------------------------------

TEST_CASE_METHOD(fixture, "a roll posts the sealed segment's syncs instead of syncing inline",
                 "[flush][log]") {
  auto l = open_with_flusher();
  fill_until(*l, 1);
  auto before = sync_calls();
  fill_until(*l, 2); // rolls once
  CHECK(sync_calls() == before); // the append that rolled did not wait for the disk
  REQUIRE(flusher->pending() == 1);
  CHECK(events.empty());
  auto sealed_end = l->read(0, 1 << 20); // still readable meanwhile
  CHECK_FALSE(sealed_end.ec);
  REQUIRE(flusher->run_next());
  CHECK(sync_calls() == before + 4); // .log, .index, .timeindex and the directory
  REQUIRE(events.size() == 1);
  CHECK_FALSE(events[0].ec);
  // The job covered the sealed segment: its end is the new active segment's base offset.
  CHECK(events[0].end > 0);
  CHECK(events[0].end < l->log_end_offset());
  CHECK(std::filesystem::exists(cfg.dir / segment::file_name(events[0].end, ".log")));
}

TEST_CASE_METHOD(fixture, "a failing background sync is reported, not hidden", "[flush][log]") {
  auto l = open_with_flusher();
  fill_until(*l, 2);
  REQUIRE(flusher->run_next(std::make_error_code(std::errc::io_error)));
  REQUIRE(events.size() == 1);
  CHECK(events[0].ec == std::errc::io_error);
  // flush_async covers everything appended so far, after what was posted before.
  auto end = l->flush_async();
  CHECK(end == l->log_end_offset());
  REQUIRE(flusher->run_next());
  REQUIRE(events.size() == 2);
  CHECK(events[1].end == end);
  CHECK_FALSE(events[1].ec);
}

TEST_CASE_METHOD(fixture, "close syncs what the flusher has not run yet", "[flush][log]") {
  auto l = open_with_flusher();
  fill_until(*l, 3);
  REQUIRE(flusher->pending() == 2);
  auto before = sync_calls();
  REQUIRE_FALSE(l->close());
  // Two sealed segments (3 files each + directory) and the active one (.log + 2 indexes).
  CHECK(sync_calls() - before >= 2 * 4 + 3);
  CHECK(std::filesystem::exists(cfg.dir / ".cafka_clean_shutdown"));
  // The queued jobs still run safely later (their descriptors are their own).
  CHECK(flusher->run_all() == 2);
  CHECK(events.size() == 2);
  CHECK_FALSE(events[0].ec);
}

// -- appends on a full disk -----------------------------------------------------------------

TEST_CASE_METHOD(fixture, "a failed append is cut back and the log stays valid", "[flush][log]") {
  cfg.segment_bytes = 1 << 20;
  auto l = open_log(cfg);
  auto first = make_batch(3, 1000, 0, 20);
  REQUIRE_FALSE(test::append_patched(*l, first, 0).ec);
  auto log_path = cfg.dir / segment::file_name(0, ".log");
  auto size_before = std::filesystem::file_size(log_path);
  auto big = make_batch(20, 2000, 3, 100);
  {
    // Room for half of the batch: the write is partial, then fails with EFBIG.
    file_size_limit limit{size_before + big.size() / 2};
    auto failed = test::append_patched(*l, big, 0);
    REQUIRE(failed.ec);
    CHECK(to_errc(failed.ec) == errc::storage_error);
    CHECK(std::filesystem::file_size(log_path) == size_before); // the partial write is gone
    CHECK(l->log_end_offset() == 3);
    limit.lift(); // space returns
    auto retry = make_batch(20, 2000, 3, 100);
    auto ok = test::append_patched(*l, retry, 0);
    REQUIRE_FALSE(ok.ec);
    CHECK(ok.base_offset == 3);
  }
  bool valid = false;
  CHECK(test::batch_bases(read_all(*l), &valid) == std::vector<int64_t>{0, 3});
  CHECK(valid);
  l.reset(); // no close: the next open recovers as after a crash, and finds nothing torn
  auto again = open_log(cfg);
  CHECK(again->log_end_offset() == 23);
  CHECK_FALSE(test::any_notice_contains(*again, "truncated"));
}

TEST_CASE_METHOD(fixture, "a roll that cannot create its segment leaves the log as it was",
                 "[flush][log]") {
  cfg.max_index_bytes = 64 * 1024; // a new segment preallocates 64 KiB per index
  auto l = open_log(cfg);
  fill_until(*l, 2);
  auto segments = l->segment_count();
  auto end = l->log_end_offset();
  {
    file_size_limit limit{32 * 1024}; // the .log still fits, the new indexes do not
    std::error_code failure;
    while (!failure) { // append until the roll is needed
      auto b = make_batch(3, 1000, static_cast<int>(l->log_end_offset()), 20);
      auto r = test::append_patched(*l, b, 0);
      failure = r.ec;
      if (!failure)
        end = r.last_offset + 1;
      REQUIRE(l->segment_count() == segments);
    }
    CHECK(to_errc(failure) == errc::storage_error);
    CHECK(l->log_end_offset() == end);
    // The half-made segment's files are gone, so a crash now would not find them either.
    for (auto* ext : {".log", ".index", ".timeindex"})
      CHECK_FALSE(std::filesystem::exists(cfg.dir / segment::file_name(end, ext)));
    // Still failing while the limit holds; then space returns and the roll succeeds.
    auto b = make_batch(3, 1000, static_cast<int>(end), 20);
    CHECK(test::append_patched(*l, b, 0).ec);
    limit.lift();
    auto ok = test::append_patched(*l, b, 0);
    REQUIRE_FALSE(ok.ec);
    CHECK(ok.base_offset == end);
    CHECK(l->segment_count() == segments + 1);
  }
  bool valid = false;
  auto bases = test::batch_bases(read_all(*l), &valid);
  CHECK(valid);
  CHECK(bases.size() == static_cast<size_t>(end / 3 + 1));
  REQUIRE_FALSE(l->close());
  auto again = open_log(cfg);
  CHECK(again->log_end_offset() == end + 3);
  CHECK(again->recovery_notices().empty());
}
