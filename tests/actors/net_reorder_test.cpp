// The reorder buffer: responses leave in request order whatever order handlers finish in.
#include "net/reorder_buffer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using cafka::net::reorder_buffer;

namespace {

std::vector<char> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

struct collector {
  std::vector<std::string> out;
  void operator()(cafka::net::response_frame&& f) { out.emplace_back(f.bytes.begin(), f.bytes.end()); }
};

} // namespace

TEST_CASE("reorder buffer emits in request order when completions arrive out of order",
          "[net][reorder]") {
  reorder_buffer buf;
  collector emit;
  auto a = buf.next_sequence();
  auto b = buf.next_sequence();
  auto c = buf.next_sequence();
  CHECK(a == 0);
  CHECK(b == 1);
  CHECK(c == 2);
  buf.complete(c, bytes("c"), true, std::ref(emit));
  buf.complete(b, bytes("b"), true, std::ref(emit));
  CHECK(emit.out.empty()); // a is still outstanding
  CHECK(buf.pending() == 3);
  buf.complete(a, bytes("a"), true, std::ref(emit));
  CHECK(emit.out == std::vector<std::string>{"a", "b", "c"});
  CHECK(buf.pending() == 0);
  // Sequence numbers keep counting after a flush.
  auto d = buf.next_sequence();
  CHECK(d == 3);
  buf.complete(d, bytes("d"), true, std::ref(emit));
  CHECK(emit.out.back() == "d");
}

TEST_CASE("reorder buffer skips slots without a response", "[net][reorder]") {
  reorder_buffer buf;
  collector emit;
  auto a = buf.next_sequence();
  auto b = buf.next_sequence(); // e.g. Produce acks=0
  auto c = buf.next_sequence();
  CHECK(buf.complete(c, bytes("c"), true, std::ref(emit)) == 0);
  CHECK(buf.complete(b, {}, false, std::ref(emit)) == 0); // not flushed yet
  CHECK(emit.out.empty());
  CHECK(buf.complete(a, bytes("a"), true, std::ref(emit)) == 1); // b released without a frame
  CHECK(emit.out == std::vector<std::string>{"a", "c"});
  // A no-response slot at the head is released as soon as it completes.
  auto d = buf.next_sequence();
  auto e = buf.next_sequence();
  buf.complete(e, bytes("e"), true, std::ref(emit));
  CHECK(buf.complete(d, {}, false, std::ref(emit)) == 1);
  CHECK(emit.out == std::vector<std::string>{"a", "c", "e"});
}

TEST_CASE("reorder buffer ignores duplicate and unknown completions", "[net][reorder]") {
  reorder_buffer buf;
  collector emit;
  auto a = buf.next_sequence();
  auto b = buf.next_sequence();
  buf.complete(b, bytes("b1"), true, std::ref(emit));
  buf.complete(b, bytes("b2"), true, std::ref(emit)); // a second answer for b is dropped
  buf.complete(42, bytes("x"), true, std::ref(emit)); // never issued
  buf.complete(a, bytes("a"), true, std::ref(emit));
  buf.complete(a, bytes("a2"), true, std::ref(emit)); // already flushed
  CHECK(emit.out == std::vector<std::string>{"a", "b1"});
}
