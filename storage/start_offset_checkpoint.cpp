#include "storage/start_offset_checkpoint.hpp"

#include "storage/errc.hpp"
#include "storage/file.hpp"

#include <fstream>
#include <string>

namespace cafka::storage {

namespace fs = std::filesystem;

int64_t read_start_offset(const fs::path& dir, std::error_code& ec) {
  ec.clear();
  auto path = dir / start_offset_file;
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

std::error_code write_start_offset(const fs::path& dir, int64_t offset) {
  auto tmp = dir / (std::string{start_offset_file} + ".tmp");
  std::error_code ec;
  auto text = "0\n" + std::to_string(offset) + "\n";
  {
    auto f = file::open(tmp, true, ec);
    if (ec)
      return ec;
    if ((ec = f.truncate(0)) || (ec = f.write_at(text.data(), text.size(), 0))
        || (ec = f.datasync()))
      return ec;
  }
  fs::rename(tmp, dir / start_offset_file, ec);
  if (ec)
    return ec;
  return sync_dir(dir);
}

} // namespace cafka::storage
