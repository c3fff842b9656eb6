#include "actors/log_actor.hpp"

#include "actors/logging.hpp"

namespace cafka {

namespace {

constexpr const char* component = "log";

template <class Reply>
Reply no_log() {
  Reply r;
  r.ec = errc::unknown_topic_or_partition; // deleted: the partition is gone
  return r;
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

log_actor::behavior_type log_actor_impl(log_actor::stateful_pointer<log_state> self,
                                        std::unique_ptr<storage::log> log, std::string label) {
  self->state.log = std::move(log);
  self->state.label = std::move(label);
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
  };
}

} // namespace cafka
