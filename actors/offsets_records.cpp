// __consumer_offsets record codec (see offsets_records.hpp). Keys and values are Kafka's own
// schemas from the generated protocol library, each prefixed by its int16 schema version, so the
// partition's bytes stay readable by Kafka's tools (kafka-console-consumer's offsets formatter).
#include "actors/offsets_records.hpp"

#include "net/protocol/generated/group_metadata_key.hpp"
#include "net/protocol/generated/group_metadata_value.hpp"
#include "net/protocol/generated/offset_commit_key.hpp"
#include "net/protocol/generated/offset_commit_value.hpp"

#include <optional>

namespace cafka {

namespace {

namespace proto = cafka::protocol;

// The versions cafka writes: what Kafka 3.x writes for the same data.
constexpr int16_t offset_key_version = 1;
constexpr int16_t group_key_version = 2;
constexpr int16_t offset_value_version = 3;
constexpr int16_t group_value_version = 3;

template <class T>
std::vector<char> versioned(const T& x, int16_t version) {
  std::vector<char> out;
  proto::writer w{out};
  w.write_int16(version);
  x.encode(w, version);
  return out;
}

// Kafka writes null for an absent instance id, protocol or leader; cafka keeps them as "".
std::optional<std::string> null_if_empty(const std::string& s) {
  if (s.empty())
    return std::nullopt;
  return s;
}

proto::offset_commit_key offset_key(const std::string& group, const std::string& topic,
                                    int32_t partition) {
  proto::offset_commit_key k;
  k.group = group;
  k.topic = topic;
  k.partition = partition;
  return k;
}

proto::group_metadata_key group_key(const std::string& group) {
  proto::group_metadata_key k;
  k.group = group;
  return k;
}

offsets_record tombstone(std::vector<char> key) {
  offsets_record r;
  r.key = std::move(key);
  r.tombstone = true;
  return r;
}

stored_group to_stored(std::string group_id, const proto::group_metadata_value& v) {
  stored_group g;
  g.group_id = std::move(group_id);
  g.protocol_type = v.protocol_type;
  g.generation = v.generation;
  g.protocol = v.protocol.value_or("");
  g.leader = v.leader.value_or("");
  g.state_timestamp = v.current_state_timestamp;
  for (auto& m : v.members) {
    stored_member sm;
    sm.member_id = m.member_id;
    sm.group_instance_id = m.group_instance_id.value_or("");
    sm.client_id = m.client_id;
    sm.client_host = m.client_host;
    sm.rebalance_timeout_ms = m.rebalance_timeout;
    sm.session_timeout_ms = m.session_timeout;
    sm.subscription = m.subscription;
    sm.assignment = m.assignment;
    g.members.push_back(std::move(sm));
  }
  return g;
}

// Appends the UTF-16 code units of one code point to Java's running String.hashCode.
void hash_code_point(uint32_t& h, uint32_t cp) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    h = 31 * h + (0xD800 + (cp >> 10));
    h = 31 * h + (0xDC00 + (cp & 0x3FF));
  } else {
    h = 31 * h + cp;
  }
}

// Java's String.hashCode of the group id as Kafka decoded it from the wire (UTF-8; a malformed
// sequence becomes U+FFFD, as Java's decoder does).
int32_t java_hash_code(const std::string& s) {
  constexpr uint32_t replacement = 0xFFFD;
  uint32_t h = 0; // unsigned: wraps like Java's int arithmetic, without undefined behaviour
  size_t i = 0;
  auto byte = [&](size_t j) { return static_cast<uint8_t>(s[j]); };
  while (i < s.size()) {
    uint8_t b = byte(i);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 1) {
      hash_code_point(h, b);
      ++i;
      continue;
    }
    bool ok = len != 0 && i + len <= s.size();
    uint32_t cp = len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80)
        ok = false;
      else
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are malformed too.
    static constexpr uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < min_cp[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF))
      ok = false;
    hash_code_point(h, ok ? cp : replacement);
    i += ok ? len : 1;
  }
  return static_cast<int32_t>(h);
}

} // namespace

offsets_record encode(const stored_group& g) {
  proto::group_metadata_value v;
  v.protocol_type = g.protocol_type;
  v.generation = g.generation;
  v.protocol = null_if_empty(g.protocol);
  v.leader = null_if_empty(g.leader);
  v.current_state_timestamp = g.state_timestamp;
  for (auto& m : g.members) {
    proto::group_metadata_value::member_metadata mm;
    mm.member_id = m.member_id;
    mm.group_instance_id = null_if_empty(m.group_instance_id);
    mm.client_id = m.client_id;
    mm.client_host = m.client_host;
    mm.rebalance_timeout = m.rebalance_timeout_ms;
    mm.session_timeout = m.session_timeout_ms;
    mm.subscription = m.subscription;
    mm.assignment = m.assignment;
    v.members.push_back(std::move(mm));
  }
  offsets_record r;
  r.key = versioned(group_key(g.group_id), group_key_version);
  r.value = versioned(v, group_value_version);
  return r;
}

offsets_record encode(const stored_offset& o) {
  proto::offset_commit_value v;
  v.offset = o.offset;
  v.leader_epoch = o.leader_epoch;
  v.metadata = o.metadata;
  v.commit_timestamp = o.commit_timestamp;
  offsets_record r;
  r.key = versioned(offset_key(o.group_id, o.topic, o.partition), offset_key_version);
  r.value = versioned(v, offset_value_version);
  return r;
}

offsets_record encode(const group_tombstone& t) {
  return tombstone(versioned(group_key(t.group_id), group_key_version));
}

offsets_record encode(const offset_tombstone& t) {
  return tombstone(versioned(offset_key(t.group_id, t.topic, t.partition), offset_key_version));
}

std::error_code decode(const char* key, size_t key_size, const char* value, size_t value_size,
                       bool value_is_null, offsets_entry& out) {
  try {
    proto::reader kr{key, key_size};
    auto key_version = kr.read_int16();
    if (key_version == 0 || key_version == 1) {
      // OffsetCommitKey: v0 and v1 share one layout (v1 was written by old brokers too).
      proto::offset_commit_key k;
      k.decode(kr, key_version);
      if (value_is_null) {
        out = offset_tombstone{k.group, k.topic, k.partition};
        return {};
      }
      proto::reader vr{value, value_size};
      auto value_version = vr.read_int16();
      if (value_version < proto::offset_commit_value::min_version
          || value_version > proto::offset_commit_value::max_version)
        return errc::invalid_record;
      proto::offset_commit_value v;
      v.decode(vr, value_version);
      stored_offset o;
      o.group_id = std::move(k.group);
      o.topic = std::move(k.topic);
      o.partition = k.partition;
      o.offset = v.offset;
      o.leader_epoch = v.leader_epoch;
      o.metadata = std::move(v.metadata);
      o.commit_timestamp = v.commit_timestamp;
      out = std::move(o);
      return {};
    }
    if (key_version == 2) {
      proto::group_metadata_key k;
      k.decode(kr, key_version);
      if (value_is_null) {
        out = group_tombstone{k.group};
        return {};
      }
      proto::reader vr{value, value_size};
      auto value_version = vr.read_int16();
      if (value_version < proto::group_metadata_value::min_version
          || value_version > proto::group_metadata_value::max_version)
        return errc::invalid_record;
      proto::group_metadata_value v;
      v.decode(vr, value_version);
      out = to_stored(std::move(k.group), v);
      return {};
    }
    // Other key versions belong to record types cafka does not know (Kafka's newer coordinator
    // writes more); the caller skips them.
    return errc::invalid_record;
  } catch (const proto::decode_error&) {
    return errc::corrupt_message;
  }
}

int32_t offsets_partition_for(const std::string& group_id, int32_t partitions) {
  if (partitions <= 0)
    return 0;
  auto h = java_hash_code(group_id);
  // Kafka's Utils.abs: Integer.MIN_VALUE maps to 0 (Math.abs would stay negative).
  int32_t abs = h == INT32_MIN ? 0 : (h < 0 ? -h : h);
  return abs % partitions;
}

} // namespace cafka
