#include "storage/mapped_file.hpp"

#include "storage/file.hpp"

#include <sys/mman.h>

namespace cafka::storage {

std::shared_ptr<const mapped_file> mapped_file::map(int fd, size_t length, std::error_code& ec) {
  void* p = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    ec = last_os_error();
    return nullptr;
  }
  ec = {};
  return std::shared_ptr<const mapped_file>{new mapped_file(static_cast<const char*>(p), length)};
}

mapped_file::~mapped_file() {
  ::munmap(const_cast<char*>(data_), length_);
}

} // namespace cafka::storage
