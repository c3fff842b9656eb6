// Consumer fetches on the leader: committed data only (below the high watermark), long polls
// at the HW that wake when it moves or at their max_wait_ms.
#include "actors/batch_trim.hpp"
#include "actors/logging.hpp"
#include "actors/replica_internal.hpp"
#include "storage/record_batch.hpp"

#include <algorithm>

namespace cafka::replica {

int64_t now_ms(self_ptr self) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch()).count();
}

bool in(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

int32_t last_batch_epoch(const storage::record_bytes& records) {
  int32_t epoch = -1;
  size_t pos = 0;
  char p[storage::batch_header_size];
  storage::batch_header h;
  while (records.copy_out(pos, sizeof(p), p)) {
    if (storage::parse_batch_header(p, sizeof(p), h))
      break;
    epoch = h.partition_leader_epoch;
    pos += h.total_size();
  }
  return epoch;
}

fetch_reply empty_fetch(const replica_state& st, errc ec) {
  fetch_reply reply;
  reply.ec = ec;
  reply.high_watermark = st.high_watermark;
  reply.last_stable_offset = st.high_watermark; // no transactions yet: LSO = HW
  reply.log_start_offset = st.log_start_offset;
  return reply;
}

namespace {

// Reads committed data for `args` from the log actor and completes `rp`.
void read_and_deliver(self_ptr self, const fetch_args& args,
                      caf::typed_response_promise<fetch_reply> rp) {
  self->request(self->state.log, log_request_timeout, read_atom::value, args.offset, args.max_bytes)
    .then(
      [self, rp](read_reply& r) mutable {
        auto& st = self->state;
        st.log_start_offset = r.log_start_offset;
        auto reply = empty_fetch(st, r.ec);
        if (r.ec == errc::none) {
          // An append may have landed between our HW check and this read; never serve records
          // at or past the HW (consumers must see only committed data).
          trim_batches_below(r.records, st.high_watermark);
          reply.records = std::move(r.records);
        }
        rp.deliver(std::move(reply));
      },
      [self, rp](caf::error& err) mutable {
        CAFKA_WARN(component, self->state.label << ": read failed: " << to_string(err));
        rp.deliver(empty_fetch(self->state, errc::request_timed_out));
      });
}

} // namespace

void serve_fetch(self_ptr self, const fetch_args& args,
                 caf::typed_response_promise<fetch_reply> rp) {
  auto& st = self->state;
  if (args.offset < st.log_start_offset || args.offset > st.log_end_offset) {
    rp.deliver(empty_fetch(st, errc::offset_out_of_range));
  } else if (args.offset < st.high_watermark) {
    read_and_deliver(self, args, rp);
  } else if (args.max_wait_ms <= 0) {
    rp.deliver(empty_fetch(st));
  } else {
    auto id = ++st.next_waiter_id;
    st.waiters.push_back(fetch_waiter{id, args, rp});
    self->delayed_send(self, std::chrono::milliseconds(args.max_wait_ms), timeout_atom::value, id);
  }
}

void wake_waiters(self_ptr self) {
  auto& st = self->state;
  auto ready = std::stable_partition(st.waiters.begin(), st.waiters.end(),
                                     [&](const fetch_waiter& w) {
                                       return w.args.offset >= st.high_watermark;
                                     });
  std::vector<fetch_waiter> woken(std::make_move_iterator(ready),
                                  std::make_move_iterator(st.waiters.end()));
  st.waiters.erase(ready, st.waiters.end());
  // Their timers still fire later; the timeout handler ignores ids no longer waiting.
  for (auto& w : woken)
    read_and_deliver(self, w.args, std::move(w.rp));
}

void fail_waiters(self_ptr self, errc ec) {
  auto waiters = std::move(self->state.waiters);
  self->state.waiters.clear();
  for (auto& w : waiters)
    w.rp.deliver(empty_fetch(self->state, ec));
}

bool expire_fetch(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = std::find_if(st.waiters.begin(), st.waiters.end(),
                        [id](const fetch_waiter& w) { return w.id == id; });
  if (i == st.waiters.end())
    return false;
  auto rp = std::move(i->rp);
  st.waiters.erase(i);
  rp.deliver(empty_fetch(st));
  return true;
}

} // namespace cafka::replica
