// queued.max.request.bytes (net/request_budget.hpp): the broker-wide budget connections take a
// frame's bytes from before reading it, and give back when its answer goes out.
#include "net/request_budget.hpp"

#include <catch2/catch.hpp>

#include <vector>

using cafka::net::request_budget;

namespace {

// Records which waiters were granted, in order (the connection would resume reading then).
struct grants {
  std::vector<int> order;
  request_budget::grant_fn note(int id) {
    return [this, id] { order.push_back(id); };
  }
};

} // namespace

TEST_CASE("request budget admits while bytes fit and queues the rest in order", "[net][budget]") {
  request_budget budget{100};
  grants g;
  CHECK(budget.acquire(60, g.note(1)));
  CHECK(budget.acquire(40, g.note(2)));
  CHECK(budget.used() == 100);
  CHECK_FALSE(budget.acquire(30, g.note(3))); // paused
  CHECK_FALSE(budget.acquire(1, g.note(4)));  // never overtakes a waiting request
  CHECK(budget.waiting() == 2);
  CHECK(g.order.empty());

  budget.release(20); // 80 held: 30 does not fit yet
  CHECK(g.order.empty());
  budget.release(40); // 40 held: both waiters fit, granted first come first served
  CHECK(g.order == std::vector<int>{3, 4});
  CHECK(budget.used() == 40 + 30 + 1);
  CHECK(budget.waiting() == 0);
}

TEST_CASE("a request larger than the whole budget is admitted once nothing is held",
          "[net][budget]") {
  request_budget budget{100};
  grants g;
  SECTION("at once when the budget is empty") {
    CHECK(budget.acquire(500, g.note(1)));
    CHECK(budget.used() == 500);
    CHECK_FALSE(budget.acquire(1, g.note(2)));
    budget.release(500);
    CHECK(g.order == std::vector<int>{2});
  }
  SECTION("after the last holder releases, never deadlocked") {
    CHECK(budget.acquire(10, g.note(1)));
    CHECK_FALSE(budget.acquire(500, g.note(2)));
    budget.release(10);
    CHECK(g.order == std::vector<int>{2});
    CHECK(budget.used() == 500);
  }
}

TEST_CASE("unlimited budget (-1) never pauses but still counts", "[net][budget]") {
  request_budget budget{-1};
  grants g;
  CHECK(budget.acquire(1ull << 40, g.note(1)));
  CHECK(budget.acquire(1ull << 40, g.note(2)));
  CHECK(budget.used() == 2ull << 40);
  budget.release(1ull << 40);
  CHECK(budget.used() == 1ull << 40);
  CHECK(g.order.empty());
}

TEST_CASE("a grant that gives its bytes straight back passes them on", "[net][budget]") {
  // A connection closed while waiting releases its grant at once (from inside release()).
  request_budget budget{100};
  grants g;
  CHECK(budget.acquire(100, g.note(0)));
  CHECK_FALSE(budget.acquire(100, [&] { budget.release(100); }));
  CHECK_FALSE(budget.acquire(100, g.note(2)));
  budget.release(100);
  CHECK(g.order == std::vector<int>{2});
  CHECK(budget.used() == 100);
}
