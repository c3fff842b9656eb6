// Zero-copy Fetch encoding: a writer with a splice list leaves record slices out of its buffer
// and notes where they go; buffer + slices in that order must be exactly the bytes an ordinary
// (copying) encode produces.
#include "net/protocol/generated/fetch_response.hpp"
#include "net/protocol/generated/produce_request.hpp"
#include "net/protocol/header.hpp"
#include "net/protocol/wire.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace cafka::protocol;

namespace {

byte_slice slice_of(std::string text) {
  auto held = std::make_shared<const std::string>(std::move(text));
  return {held, held->data(), held->size()};
}

// The wire bytes: buffer with every slice inserted before buffer[at].
std::vector<char> splice(const std::vector<char>& buffer, const std::vector<spliced_slice>& slices) {
  std::vector<char> out;
  size_t from = 0;
  for (const auto& s : slices) {
    REQUIRE(s.at >= from);
    REQUIRE(s.at <= buffer.size());
    out.insert(out.end(), buffer.begin() + from, buffer.begin() + s.at);
    out.insert(out.end(), s.slice.data, s.slice.data + s.slice.size);
    from = s.at;
  }
  out.insert(out.end(), buffer.begin() + from, buffer.end());
  return out;
}

fetch_response response_with_slices() {
  fetch_response resp;
  resp.session_id = 0;
  for (int t = 0; t < 2; ++t) {
    auto& topic = resp.responses.emplace_back();
    topic.topic = "topic-" + std::to_string(t);
    for (int p = 0; p < 3; ++p) {
      auto& part = topic.partitions.emplace_back();
      part.partition_index = p;
      part.high_watermark = 100 + p;
      part.aborted_transactions.emplace();
      record_bytes records;
      if (p == 1) {
        records = std::vector<char>{'o', 'w', 'n', 'e', 'd'}; // owned bytes are copied
      } else if (p == 2) {
        records.append(slice_of("first slice of " + topic.topic));
        records.append(slice_of(std::string(3000, 'z')));
      }
      // p == 0: empty records
      part.records = std::move(records);
    }
  }
  return resp;
}

} // namespace

TEST_CASE("fetch_response with record slices encodes to the same bytes as with owned bytes",
          "[protocol][zerocopy]") {
  const auto resp = response_with_slices();
  auto owned = resp;
  for (auto& t : owned.responses)
    for (auto& p : t.partitions)
      p.records = record_bytes{p.records->flatten()};
  for (int16_t v = fetch_response::min_version; v <= fetch_response::max_version; ++v) {
    INFO("version " << v);
    std::vector<char> copied;
    writer plain{copied};
    owned.encode(plain, v);

    std::vector<char> buffer;
    std::vector<spliced_slice> slices;
    writer zero_copy{buffer, &slices};
    resp.encode(zero_copy, v);
    CHECK(slices.size() == 4); // two per topic; owned and empty records are copied
    CHECK(zero_copy.size() == copied.size());
    CHECK(buffer.size() < copied.size() - 6000);
    CHECK(splice(buffer, slices) == copied);

    // Without a splice list the slices are copied: again the same bytes.
    std::vector<char> flat;
    writer copying{flat};
    resp.encode(copying, v);
    CHECK(flat == copied);

    fetch_response decoded;
    reader r{copied.data(), copied.size()};
    decoded.decode(r, v);
    CHECK(decoded == resp);
  }
}

TEST_CASE("patch_frame_size counts spliced bytes", "[protocol][zerocopy]") {
  std::vector<char> frame;
  std::vector<spliced_slice> slices;
  writer w{frame, &slices};
  w.write_int32(0);
  record_bytes records;
  records.append(slice_of("0123456789"));
  w.write_records(records);
  w.write_int8(7);
  REQUIRE(slices.size() == 1);
  CHECK(slices[0].at == 8);
  patch_frame_size(frame, w.size() - frame.size());
  auto wire = splice(frame, slices);
  CHECK(wire.size() == 4 + 4 + 10 + 1);
  reader r{wire.data(), wire.size()};
  CHECK(r.read_int32() == 15);
  CHECK(r.read_bytes() == std::vector<char>{'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'});
  CHECK(r.read_int8() == 7);
}

TEST_CASE("produce_request records decode as owned bytes without a frame owner",
          "[protocol][zerocopy]") {
  produce_request req;
  req.acks = -1;
  auto& part = req.topic_data.emplace_back().partition_data.emplace_back();
  part.records = std::vector<char>{'b', 'a', 't', 'c', 'h'};
  std::vector<char> bytes;
  writer w{bytes};
  req.encode(w, 7);
  produce_request decoded;
  reader r{bytes.data(), bytes.size()};
  decoded.decode(r, 7);
  const auto& records = decoded.topic_data.at(0).partition_data.at(0).records;
  REQUIRE(records);
  CHECK_FALSE(records->has_slices());
  CHECK(*records == *part.records);
}

TEST_CASE("produce_request records decode as a slice of an owned frame", "[protocol][zerocopy]") {
  produce_request req;
  req.acks = 1;
  auto& topic = req.topic_data.emplace_back();
  topic.partition_data.emplace_back().records = std::vector<char>{'o', 'n', 'e'};
  topic.partition_data.emplace_back().records = std::vector<char>{'t', 'w', 'o', '!'};
  for (int16_t version : {int16_t{3}, int16_t{7}}) {
    auto frame = std::make_shared<std::vector<char>>();
    writer w{*frame};
    req.encode(w, version);
    produce_request decoded;
    {
      reader r{frame->data(), frame->size(), frame};
      decoded.decode(r, version);
    }
    std::weak_ptr<std::vector<char>> alive = frame;
    const auto* begin = frame->data();
    const auto* end = begin + frame->size();
    frame.reset(); // the slices keep the frame alive
    REQUIRE_FALSE(alive.expired());
    for (size_t i = 0; i < 2; ++i) {
      auto& records = decoded.topic_data.at(0).partition_data.at(i).records;
      REQUIRE(records);
      REQUIRE(records->slices().size() == 1);
      const auto& s = records->slices().front();
      CHECK(s.data >= begin);
      CHECK(s.data + s.size <= end);
      CHECK(records->contiguous().data() == s.data); // one slice: no copy
      CHECK(*records == *req.topic_data.at(0).partition_data.at(i).records);
    }
    decoded = produce_request{};
    CHECK(alive.expired());
  }
}

TEST_CASE("compact and nullable records read as slices with an owner", "[protocol][zerocopy]") {
  auto frame = std::make_shared<std::vector<char>>();
  writer w{*frame};
  w.write_compact_records(record_bytes(std::vector<char>{'a', 'b'}));
  w.write_compact_nullable_records(std::nullopt);
  w.write_nullable_records(std::nullopt);
  w.write_records(record_bytes(std::vector<char>{'c'}));
  reader r{frame->data(), frame->size(), frame};
  auto a = r.read_compact_records();
  CHECK(a.has_slices());
  CHECK(a == record_bytes(std::vector<char>{'a', 'b'}));
  CHECK_FALSE(r.read_compact_nullable_records());
  CHECK_FALSE(r.read_nullable_records());
  auto c = r.read_records();
  CHECK(c.has_slices());
  CHECK(c == record_bytes(std::vector<char>{'c'}));
  CHECK(r.remaining() == 0);
}
