// Zero-copy reads: log::read hands out slices of each segment's read-only mapping
// (storage/mapped_file.hpp), and record_bytes carries them. The slices must equal the bytes on
// disk and stay readable however the segment's file changes under them.
#include "storage/mapped_file.hpp"
#include "storage/record_bytes.hpp"
#include "storage/segment.hpp"
#include "tests/unit/storage/test_util.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace cafka;
using namespace cafka::storage;
namespace fs = std::filesystem;

namespace {

struct fixture {
  test::temp_dir tmp;
  log_config cfg;
  std::vector<std::vector<char>> batches; // as appended (offsets patched)

  fixture() {
    cfg.dir = tmp.path / "t-0";
    cfg.segment_bytes = 4096;
    cfg.index_interval_bytes = 256;
  }

  void fill(storage::log& l, int n, int64_t ts = 1000) {
    for (int i = 0; i < n; ++i) {
      auto b = test::make_batch(3, ts, static_cast<int>(batches.size()) * 3, 40);
      REQUIRE_FALSE(test::append_patched(l, b, 0).ec);
      batches.push_back(std::move(b)); // append patched it in place
    }
  }

  std::vector<char> concat(size_t from, size_t to) const {
    std::vector<char> out;
    for (size_t i = from; i < to; ++i)
      out.insert(out.end(), batches[i].begin(), batches[i].end());
    return out;
  }
};

byte_slice owned_slice(std::string text) {
  auto held = std::make_shared<const std::string>(std::move(text));
  return {held, held->data(), held->size()};
}

} // namespace

TEST_CASE("record_bytes: owned bytes, slices, copy_out, truncate, equality", "[record_bytes]") {
  record_bytes owned{std::vector<char>{'a', 'b', 'c'}};
  CHECK_FALSE(owned.has_slices());
  CHECK(owned.size() == 3);

  record_bytes chain;
  chain.append(owned_slice("ab"));
  chain.append(owned_slice(""));   // empty slices are dropped
  chain.append(owned_slice("cde"));
  chain.append("fg", 2);           // a copy, as a slice of its own
  REQUIRE(chain.has_slices());
  CHECK(chain.slices().size() == 3);
  CHECK(chain.size() == 7);
  CHECK(chain.flatten() == std::vector<char>{'a', 'b', 'c', 'd', 'e', 'f', 'g'});

  char buf[4] = {};
  REQUIRE(chain.copy_out(1, 4, buf)); // across three pieces
  CHECK(std::string(buf, 4) == "bcde");
  CHECK_FALSE(chain.copy_out(5, 3, buf));
  CHECK(chain.copy_out(7, 0, buf));

  // Owned bytes followed by a slice keep their order.
  record_bytes mixed{std::vector<char>{'x'}};
  mixed.append(owned_slice("yz"));
  CHECK(mixed.flatten() == std::vector<char>{'x', 'y', 'z'});

  CHECK(chain != owned);
  auto cut = chain;
  cut.truncate(3); // ends inside the second slice
  CHECK(cut == owned);
  CHECK(cut.slices().size() == 2);
  CHECK(chain.size() == 7); // copies share the bytes, not the cuts
  cut.truncate(0);
  CHECK(cut.empty());

  auto flat = chain;
  CHECK(flat.owned() == chain.flatten());
  CHECK_FALSE(flat.has_slices());
}

TEST_CASE_METHOD(fixture, "log reads are slices of the mapping, equal to the bytes on disk",
                 "[mapped_read]") {
  auto l = test::open_log(cfg);
  fill(*l, 40); // several segments
  REQUIRE(l->segment_count() > 2);
  for (size_t i = 0; i < batches.size(); i += 7) {
    auto r = l->read(static_cast<int64_t>(i) * 3 + 1, 1000);
    REQUIRE_FALSE(r.ec);
    REQUIRE(r.records.has_slices());
    auto bytes = r.records.flatten();
    // Whole batches from the one holding the offset; compare with pread of the .log file.
    auto bases = test::batch_bases(bytes);
    REQUIRE_FALSE(bases.empty());
    CHECK(bases.front() == static_cast<int64_t>(i) * 3);
    CHECK(bytes == concat(i, i + bases.size()));
  }
  // The first segment's whole file, read through the mapping, is the file.
  auto first = l->read(0, 1 << 20);
  REQUIRE_FALSE(first.ec);
  CHECK(first.records.flatten() == test::read_file(cfg.dir / segment::file_name(0, ".log")));
}

TEST_CASE_METHOD(fixture, "a slice outlives appends, retention, renames and the log itself",
                 "[mapped_read]") {
  auto l = test::open_log(cfg);
  fill(*l, 3);
  auto held = l->read(0, 1 << 20); // from the first segment, which is still active
  REQUIRE_FALSE(held.ec);
  REQUIRE(held.records.has_slices());
  const auto expected = concat(0, 3);
  CHECK(held.records.flatten() == expected);

  fill(*l, 60); // more appends: the file grows under the mapping, then rolls
  REQUIRE(l->segment_count() > 3);
  CHECK(held.records.flatten() == expected);

  // A fresh read of the grown first segment sees the new bytes too.
  auto grown = l->read(0, 1 << 20);
  CHECK(grown.records.size() > expected.size());

  // Retention deletes (renames to .deleted, then unlinks) the segments under the slices.
  std::error_code ec;
  CHECK(l->apply_retention(retention_policy{-1, 0, 0}, 0, ec) > 0);
  REQUIRE_FALSE(ec);
  REQUIRE_FALSE(fs::exists(cfg.dir / segment::file_name(0, ".log")));
  CHECK(held.records.flatten() == expected);
  CHECK(grown.records.flatten() == concat(0, test::batch_bases(grown.records).size()));

  // Even the whole log gone.
  auto tail = l->read(l->log_end_offset() - 1, 1 << 20);
  REQUIRE_FALSE(tail.ec);
  auto tail_bytes = tail.records.flatten();
  REQUIRE_FALSE(l->remove());
  l.reset();
  REQUIRE_FALSE(fs::exists(cfg.dir));
  CHECK(held.records.flatten() == expected);
  CHECK(tail.records.flatten() == tail_bytes);
}

TEST_CASE_METHOD(fixture, "a segment grown past its first mapping is read through a new one",
                 "[mapped_read]") {
  cfg.segment_bytes = 1 << 20; // mapped as 2 MiB on the first read
  cfg.max_message_bytes = 1 << 20;
  auto l = test::open_log(cfg);
  fill(*l, 1);
  auto early = l->read(0, 100);
  REQUIRE_FALSE(early.ec);
  // A raised segment.bytes lets the same segment grow beyond the mapping.
  auto bigger = cfg;
  bigger.segment_bytes = 8 << 20;
  l->reconfigure(bigger);
  std::vector<char> last;
  for (int i = 0; i < 5; ++i) {
    last = test::make_batch(1, 2000, i, 600 << 10);
    REQUIRE_FALSE(test::append_patched(*l, last, 0).ec);
  }
  REQUIRE(l->segment_count() == 1);
  auto r = l->read(l->log_end_offset() - 1, 1);
  REQUIRE_FALSE(r.ec);
  CHECK(r.records.flatten() == last); // starts past 2 MiB
  CHECK(early.records.flatten() == concat(0, 1));
}
