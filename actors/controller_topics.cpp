// Topic administration on the active controller (KRaft's ReplicationControlManager): create
// and delete topics, add partitions. Validation and messages as Kafka's; replicas placed over
// the unfenced brokers with a random start and shift from the controller's RNG; one Raft entry
// per request, answered once it is committed and applied (validate_only: never proposed).
#include "actors/controller_ops.hpp"
#include "actors/meta_properties.hpp"

#include "actors/logging.hpp"
#include "actors/topic_config.hpp"
#include "actors/topic_names.hpp"

#include <caf/all.hpp>

#include <array>

namespace cafka::controller_ops {

namespace {

constexpr const char* component = "controller";
constexpr auto fail = topic_failure; // messages.hpp

topic_result not_controller() {
  return fail(errc::not_controller, "This controller is not the active controller.");
}

// A topic id: a random (version 4) UUID from the controller's admin RNG, as Kafka prints it.
std::string topic_uuid(std::mt19937_64& rng) {
  std::array<unsigned char, 16> bytes;
  for (auto& b : bytes)
    b = static_cast<unsigned char>(rng());
  return random_uuid_base64(bytes);
}

std::string not_enough_brokers(int32_t rf, size_t live) {
  return "Unable to replicate the partition " + std::to_string(rf)
         + " time(s): The target replication factor of " + std::to_string(rf)
         + " cannot be reached because only " + std::to_string(live)
         + " broker(s) are registered.";
}

// Kafka draws both in [0, number of brokers).
std::pair<uint32_t, uint32_t> random_start_and_shift(controller_state& st, size_t brokers) {
  auto n = std::max<uint64_t>(brokers, 1);
  auto start = static_cast<uint32_t>(st.admin_rng() % n);
  auto shift = static_cast<uint32_t>(st.admin_rng() % n);
  return {start, shift};
}

// Delivers `ok` once the entry committed, else the apply error (a request that raced).
auto reply_when_committed(caf::typed_response_promise<topic_result> rp, topic_result ok,
                          std::string what) {
  return [rp, ok, what](const propose_reply& r) mutable {
    if (r.ec == errc::none) {
      CAFKA_INFO(component, what);
      rp.deliver(ok);
    } else {
      rp.deliver(r.ec == errc::not_controller ? not_controller() : fail(r.ec, what + " failed"));
    }
  };
}

} // namespace

void serve_create_topic(self_ptr self, const create_topic_args& args,
                        caf::typed_response_promise<topic_result> rp) {
  auto& st = self->state;
  auto done = [&](topic_result r) { rp.deliver(std::move(r)); };
  if (!st.active)
    return done(not_controller());
  if (auto why = topic_name_error(args.name); !why.empty())
    return done(fail(errc::invalid_topic, why));
  if (st.projected.topic(args.name))
    return done(fail(errc::topic_already_exists, "Topic '" + args.name + "' already exists."));
  int32_t partitions = args.num_partitions == -1 ? st.cfg.num_partitions : args.num_partitions;
  if (partitions <= 0)
    return done(fail(errc::invalid_partitions, "Number of partitions must be larger than 0."));
  int32_t rf = args.replication_factor == -1 ? st.cfg.default_replication_factor
                                             : args.replication_factor;
  if (rf <= 0)
    return done(
      fail(errc::invalid_replication_factor, "Replication factor must be larger than 0."));
  auto live = st.projected.unfenced_brokers();
  if (static_cast<size_t>(rf) > live.size())
    return done(fail(errc::invalid_replication_factor, not_enough_brokers(rf, live.size())));
  if (auto why = topic_config_error(args.configs); !why.empty())
    return done(fail(errc::invalid_config, why));
  topic_result ok;
  ok.num_partitions = partitions;
  ok.replication_factor = static_cast<int16_t>(rf);
  if (args.validate_only)
    return done(ok);
  auto [start, shift] = random_start_and_shift(st, live.size());
  std::error_code ec;
  auto records = cluster::create_topic_records(st.projected, args.name, topic_uuid(st.admin_rng),
                                               partitions, static_cast<int16_t>(rf),
                                               args.configs, start, shift, ec);
  if (ec)
    return done(fail(to_errc(ec), ec.message()));
  propose_records(self, std::move(records),
                  reply_when_committed(rp, ok,
                                       who(st) + ": created topic " + args.name + " with "
                                         + std::to_string(partitions) + " partitions, RF "
                                         + std::to_string(rf)));
}

void serve_delete_topic(self_ptr self, const std::string& name,
                        caf::typed_response_promise<topic_result> rp) {
  auto& st = self->state;
  auto done = [&](topic_result r) { rp.deliver(std::move(r)); };
  if (!st.active)
    return done(not_controller());
  auto t = st.projected.topic(name);
  if (!t)
    return done(fail(errc::unknown_topic_or_partition, "This server does not host this topic."));
  topic_result ok;
  ok.num_partitions = static_cast<int32_t>(t->partitions.size());
  propose_records(self, {cluster::remove_topic{name}},
                  reply_when_committed(rp, ok, who(st) + ": deleted topic " + name));
}

void serve_create_partitions(self_ptr self, const create_partitions_args& args,
                             caf::typed_response_promise<topic_result> rp) {
  auto& st = self->state;
  auto done = [&](topic_result r) { rp.deliver(std::move(r)); };
  if (!st.active)
    return done(not_controller());
  auto t = st.projected.topic(args.name);
  if (!t)
    return done(fail(errc::unknown_topic_or_partition,
                     "The topic '" + args.name + "' does not exist."));
  auto current = static_cast<int32_t>(t->partitions.size());
  if (args.count == current)
    return done(fail(errc::invalid_partitions,
                     "Topic already has " + std::to_string(current) + " partitions."));
  if (args.count < current)
    return done(fail(errc::invalid_partitions,
                     "Topic currently has " + std::to_string(current)
                       + " partitions, which is higher than the requested "
                       + std::to_string(args.count) + "."));
  auto rf = t->partitions.empty() ? 1 : static_cast<int32_t>(t->partitions.begin()->second.replicas.size());
  auto live = st.projected.unfenced_brokers();
  if (static_cast<size_t>(rf) > live.size())
    return done(fail(errc::invalid_replication_factor, not_enough_brokers(rf, live.size())));
  topic_result ok;
  ok.num_partitions = args.count;
  ok.replication_factor = static_cast<int16_t>(rf);
  if (args.validate_only)
    return done(ok);
  auto [start, shift] = random_start_and_shift(st, live.size());
  std::error_code ec;
  auto records = cluster::add_partitions_records(st.projected, args.name, args.count, start,
                                                 shift, ec);
  if (ec)
    return done(fail(to_errc(ec), ec.message()));
  propose_records(self, std::move(records),
                  reply_when_committed(rp, ok,
                                       who(st) + ": grew topic " + args.name + " to "
                                         + std::to_string(args.count) + " partitions"));
}

} // namespace cafka::controller_ops
