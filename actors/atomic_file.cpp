#include "actors/atomic_file.hpp"

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace cafka {

namespace {

std::error_code last_error() {
  return {errno, std::generic_category()};
}

std::error_code fsync_path(const std::filesystem::path& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0)
    return last_error();
  std::error_code ec;
  if (::fsync(fd) != 0)
    ec = last_error();
  ::close(fd);
  return ec;
}

} // namespace

std::error_code write_file_atomically(const std::filesystem::path& path,
                                      const std::string& contents) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return last_error();
  const char* p = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    auto n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      auto ec = last_error();
      ::close(fd);
      return ec;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  // Data must be on disk before the rename publishes it, else a crash can leave an empty file.
  if (::fsync(fd) != 0) {
    auto ec = last_error();
    ::close(fd);
    return ec;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return last_error();
  auto dir = path.parent_path();
  return fsync_path(dir.empty() ? std::filesystem::path{"."} : dir, O_RDONLY | O_DIRECTORY);
}

std::string read_file(const std::filesystem::path& path, std::error_code& ec) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    ec = std::error_code{errno ? errno : ENOENT, std::generic_category()};
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  ec.clear();
  return out.str();
}

} // namespace cafka
