#include "storage/offset_checkpoint.hpp"

#include "storage/errc.hpp"
#include "storage/file.hpp"

#include <fstream>
#include <string>

namespace cafka::storage {

namespace fs = std::filesystem;

int64_t read_offset_checkpoint(const fs::path& path, std::error_code& ec) {
  ec.clear();
  if (!fs::exists(path, ec))
    return -1;
  std::ifstream in(path);
  int version = -1;
  int64_t offset = -1;
  if (!(in >> version >> offset) || version != 0 || offset < 0) {
    ec = errc::storage_error;
    return -1;
  }
  return offset;
}

std::error_code write_offset_checkpoint(const fs::path& path, int64_t offset) {
  return write_checkpoint_text(path, "0\n" + std::to_string(offset) + "\n", true);
}

std::error_code write_checkpoint_text(const fs::path& path, const std::string& text,
                                      bool durable) {
  auto tmp = fs::path{path} += ".tmp";
  std::error_code ec;
  {
    auto f = file::open(tmp, true, ec);
    if (ec)
      return ec;
    if ((ec = f.truncate(0)) || (ec = f.write_at(text.data(), text.size(), 0))
        || (durable && (ec = f.datasync())))
      return ec;
  }
  if ((ec = rename_file(tmp, path)))
    return ec;
  return durable ? sync_dir(path.parent_path()) : std::error_code{};
}

} // namespace cafka::storage
