#pragma once
// Codecs of record batch payloads (attributes bits 0-2): the bytes after the 61-byte header of a
// compressed batch are the compressed concatenation of its records. Formats are those real
// clients write: gzip stream, snappy (raw block as librdkafka writes it, or the xerial framing
// of the Java client and kafka-python), LZ4 frame, zstd frame(s).
#include "storage/errc.hpp"

#include <cstddef>
#include <system_error>
#include <vector>

namespace cafka::storage {

namespace codec {
constexpr int none = 0;
constexpr int gzip = 1;
constexpr int snappy = 2;
constexpr int lz4 = 3;
constexpr int zstd = 4;
} // namespace codec

// Default cap on decompressed bytes (decompression bombs): 64 x the input, but at least 1 MiB so
// small, very repetitive batches still decode, and never more than 256 MiB.
size_t default_decompress_limit(size_t compressed_size) noexcept;

// Replaces out with the decompressed bytes. corrupt_message on any codec error or when the
// output would exceed limit (0: default_decompress_limit(size)); invalid_record for an unknown
// codec (5-7). codec::none copies.
std::error_code decompress(int codec, const char* data, size_t size, std::vector<char>& out,
                           size_t limit = 0);

// Replaces out with data compressed by codec (gzip stream, raw snappy block, LZ4 frame, zstd
// frame; default levels). invalid_record for an unknown codec; codec::none copies.
std::error_code compress(int codec, const char* data, size_t size, std::vector<char>& out);

} // namespace cafka::storage
