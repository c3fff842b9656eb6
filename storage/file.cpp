#include "storage/file.hpp"

#include "storage/fault_injection.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <utility>

namespace cafka::storage {

namespace {

using fault_injection::op;

// What a mutating call returns at and after an injected crash point (fault_injection.hpp).
std::error_code crashed() noexcept {
  return std::make_error_code(std::errc::io_error);
}

} // namespace

std::error_code last_os_error() noexcept {
  return {errno, std::generic_category()};
}

file& file::operator=(file&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.release();
  }
  return *this;
}

file file::open(const std::filesystem::path& p, bool create, std::error_code& ec) noexcept {
  int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
  if (create && fault_injection::hit(op::create)) {
    ec = crashed();
    return file{};
  }
  int fd;
  do
    fd = ::open(p.c_str(), flags, 0644);
  while (fd < 0 && errno == EINTR);
  ec = fd < 0 ? last_os_error() : std::error_code{};
  return file{fd};
}

int file::release() noexcept {
  return std::exchange(fd_, -1);
}

void file::close() noexcept {
  if (fd_ >= 0)
    ::close(std::exchange(fd_, -1));
}

std::error_code file::size(uint64_t& out) const noexcept {
  struct stat st;
  if (::fstat(fd_, &st) != 0)
    return last_os_error();
  out = static_cast<uint64_t>(st.st_size);
  return {};
}

std::error_code file::read_at(void* buf, size_t n, uint64_t pos) const noexcept {
  auto p = static_cast<char*>(buf);
  while (n > 0) {
    auto r = ::pread(fd_, p, n, static_cast<off_t>(pos));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return last_os_error();
    if (r == 0)
      return std::make_error_code(std::errc::io_error); // file shorter than expected
    p += r;
    n -= static_cast<size_t>(r);
    pos += static_cast<uint64_t>(r);
  }
  return {};
}

std::error_code file::write_at(const void* buf, size_t n, uint64_t pos) noexcept {
  return write_at(buf, n, nullptr, 0, pos);
}

std::error_code file::write_at(const void* a, size_t na, const void* b, size_t nb,
                               uint64_t pos) noexcept {
  if (fault_injection::hit(op::write)) {
    if (fault_injection::tear_this_write()) { // a kill -9 in the middle of the copy
      auto half = (na + nb) / 2;
      [[maybe_unused]] auto r = ::pwrite(fd_, a, std::min(na, half), static_cast<off_t>(pos));
      if (half > na)
        r = ::pwrite(fd_, b, half - na, static_cast<off_t>(pos + na));
    }
    return crashed();
  }
  iovec parts[2] = {{const_cast<void*>(a), na}, {const_cast<void*>(b), nb}};
  iovec* next = parts;
  int count = 2;
  while (count > 0) {
    auto r = ::pwritev(fd_, next, count, static_cast<off_t>(pos));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return last_os_error();
    pos += static_cast<uint64_t>(r);
    auto done = static_cast<size_t>(r);
    // Skip what was written: whole parts, then into the first unfinished one.
    while (count > 0 && done >= next->iov_len) {
      done -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + done;
      next->iov_len -= done;
    }
  }
  return {};
}

std::error_code file::truncate(uint64_t size) noexcept {
  if (fault_injection::hit(op::truncate))
    return crashed();
  return ::ftruncate(fd_, static_cast<off_t>(size)) == 0 ? std::error_code{} : last_os_error();
}

namespace {
std::atomic<uint64_t> syncs{0}; // see sync_calls()
} // namespace

uint64_t sync_calls() noexcept {
  return syncs.load(std::memory_order_relaxed);
}

std::error_code file::datasync() noexcept {
  if (fault_injection::hit(op::sync))
    return crashed();
  syncs.fetch_add(1, std::memory_order_relaxed);
  return ::fdatasync(fd_) == 0 ? std::error_code{} : last_os_error();
}

std::error_code sync_dir(const std::filesystem::path& dir) noexcept {
  if (fault_injection::hit(op::sync_dir))
    return crashed();
  syncs.fetch_add(1, std::memory_order_relaxed);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return last_os_error();
  std::error_code ec;
  if (::fsync(fd) != 0)
    ec = last_os_error();
  ::close(fd);
  return ec;
}

mapping::mapping(mapping&& other) noexcept
  : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

mapping& mapping::operator=(mapping&& other) noexcept {
  if (this != &other) {
    unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

std::error_code mapping::map(int fd, size_t size) noexcept {
  unmap();
  if (fault_injection::hit(op::truncate))
    return crashed();
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
    return last_os_error();
  if (size == 0)
    return {};
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    return last_os_error();
  data_ = static_cast<char*>(p);
  size_ = size;
  return {};
}

void mapping::unmap() noexcept {
  if (data_)
    ::munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

std::error_code mapping::sync() noexcept {
  if (data_ && fault_injection::hit(op::sync))
    return crashed();
  if (data_)
    syncs.fetch_add(1, std::memory_order_relaxed);
  if (data_ && ::msync(data_, size_, MS_SYNC) != 0)
    return last_os_error();
  return {};
}

} // namespace cafka::storage

namespace cafka::storage {

std::error_code rename_file(const std::filesystem::path& from,
                            const std::filesystem::path& to) noexcept {
  if (fault_injection::hit(op::rename))
    return crashed();
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  return ec;
}

std::error_code remove_file(const std::filesystem::path& p) noexcept {
  if (fault_injection::hit(op::remove))
    return crashed();
  std::error_code ec;
  std::filesystem::remove(p, ec);
  return ec;
}

} // namespace cafka::storage
