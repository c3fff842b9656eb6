#include "net/protocol/header.hpp"

#include <limits>
#include <stdexcept>

#include "net/protocol/api_key.hpp"

namespace cafka::protocol {

int16_t flexible_from(int16_t api_key) {
  return first_flexible_version(api_key);
}

bool is_flexible(int16_t api_key, int16_t api_version) {
  auto first = flexible_from(api_key);
  return first >= 0 && api_version >= first;
}

request_header decode_request_header(reader& r) {
  request_header h;
  h.api_key = r.read_int16();
  h.api_version = r.read_int16();
  h.correlation_id = r.read_int32();
  h.client_id = r.read_nullable_string();
  if (is_flexible(h.api_key, h.api_version))
    r.skip_tagged_fields();
  return h;
}

void write_request_header(writer& w, const request_header& h) {
  w.write_int16(h.api_key);
  w.write_int16(h.api_version);
  w.write_int32(h.correlation_id);
  w.write_nullable_string(h.client_id);
  if (is_flexible(h.api_key, h.api_version))
    w.write_empty_tagged_fields();
}

void write_response_header(writer& w, const request_header& h) {
  w.write_int32(h.correlation_id);
  if (h.api_key != static_cast<int16_t>(api_key::api_versions)
      && is_flexible(h.api_key, h.api_version))
    w.write_empty_tagged_fields();
}

void patch_frame_size(std::vector<char>& frame, size_t spliced) {
  if (frame.size() < 4)
    throw std::invalid_argument("patch_frame_size: frame shorter than its size prefix");
  auto size = frame.size() - 4 + spliced;
  if (size > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw std::invalid_argument("patch_frame_size: frame too large");
  for (int i = 0; i < 4; ++i)
    frame[i] = static_cast<char>((size >> (8 * (3 - i))) & 0xff);
}

} // namespace cafka::protocol
