#include "actors/log_actor.hpp"

#include "actors/logging.hpp"

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

void schedule_retention(self_ptr self) {
  auto interval = self->state.retention.check_interval_ms;
  if (interval > 0)
    self->delayed_send(self, std::chrono::milliseconds(interval), retention_atom::value);
}

} // namespace

log_state::~log_state() {
  if (!log)
    return;
  if (auto ec = log->close())
    CAFKA_ERROR(component, label << ": close failed: " << ec.message());
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
  self->state.log = std::move(log);
  self->state.label = std::move(label);
  self->state.retention = retention;
  schedule_retention(self);
  return {
    // The batch arrives by mutable reference: storage patches offsets in place, and CAF
    // copies only if the message is shared.
    [self](append_atom, std::vector<char>& batch, int32_t leader_epoch) -> append_reply {
      auto& lg = self->state.log;
      if (!lg)
        return no_log<append_reply>();
      auto res = lg->append(batch.data(), batch.size(), leader_epoch);
      append_reply reply;
      reply.ec = to_errc(res.ec);
      reply.base_offset = res.base_offset;
      reply.last_offset = res.last_offset;
      reply.log_start_offset = lg->log_start_offset();
      if (reply.ec != errc::none)
        CAFKA_DEBUG(component, self->state.label << ": append failed: " << res.ec.message());
      return reply;
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
      CAFKA_INFO(component, self->state.label << ": topic settings changed");
      return errc::none;
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
