// Encoding of the cluster metadata records (format in cluster_records.hpp).
#include "actors/cluster_records.hpp"

#include "actors/overload.hpp"
#include "storage/errc.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include <sstream>

namespace cafka::cluster {

template <class Archive>
void serialize(Archive& ar, register_broker& x) {
  ar(x.id, x.epoch, x.host, x.port, x.endpoint);
}
template <class Archive>
void serialize(Archive& ar, broker_fenced& x) {
  ar(x.id, x.epoch);
}
template <class Archive>
void serialize(Archive& ar, broker_unfenced& x) {
  ar(x.id, x.epoch);
}
template <class Archive>
void serialize(Archive& ar, topic_record& x) {
  ar(x.name, x.id, x.configs);
}
template <class Archive>
void serialize(Archive& ar, partition_record& x) {
  ar(x.topic, x.partition, x.replicas, x.isr, x.leader, x.leader_epoch, x.partition_epoch);
}
template <class Archive>
void serialize(Archive& ar, partition_change& x) {
  ar(x.topic, x.partition, x.leader, x.isr);
}
template <class Archive>
void serialize(Archive& ar, remove_topic& x) {
  ar(x.name);
}

namespace {

constexpr uint8_t record_version = 0;

} // namespace

std::string ids(const std::vector<broker_id>& xs) {
  std::string out = "[";
  for (size_t i = 0; i < xs.size(); ++i)
    out += (i ? "," : "") + std::to_string(xs[i]);
  return out + "]";
}

std::vector<char> encode(const std::vector<record>& r) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar{out};
    ar(record_version, r);
  }
  auto s = out.str();
  return {s.begin(), s.end()};
}

std::optional<std::vector<record>> decode(const char* data, size_t size, std::error_code& ec) {
  ec.clear();
  try {
    std::istringstream in{std::string{data, size}};
    cereal::PortableBinaryInputArchive ar{in};
    uint8_t version = 0;
    ar(version);
    if (version != record_version) {
      ec = errc::invalid_record;
      return std::nullopt;
    }
    std::vector<record> r;
    ar(r);
    if (in.peek() != std::char_traits<char>::eof()) {
      ec = errc::invalid_record; // trailing bytes: not one record
      return std::nullopt;
    }
    return r;
  } catch (const std::exception&) { // cereal throws on short or garbled input
    ec = errc::invalid_record;
    return std::nullopt;
  }
}

std::string to_string(const record& r) {
  return std::visit(
    overload{
      [](const register_broker& x) {
        return "RegisterBroker(id=" + std::to_string(x.id) + ", epoch=" + std::to_string(x.epoch)
               + ", listener=" + x.host + ":" + std::to_string(x.port) + ", endpoint="
               + x.endpoint + ")";
      },
      [](const broker_fenced& x) {
        return "BrokerFenced(id=" + std::to_string(x.id) + ", epoch=" + std::to_string(x.epoch)
               + ")";
      },
      [](const broker_unfenced& x) {
        return "BrokerUnfenced(id=" + std::to_string(x.id) + ", epoch="
               + std::to_string(x.epoch) + ")";
      },
      [](const topic_record& x) {
        return "Topic(name=" + x.name + ", id=" + x.id + ", configs="
               + std::to_string(x.configs.size()) + ")";
      },
      [](const partition_record& x) {
        return "Partition(" + x.topic + "-" + std::to_string(x.partition) + ", replicas="
               + ids(x.replicas) + ", isr=" + ids(x.isr) + ", leader=" + std::to_string(x.leader)
               + ", leader_epoch=" + std::to_string(x.leader_epoch) + ", partition_epoch="
               + std::to_string(x.partition_epoch) + ")";
      },
      [](const partition_change& x) {
        return "PartitionChange(" + x.topic + "-" + std::to_string(x.partition)
               + (x.leader ? ", leader=" + std::to_string(*x.leader) : std::string{})
               + (x.isr ? ", isr=" + ids(*x.isr) : std::string{}) + ")";
      },
      [](const remove_topic& x) { return "RemoveTopic(" + x.name + ")"; },
    },
    r);
}

} // namespace cafka::cluster
