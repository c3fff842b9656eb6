#include "actors/topic_store.hpp"

#include "actors/atomic_file.hpp"

#include <cereal/archives/json.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <sstream>
#include <stdexcept>

namespace cafka {

template <class Archive>
void serialize(Archive& ar, topic_definition& x) {
  ar(cereal::make_nvp("name", x.name), cereal::make_nvp("id", x.id),
     cereal::make_nvp("partitions", x.partitions),
     cereal::make_nvp("replication_factor", x.replication_factor),
     cereal::make_nvp("leader_epoch", x.leader_epoch), cereal::make_nvp("configs", x.configs));
}

namespace {

constexpr uint32_t store_version = 1;

} // namespace

topic_map load_topic_store(const std::filesystem::path& dir) {
  auto path = dir / topic_store_file;
  std::error_code ec;
  auto text = read_file(path, ec);
  if (ec == std::errc::no_such_file_or_directory)
    return {};
  if (ec)
    throw std::runtime_error("cannot read " + path.string() + ": " + ec.message());
  uint32_t version = 0;
  std::vector<topic_definition> topics;
  try {
    std::istringstream in{text};
    cereal::JSONInputArchive ar{in};
    ar(cereal::make_nvp("version", version));
    if (version != store_version)
      throw std::runtime_error("unsupported version " + std::to_string(version));
    ar(cereal::make_nvp("topics", topics));
  } catch (const std::exception& e) {
    throw std::runtime_error("malformed " + path.string() + ": " + e.what());
  }
  topic_map result;
  for (auto& t : topics)
    result.emplace(t.name, std::move(t));
  return result;
}

std::error_code save_topic_store(const std::filesystem::path& dir, const topic_map& topics) {
  std::vector<topic_definition> list;
  list.reserve(topics.size());
  for (auto& [name, def] : topics)
    list.push_back(def);
  std::ostringstream out;
  {
    // The archive writes its closing brace in its destructor, hence the scope.
    cereal::JSONOutputArchive ar{out};
    ar(cereal::make_nvp("version", store_version), cereal::make_nvp("topics", list));
  }
  return write_file_atomically(dir / topic_store_file, out.str());
}

} // namespace cafka
