#include "actors/log_flush.hpp"

#include "actors/logging.hpp"

#include <caf/send.hpp>

#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>

namespace cafka {

namespace {

constexpr const char* component = "log";

void start_flush_if_due(log_self self) {
  auto& st = self->state;
  if (st.log && st.commit.should_start())
    st.commit.started(st.log->flush_async());
}

// Arms the flush.ms timer when something is unflushed and no timer of this generation runs.
void arm_flush_timer(log_self self) {
  auto& st = self->state;
  if (!st.log || st.flush_timer_gen != 0 || st.commit.all_flushed())
    return;
  auto ms = st.log->config().flush_ms;
  if (ms == std::numeric_limits<int64_t>::max())
    return;
  static std::atomic<uint64_t> next_gen{0}; // log actors run on their own threads
  st.flush_timer_gen = ++next_gen;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(ms, 0)),
                     flush_tick_atom::value, st.flush_timer_gen);
}

// A nearly full disk flaps (a large batch fails, a small one still fits): a new ERROR needs a
// minute since the last one, so the log never gets a line per request.
constexpr auto error_log_interval = std::chrono::minutes(1);

void report_append_outcome(log_self self, const std::error_code& ec) {
  auto& st = self->state;
  if (!ec) {
    if (st.append_failing) {
      st.append_failing = false;
      CAFKA_INFO(component, st.label << ": appends succeed again (" << st.failed_appends
                                     << " failed)");
    }
    return;
  }
  // Rule violations (too large, invalid) are the client's problem; OS errors are the disk's.
  if (to_errc(ec) != errc::storage_error || ec.category() == cafka_category()) {
    CAFKA_DEBUG(component, st.label << ": append failed: " << ec.message());
    return;
  }
  auto now = std::chrono::steady_clock::now();
  bool logged_recently = st.failed_appends > 0 && now - st.last_append_error < error_log_interval;
  if (st.append_failing || logged_recently) {
    ++st.failed_appends;
    return;
  }
  st.append_failing = true;
  st.failed_appends = 1;
  st.last_append_error = now;
  CAFKA_ERROR(component, st.label << ": append failed: " << ec.message()
                                  << "; produce gets KAFKA_STORAGE_ERROR until space returns");
}

} // namespace

std::shared_ptr<storage::flusher> background_flusher() {
  static std::mutex mtx;
  static std::weak_ptr<storage::flusher> shared;
  std::lock_guard<std::mutex> guard{mtx};
  auto f = shared.lock();
  if (!f) {
    f = std::make_shared<storage::thread_flusher>();
    shared = f;
  }
  return f;
}

void install_flusher(log_self self, std::shared_ptr<storage::flusher> f) {
  auto& st = self->state;
  st.flusher = f;
  st.commit.reset(st.log->log_end_offset());
  // Weak: a queued job must not keep a stopped actor alive.
  caf::weak_actor_ptr weak{self->ctrl()};
  st.log->set_flusher(std::move(f), [weak](int64_t end, std::error_code ec) {
    if (auto strong = weak.lock())
      caf::anon_send(caf::actor_cast<log_impl_actor>(strong), flushed_atom::value, end,
                     to_errc(ec), ec ? ec.message() : std::string{});
  });
}

caf::result<append_reply> finish_append(log_self self, const storage::append_result& res,
                                        append_reply reply) {
  auto& st = self->state;
  report_append_outcome(self, res.ec);
  if (res.ec)
    return reply; // failures never wait
  auto end = res.last_offset + 1;
  bool wait = st.commit.appended(end, res.last_offset - res.base_offset + 1,
                                 st.log->config().flush_messages);
  arm_flush_timer(self);
  if (!wait)
    return reply;
  auto rp = self->make_response_promise<append_reply>();
  st.commit.hold(end, held_append{rp, std::move(reply)});
  start_flush_if_due(self);
  return rp;
}

void on_flushed(log_self self, int64_t end, errc ec, const std::string& why) {
  auto& st = self->state;
  if (!st.log)
    return;
  auto released = st.commit.flushed(end, ec == errc::none);
  if (ec != errc::none)
    CAFKA_ERROR(component, st.label << ": flush below offset " << end << " failed: " << why
                                    << "; " << released.size()
                                    << " waiting appends get KAFKA_STORAGE_ERROR");
  else
    CAFKA_DEBUG(component, st.label << ": flushed below offset " << end << ", "
                                    << released.size() << " appends acknowledged ("
                                    << storage::sync_calls() << " syncs so far)");
  for (auto& h : released) {
    if (ec != errc::none)
      h.reply.ec = errc::storage_error;
    h.promise.deliver(std::move(h.reply));
  }
  start_flush_if_due(self);
  arm_flush_timer(self);
}

void on_flush_tick(log_self self, uint64_t gen) {
  auto& st = self->state;
  if (gen != st.flush_timer_gen)
    return; // replaced by a reconfigure
  st.flush_timer_gen = 0;
  if (!st.log)
    return;
  st.commit.request();
  start_flush_if_due(self);
  // While a flush runs, on_flushed starts the requested one (and re-arms) when it is done.
  if (!st.commit.flushing())
    arm_flush_timer(self);
}

void on_flush_settings_changed(log_self self) {
  self->state.flush_timer_gen = 0; // a pending tick of the old flush.ms is ignored
  start_flush_if_due(self);
  arm_flush_timer(self);
}

void answer_held_appends(log_state& st, bool closed_ok) {
  for (auto& h : st.commit.take_all()) {
    if (!closed_ok)
      h.reply.ec = errc::storage_error;
    h.promise.deliver(std::move(h.reply));
  }
}

} // namespace cafka
