// Topic administration on the node actor: create, delete, grow. Each change is persisted before
// partitions are spawned, so a crash leaves the store describing at least what exists on disk.
#include "actors/node.hpp"

#include "actors/logging.hpp"
#include "actors/meta_properties.hpp"
#include "actors/partition_replica.hpp"
#include "actors/topic_config.hpp"
#include "actors/topic_names.hpp"

#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>

namespace cafka {

namespace {

constexpr const char* component = "node";
constexpr auto fail = topic_failure; // messages.hpp
// Single-node cluster for now.
constexpr int32_t broker_count = 1;

} // namespace

topic_result create_topic(node_self self, const create_topic_args& args) {
  auto& st = self->state;
  if (st.shutting_down)
    return fail(errc::request_timed_out, "broker is shutting down");
  if (auto why = topic_name_error(args.name); !why.empty())
    return fail(errc::invalid_topic, why);
  if (st.topics.count(args.name) > 0)
    return fail(errc::topic_already_exists, "Topic '" + args.name + "' already exists.");
  if (st.deleting.count(args.name) > 0)
    return fail(errc::topic_already_exists, "Topic '" + args.name + "' is marked for deletion.");
  int32_t partitions = args.num_partitions == -1 ? st.cfg.num_partitions : args.num_partitions;
  if (partitions <= 0)
    return fail(errc::invalid_partitions, "Number of partitions must be larger than 0.");
  int32_t rf = args.replication_factor == -1 ? st.cfg.default_replication_factor
                                             : args.replication_factor;
  if (rf <= 0)
    return fail(errc::invalid_replication_factor, "Replication factor must be larger than 0.");
  if (rf > broker_count)
    return fail(errc::invalid_replication_factor,
                "Replication factor: " + std::to_string(rf) + " larger than available brokers: "
                  + std::to_string(broker_count) + ".");
  if (auto why = topic_config_error(args.configs); !why.empty())
    return fail(errc::invalid_config, why);
  topic_result ok;
  ok.num_partitions = partitions;
  ok.replication_factor = static_cast<int16_t>(rf);
  if (args.validate_only)
    return ok;
  topic_entry entry;
  entry.def.name = args.name;
  entry.def.id = random_uuid_base64();
  entry.def.partitions = partitions;
  entry.def.replication_factor = static_cast<int16_t>(rf);
  entry.def.configs = args.configs;
  auto& slot = st.topics[args.name] = std::move(entry);
  if (auto ec = persist_topics(self)) {
    st.topics.erase(args.name);
    CAFKA_ERROR(component, "cannot persist topic " << args.name << ": " << ec.message());
    return fail(errc::storage_error, "cannot persist topic definition: " + ec.message());
  }
  // A directory of a topic that is not in the store is a leftover (e.g. a deletion interrupted
  // by a crash); a new topic must not inherit its records.
  for (int32_t p = 0; p < partitions; ++p) {
    std::error_code ec;
    std::filesystem::remove_all(partition_dir(st.cfg, args.name, p), ec);
  }
  spawn_partitions(self, slot, 0, partitions);
  CAFKA_INFO(component, "created topic " << args.name << " with " << partitions << " partitions");
  return ok;
}

caf::typed_response_promise<topic_result> delete_topic(node_self self, const std::string& name) {
  auto& st = self->state;
  auto rp = self->make_response_promise<topic_result>();
  auto i = st.topics.find(name);
  if (i == st.topics.end()) {
    rp.deliver(fail(errc::unknown_topic_or_partition, "This server does not host this topic."));
    return rp;
  }
  auto entry = std::move(i->second);
  st.topics.erase(i);
  if (auto ec = persist_topics(self)) {
    st.topics.emplace(name, std::move(entry));
    CAFKA_ERROR(component, "cannot persist deletion of " << name << ": " << ec.message());
    rp.deliver(fail(errc::storage_error, "cannot persist topic deletion: " + ec.message()));
    return rp;
  }
  // The shards go with their partitions (their groups lose their coordinator).
  if (name == offsets_topic_name)
    stop_group_shards(self, -1, caf::exit_reason::user_shutdown);
  // Until every partition has removed its directory the name stays reserved, so a quick
  // re-create cannot open a directory that is being deleted.
  st.deleting.insert(name);
  auto pending = std::make_shared<size_t>(0);
  auto finish = [self, rp, name, pending]() mutable {
    if (--*pending > 0)
      return;
    self->state.deleting.erase(name);
    CAFKA_INFO(component, "deleted topic " << name);
    topic_result r;
    rp.deliver(r);
  };
  *pending = entry.partitions.size() + 1; // +1: none finishes before all have started
  for (size_t p = 0; p < entry.partitions.size(); ++p)
    delete_partition(self, name, static_cast<int32_t>(p), entry.partitions[p], finish);
  finish();
  return rp;
}

void delete_partition(node_self self, const std::string& topic, int32_t partition,
                      const partition_actors& pa, std::function<void()> done) {
  if (!pa) {
    // Offline partition: no actor owns the directory, remove it here.
    std::error_code ec;
    std::filesystem::remove_all(partition_dir(self->state.cfg, topic, partition), ec);
    done();
    return;
  }
  self->request(pa.replica, log_request_timeout, delete_atom::value)
    .then(
      [done, topic, partition](errc ec) {
        if (ec != errc::none)
          CAFKA_ERROR(component, topic << "-" << partition << ": delete failed: " << to_string(ec));
        done();
      },
      [done, topic, partition](caf::error& err) {
        CAFKA_ERROR(component, topic << "-" << partition << ": delete failed: " << to_string(err));
        done();
      });
}

topic_result create_partitions(node_self self, const create_partitions_args& args) {
  auto& st = self->state;
  if (st.shutting_down)
    return fail(errc::request_timed_out, "broker is shutting down");
  auto i = st.topics.find(args.name);
  if (i == st.topics.end())
    return fail(errc::unknown_topic_or_partition, "The topic '" + args.name + "' does not exist.");
  auto& entry = i->second;
  auto current = entry.def.partitions;
  if (args.count == current)
    return fail(errc::invalid_partitions,
                "Topic already has " + std::to_string(current) + " partitions.");
  if (args.count < current)
    return fail(errc::invalid_partitions,
                "Topic currently has " + std::to_string(current)
                  + " partitions, which is higher than the requested " + std::to_string(args.count)
                  + ".");
  topic_result ok;
  ok.num_partitions = args.count;
  ok.replication_factor = entry.def.replication_factor;
  if (args.validate_only)
    return ok;
  entry.def.partitions = args.count;
  if (auto ec = persist_topics(self)) {
    entry.def.partitions = current;
    CAFKA_ERROR(component, "cannot persist partitions of " << args.name << ": " << ec.message());
    return fail(errc::storage_error, "cannot persist topic definition: " + ec.message());
  }
  for (int32_t p = current; p < args.count; ++p) {
    std::error_code ec;
    std::filesystem::remove_all(partition_dir(st.cfg, args.name, p), ec);
  }
  spawn_partitions(self, entry, current, args.count);
  CAFKA_INFO(component, "grew topic " << args.name << " to " << args.count << " partitions");
  return ok;
}

} // namespace cafka
