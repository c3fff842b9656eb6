#include "actors/log_actor.hpp"

#include "actors/log_flush.hpp"
#include "actors/logging.hpp"
#include "storage/record_batch.hpp"

#include <chrono>

namespace cafka {

namespace {

constexpr const char* component = "log";

template <class Reply>
Reply no_log() {
  Reply r;
  r.ec = errc::unknown_topic_or_partition; // deleted: the partition is gone
  return r;
}

using self_ptr = log_impl_actor::stateful_pointer<log_state>;

// Record timestamps are wall-clock ms, so retention compares against the wall clock.
int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// After segments were deleted: a timer for the removal of their files, unless already done.
void schedule_purge(self_ptr self, int64_t now) {
  auto due = self->state.log ? self->state.log->next_purge_due() : -1;
  if (due < 0)
    return;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(due - now, 0)),
                     purge_atom::value, due);
}

// At most one clean_atom is on its way: the next check (after backoff_ms) or, with delay 0,
// the next step of a pass (behind the messages already queued, so appends interleave).
void schedule_clean(self_ptr self, int64_t delay_ms) {
  auto& st = self->state;
  if (st.clean_queued || !st.retention.cleaner.enabled || !st.log
      || !st.log->config().cleanup.compact)
    return;
  st.clean_queued = true;
  if (delay_ms <= 0)
    self->send(self, clean_atom::value);
  else
    self->delayed_send(self, std::chrono::milliseconds(delay_ms), clean_atom::value);
}

void run_clean_step(self_ptr self) {
  auto& st = self->state;
  auto now = wall_ms();
  storage::cleaner_options opt;
  opt.dedupe_buffer_bytes = st.retention.cleaner.dedupe_buffer_bytes;
  opt.delete_delay_ms = st.retention.policy.delete_delay_ms;
  auto r = st.log->clean_step(opt, now);
  if (r.started)
    st.clean_started_ms = now;
  if (r.ec)
    CAFKA_ERROR(component, st.label << ": cleaning failed: " << r.ec.message()
                                    << " (an interrupted swap is completed at the next start)");
  if (r.done) {
    auto& x = r.stats;
    CAFKA_INFO(component, st.label << ": cleaned " << x.segments << " segments ("
                                   << storage::format_bytes(x.bytes_in) << " \u2192 "
                                   << storage::format_bytes(x.bytes_out) << ", " << x.records_in
                                   << " records \u2192 " << x.records_out << ") in "
                                   << wall_ms() - st.clean_started_ms
                                   << " ms; clean up to offset " << x.clean_offset);
  }
  schedule_purge(self, now); // the replaced segments' files
}

// The base offset of the batch holding `offset` (offset itself when no batch holds it).
int64_t batch_start(const storage::log& lg, int64_t offset) {
  auto r = lg.read(offset, 1);
  char buf[storage::batch_header_size];
  storage::batch_header h;
  if (r.ec || !r.records.copy_out(0, sizeof(buf), buf)
      || storage::parse_batch_header(buf, sizeof(buf), h))
    return offset;
  return std::min(h.base_offset, offset);
}

// Follower truncation: everything at or after `offset` goes, never below the log start. A
// cut inside a batch drops that whole batch (Kafka's LogSegment.truncateTo): the follower
// fetches it again.
offset_reply truncate_log(self_ptr self, int64_t offset) {
  auto& st = self->state;
  auto& lg = *st.log;
  auto end_before = lg.log_end_offset();
  offset = std::max(offset, lg.log_start_offset());
  if (offset >= end_before)
    return {errc::none, end_before, -1};
  auto cut = batch_start(lg, offset);
  auto ec = lg.truncate_to(cut);
  if (ec) {
    CAFKA_ERROR(component, st.label << ": truncation to offset " << cut << " failed: "
                                    << ec.message());
    return {to_errc(ec), lg.log_end_offset(), -1};
  }
  CAFKA_INFO(component, st.label << ": truncated to offset " << cut << " (log end was "
                                 << end_before << ", latest leader epoch now "
                                 << lg.latest_epoch() << ")");
  return {errc::none, lg.log_end_offset(), -1};
}

void schedule_retention(self_ptr self) {
  auto interval = self->state.retention.check_interval_ms;
  if (interval > 0)
    self->delayed_send(self, std::chrono::milliseconds(interval), retention_atom::value);
}

} // namespace

log_state::~log_state() {
  if (!log)
    return;
  auto ec = log->close(); // syncs everything, also what waits for the flusher
  if (ec)
    CAFKA_ERROR(component, label << ": close failed: " << ec.message());
  answer_held_appends(*this, !ec);
}

std::unique_ptr<storage::log> open_partition_log(const storage::log_config& cfg,
                                                 const std::string& label, std::error_code& ec) {
  auto log = storage::log::open(cfg, ec);
  if (!log) {
    CAFKA_ERROR(component, label << ": cannot open " << cfg.dir.string() << ": " << ec.message());
    return nullptr;
  }
  for (auto& notice : log->recovery_notices())
    CAFKA_WARN(component, label << ": recovery: " << notice);
  return log;
}

log_impl_actor::behavior_type log_actor_impl(self_ptr self, std::unique_ptr<storage::log> log,
                                             std::string label) {
  return retaining_log_actor_impl(self, std::move(log), std::move(label), log_retention{});
}

log_impl_actor::behavior_type retaining_log_actor_impl(self_ptr self,
                                                       std::unique_ptr<storage::log> log,
                                                       std::string label,
                                                       log_retention retention) {
  // Detached (production): syncs on the shared flusher thread. Scheduled (deterministic
  // tests): inline, so completions arrive as ordinary messages in a fixed order.
  auto flusher = self->getf(caf::abstract_actor::is_detached_flag)
                   ? background_flusher()
                   : std::make_shared<storage::inline_flusher>();
  return flushing_log_actor_impl(self, std::move(log), std::move(label), std::move(retention),
                                 std::move(flusher));
}

log_impl_actor::behavior_type
flushing_log_actor_impl(self_ptr self, std::unique_ptr<storage::log> log, std::string label,
                        log_retention retention, std::shared_ptr<storage::flusher> flusher) {
  self->state.log = std::move(log);
  self->state.label = std::move(label);
  self->state.retention = retention;
  install_flusher(self, std::move(flusher));
  schedule_retention(self);
  schedule_clean(self, std::max<int64_t>(self->state.retention.cleaner.backoff_ms, 1));
  return {
    // By mutable reference: a batch of several slices is joined in place (CAF copies only a
    // shared message); a Produce batch is one slice of its request frame and is written from
    // there.
    [self](append_atom, storage::record_bytes& batch,
           int32_t leader_epoch) -> caf::result<append_reply> {
      auto& lg = self->state.log;
      if (!lg)
        return no_log<append_reply>();
      auto bytes = batch.contiguous();
      auto res = lg->append(bytes.data(), bytes.size(), leader_epoch, wall_ms());
      append_reply reply;
      reply.ec = to_errc(res.ec);
      reply.base_offset = res.base_offset;
      reply.last_offset = res.last_offset;
      reply.log_append_time = res.log_append_time;
      reply.log_start_offset = lg->log_start_offset();
      // Disk errors logged once; with flush.messages the reply may wait for a flush.
      return finish_append(self, res, std::move(reply));
    },
    [self](read_atom, int64_t offset, int32_t max_bytes) -> read_reply {
      auto& lg = self->state.log;
      if (!lg)
        return no_log<read_reply>();
      auto res = lg->read(offset, static_cast<size_t>(std::max<int32_t>(max_bytes, 0)));
      read_reply reply;
      reply.ec = to_errc(res.ec);
      reply.records = std::move(res.records);
      reply.log_start_offset = lg->log_start_offset();
      reply.log_end_offset = lg->log_end_offset();
      return reply;
    },
    [self](offset_for_ts_atom, int64_t timestamp) -> offset_reply {
      auto& lg = self->state.log;
      if (!lg)
        return no_log<offset_reply>();
      // ListOffsets sentinels: -1 latest (log end), -2 earliest (log start).
      if (timestamp == -1)
        return {errc::none, lg->log_end_offset(), -1};
      if (timestamp == -2)
        return {errc::none, lg->log_start_offset(), -1};
      auto found = lg->offset_for_timestamp(timestamp);
      return {errc::none, found.offset, found.timestamp};
    },
    [self](flush_atom) -> errc {
      auto& lg = self->state.log;
      if (!lg)
        return errc::unknown_topic_or_partition;
      return to_errc(lg->flush());
    },
    [self](delete_atom) -> errc {
      auto& lg = self->state.log;
      if (!lg)
        return errc::none;
      auto ec = lg->remove();
      if (ec)
        CAFKA_ERROR(component, self->state.label << ": delete failed: " << ec.message());
      else
        CAFKA_INFO(component, self->state.label << ": deleted");
      // remove() leaves the log unusable, so the destructor must not close() it.
      lg.reset();
      answer_held_appends(self->state, false); // appends waiting for a flush: gone with it
      self->quit();
      return to_errc(ec);
    },
    [self](delete_records_atom, int64_t offset) -> offset_reply {
      auto& lg = self->state.log;
      if (!lg)
        return no_log<offset_reply>();
      auto now = wall_ms();
      auto before = lg->segment_count();
      auto ec = lg->advance_start_offset(offset, now, self->state.retention.policy.delete_delay_ms);
      if (ec && ec != errc::offset_out_of_range)
        CAFKA_ERROR(component, self->state.label << ": delete records failed: " << ec.message());
      else if (!ec)
        CAFKA_INFO(component, self->state.label << ": log start offset now "
                                                << lg->log_start_offset() << ", deleted "
                                                << before - lg->segment_count() << " segments");
      schedule_purge(self, now);
      return {to_errc(ec), lg->log_start_offset(), -1};
    },
    [self](configure_atom, const log_settings& settings) -> errc {
      auto& lg = self->state.log;
      if (!lg)
        return errc::unknown_topic_or_partition;
      lg->reconfigure(settings.log);
      self->state.retention.policy = settings.retention;
      schedule_clean(self, 0); // turned compact: check now (no-op when already on its way)
      on_flush_settings_changed(self);
      CAFKA_INFO(component, self->state.label << ": topic settings changed");
      return errc::none;
    },
    // Follower append: batches copied from the leader keep their offsets and epochs. Same
    // reply, error logging and flush policy as append; nothing to append is a no-op whose
    // reply has base_offset = log end, last_offset = log end - 1 (so last + 1 is the end).
    [self](replicate_atom, storage::record_bytes& records) -> caf::result<append_reply> {
      auto& lg = self->state.log;
      if (!lg)
        return no_log<append_reply>();
      append_reply reply;
      reply.log_start_offset = lg->log_start_offset();
      if (records.empty()) { // nothing appended: the range [log end, log end) is empty
        reply.base_offset = lg->log_end_offset();
        reply.last_offset = reply.base_offset - 1;
        return reply;
      }
      auto& bytes = records.owned(); // one copy when the bytes are slices of another log
      auto res = lg->append_replicated(bytes.data(), bytes.size(), wall_ms());
      reply.ec = to_errc(res.ec);
      reply.base_offset = res.base_offset;
      reply.last_offset = res.last_offset;
      return finish_append(self, res, std::move(reply));
    },
    [self](epoch_end_atom, int32_t epoch) -> epoch_end_reply {
      auto& lg = self->state.log;
      if (!lg)
        return no_log<epoch_end_reply>();
      auto found = lg->end_offset_for(epoch); // epoch < 0: the latest and the log end
      return {errc::none, found.epoch, found.end_offset};
    },
    [self](truncate_atom, int64_t offset) -> offset_reply {
      auto& lg = self->state.log;
      if (!lg)
        return no_log<offset_reply>();
      return truncate_log(self, offset);
    },
    [self](start_over_atom, int64_t offset) -> offset_reply {
      auto& lg = self->state.log;
      if (!lg)
        return no_log<offset_reply>();
      auto end_before = lg->log_end_offset();
      auto ec = lg->reset_to(offset);
      if (ec && ec != errc::offset_out_of_range)
        CAFKA_ERROR(component, self->state.label << ": starting over at offset " << offset
                                                 << " failed: " << ec.message());
      else if (!ec)
        CAFKA_INFO(component, self->state.label << ": emptied the log (end was " << end_before
                                                << "), continuing at offset " << offset);
      return {to_errc(ec), lg->log_end_offset(), -1};
    },
    [self](retention_atom) {
      auto& lg = self->state.log;
      if (!lg)
        return;
      auto now = wall_ms();
      std::error_code ec;
      if (auto n = lg->apply_retention(self->state.retention.policy, now, ec); n > 0)
        CAFKA_INFO(component, self->state.label << ": retention deleted " << n
                                                 << " segments, log start offset now "
                                                 << lg->log_start_offset());
      if (ec)
        CAFKA_ERROR(component, self->state.label << ": retention failed: " << ec.message());
      schedule_purge(self, now);
      schedule_retention(self);
    },
    [self](clean_atom) {
      auto& st = self->state;
      st.clean_queued = false;
      if (!st.log)
        return;
      run_clean_step(self);
      if (st.log)
        schedule_clean(self, st.log->cleaning() ? 0
                                                : std::max<int64_t>(st.retention.cleaner.backoff_ms, 1));
    },
    [self](flushed_atom, int64_t end, errc ec, const std::string& why) {
      on_flushed(self, end, ec, why);
    },
    [self](flush_tick_atom, uint64_t gen) { on_flush_tick(self, gen); },
    [self](purge_atom, int64_t due) {
      auto& lg = self->state.log;
      if (!lg)
        return;
      std::error_code ec;
      lg->purge_deleted(due, ec);
      if (ec)
        CAFKA_ERROR(component, self->state.label << ": removing deleted segments failed: "
                                                 << ec.message());
    },
  };
}

} // namespace cafka
