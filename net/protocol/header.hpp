// Kafka request and response headers, and the frame size prefix.
//
// Request header v1: api_key int16, api_version int16, correlation_id int32, client_id nullable
// string (never compact). v2 (flexible API versions) appends a tagged-field section.
// Response header v0: correlation_id int32; v1 (flexible versions) appends tagged fields.
// Exception: ApiVersions responses always use header v0, so that a client that does not know the
// broker's versions can still parse the reply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/protocol/wire.hpp"

namespace cafka::protocol {

struct request_header {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

/// First flexible version of `api_key`, or -1 when the key is unknown or never flexible.
int16_t flexible_from(int16_t api_key);

/// Whether `api_version` of `api_key` uses flexible encodings (and header v2 / v1).
bool is_flexible(int16_t api_key, int16_t api_version);

/// Decodes a request header (after the 4-byte frame size): v1, or v2 when the API version is
/// flexible. Unknown API keys are decoded as v1.
request_header decode_request_header(reader& r);

/// Encodes a request header (client side / tests): v1 or v2 as for decoding.
void write_request_header(writer& w, const request_header& h);

/// Writes the response header for a reply to `h`: v0 (correlation id) or v1 (plus empty tagged
/// fields) when the request's API version is flexible; ApiVersions always uses v0.
void write_response_header(writer& w, const request_header& h);

/// Writes frame.size() - 4 + spliced big-endian into bytes [0, 4) of a frame whose first four
/// bytes were reserved for the size; `spliced`: bytes of slices the writer kept out of the frame
/// buffer (writer::splices). Throws std::invalid_argument for frames shorter than 4 bytes.
void patch_frame_size(std::vector<char>& frame, size_t spliced = 0);

} // namespace cafka::protocol
