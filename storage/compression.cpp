#include "storage/compression.hpp"

#include "storage/bytes.hpp"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

namespace cafka::storage {

namespace {

constexpr size_t mib = size_t{1} << 20;

std::error_code corrupt() noexcept {
  return errc::corrupt_message;
}

// Growing output for the streaming codecs. The buffer may grow to limit + 1 bytes: producing that
// spare byte is how output beyond the limit is detected without trusting a stream's end marker.
class sink {
public:
  sink(std::vector<char>& out, size_t limit, size_t hint) : out_(out), limit_(limit) {
    out_.clear();
    out_.resize(std::min(limit_ + 1, std::max<size_t>(hint, 64 * 1024)));
  }
  // Free space for the next chunk; false once the limit is exceeded.
  bool room(char*& p, size_t& n) {
    if (used_ > limit_)
      return false;
    if (used_ == out_.size()) {
      out_.resize(std::min(limit_ + 1, out_.size() * 2));
      if (used_ == out_.size())
        return false;
    }
    p = out_.data() + used_;
    n = out_.size() - used_;
    return true;
  }
  void produced(size_t n) noexcept { used_ += n; }
  std::error_code finish() {
    if (used_ > limit_)
      return corrupt();
    out_.resize(used_);
    return {};
  }

private:
  std::vector<char>& out_;
  size_t limit_;
  size_t used_ = 0;
};

std::error_code gunzip(const char* data, size_t size, std::vector<char>& out, size_t limit) {
  if (size > UINT_MAX)
    return corrupt();
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) // 15 + 32: gzip or zlib header, detected
    return corrupt();
  std::unique_ptr<z_stream, int (*)(z_stream*)> end{&zs, inflateEnd};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  zs.avail_in = static_cast<uInt>(size);
  sink s{out, limit, size * 4};
  for (;;) {
    char* p;
    size_t n;
    if (!s.room(p, n))
      return corrupt();
    zs.next_out = reinterpret_cast<Bytef*>(p);
    zs.avail_out = static_cast<uInt>(std::min<size_t>(n, UINT_MAX));
    uInt before = zs.avail_out;
    int rc = inflate(&zs, Z_NO_FLUSH);
    s.produced(before - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0)
        break;
      if (inflateReset(&zs) != Z_OK) // concatenated gzip members (gzip(1) allows them)
        return corrupt();
    } else if (rc != Z_OK || (zs.avail_in == 0 && zs.avail_out > 0)) {
      return corrupt(); // data error, or input ended before the stream did
    }
  }
  return s.finish();
}

std::error_code lz4_frame(const char* data, size_t size, std::vector<char>& out, size_t limit) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
    return corrupt();
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> ctx{raw, LZ4F_freeDecompressionContext};
  sink s{out, limit, size * 4};
  for (;;) {
    char* p;
    size_t n;
    if (!s.room(p, n))
      return corrupt();
    size_t dst = n, src = size;
    size_t hint = LZ4F_decompress(raw, p, &dst, data, &src, nullptr);
    if (LZ4F_isError(hint))
      return corrupt();
    data += src;
    size -= src;
    s.produced(dst);
    if (size == 0 && hint == 0) // frame complete and no further frame follows
      break;
    if ((size == 0 && dst < n) || (src == 0 && dst == 0))
      return corrupt(); // truncated frame, or no progress
  }
  return s.finish();
}

std::error_code zstd_frames(const char* data, size_t size, std::vector<char>& out, size_t limit) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx{ZSTD_createDCtx(), ZSTD_freeDCtx};
  if (!ctx)
    return corrupt();
  // The frame header may carry the content size (a pre-sizing hint only: it may be absent or lie).
  auto known = ZSTD_getFrameContentSize(data, size);
  if (known == ZSTD_CONTENTSIZE_ERROR)
    return corrupt();
  if (known != ZSTD_CONTENTSIZE_UNKNOWN && known > limit)
    return corrupt();
  sink s{out, limit, known == ZSTD_CONTENTSIZE_UNKNOWN ? size * 4 : static_cast<size_t>(known) + 1};
  ZSTD_inBuffer in{data, size, 0};
  for (;;) {
    char* p;
    size_t n;
    if (!s.room(p, n))
      return corrupt();
    ZSTD_outBuffer o{p, n, 0};
    size_t before = in.pos;
    size_t hint = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(hint))
      return corrupt();
    s.produced(o.pos);
    if (in.pos == in.size && hint == 0) // last frame complete and flushed
      break;
    if ((in.pos == in.size && o.pos < o.size) || (in.pos == before && o.pos == 0))
      return corrupt(); // truncated frame, or no progress
  }
  return s.finish();
}

// Appends one raw snappy block to out.
bool snappy_block(const char* data, size_t size, std::vector<char>& out, size_t limit) {
  size_t len;
  if (!snappy::GetUncompressedLength(data, size, &len) || len > limit - out.size())
    return false;
  size_t old = out.size();
  out.resize(old + len);
  return snappy::RawUncompress(data, size, out.data() + old);
}

// Java's xerial snappy-java stream: magic, version i32, compatible version i32, then blocks of
// [compressed length i32 BE][raw snappy block]. The Java client and kafka-python write it.
constexpr char xerial_magic[8] = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
constexpr size_t xerial_header_size = 16;

std::error_code unsnappy(const char* data, size_t size, std::vector<char>& out, size_t limit) {
  out.clear();
  if (size < xerial_header_size || std::memcmp(data, xerial_magic, sizeof xerial_magic) != 0) {
    if (!snappy_block(data, size, out, limit)) // librdkafka: one raw block
      return corrupt();
    return {};
  }
  const char* p = data + xerial_header_size;
  const char* end = data + size;
  while (p != end) {
    if (end - p < 4)
      return corrupt();
    auto len = load_be<int32_t>(p);
    p += 4;
    if (len < 0 || len > end - p || !snappy_block(p, static_cast<size_t>(len), out, limit))
      return corrupt();
    p += len;
  }
  return {};
}

std::error_code gzip(const char* data, size_t size, std::vector<char>& out) {
  if (size > UINT_MAX)
    return errc::record_too_large;
  z_stream zs{};
  // 15 + 16: a gzip wrapper, as Kafka clients write (GZIPOutputStream).
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return errc::storage_error;
  std::unique_ptr<z_stream, int (*)(z_stream*)> end{&zs, deflateEnd};
  out.resize(deflateBound(&zs, static_cast<uLong>(size)));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
    return errc::storage_error;
  out.resize(zs.total_out);
  return {};
}

std::error_code lz4(const char* data, size_t size, std::vector<char>& out) {
  // What the Java client writes: 64 KiB independent blocks, no checksums, no content size.
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  out.resize(LZ4F_compressFrameBound(size, &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), data, size, &prefs);
  if (LZ4F_isError(n))
    return errc::storage_error;
  out.resize(n);
  return {};
}

std::error_code zstd(const char* data, size_t size, std::vector<char>& out) {
  out.resize(ZSTD_compressBound(size));
  size_t n = ZSTD_compress(out.data(), out.size(), data, size, ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n))
    return errc::storage_error;
  out.resize(n);
  return {};
}

} // namespace

size_t default_decompress_limit(size_t compressed_size) noexcept {
  size_t x64 = compressed_size > 256 * mib / 64 ? 256 * mib : compressed_size * 64;
  return std::clamp(x64, mib, 256 * mib);
}

std::error_code decompress(int codec, const char* data, size_t size, std::vector<char>& out,
                           size_t limit) {
  if (limit == 0)
    limit = default_decompress_limit(size);
  switch (codec) {
    case codec::none:
      out.assign(data, data + size);
      return {};
    case codec::gzip:
      return gunzip(data, size, out, limit);
    case codec::snappy:
      return unsnappy(data, size, out, limit);
    case codec::lz4:
      return lz4_frame(data, size, out, limit);
    case codec::zstd:
      return zstd_frames(data, size, out, limit);
    default:
      return errc::invalid_record;
  }
}

std::error_code compress(int codec, const char* data, size_t size, std::vector<char>& out) {
  switch (codec) {
    case codec::none:
      out.assign(data, data + size);
      return {};
    case codec::gzip:
      return gzip(data, size, out);
    case codec::snappy: { // one raw block, as librdkafka writes; Java and kafka-python read it
      out.resize(snappy::MaxCompressedLength(size));
      size_t n;
      snappy::RawCompress(data, size, out.data(), &n);
      out.resize(n);
      return {};
    }
    case codec::lz4:
      return lz4(data, size, out);
    case codec::zstd:
      return zstd(data, size, out);
    default:
      return errc::invalid_record;
  }
}

} // namespace cafka::storage
