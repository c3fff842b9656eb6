#pragma once
// Thin POSIX file helpers: an owning descriptor, full-length pread/pwrite (retrying short
// transfers and EINTR), and a shared read-write memory mapping that can be resized.
// Every mutating call checks the test-only crash hook first (fault_injection.hpp).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <system_error>

namespace cafka::storage {

std::error_code last_os_error() noexcept; // errno as a std::error_code

// fdatasync, msync and directory fsync calls made by this process so far (all threads). Tests
// use it to prove a code path does not sync; the log actor reports it in its DEBUG lines.
uint64_t sync_calls() noexcept;

class file {
public:
  file() = default;
  explicit file(int fd) noexcept : fd_(fd) {}
  file(file&& other) noexcept : fd_(other.release()) {}
  file& operator=(file&& other) noexcept;
  ~file() { close(); }

  // Opens read-write, creating the file when create is true.
  static file open(const std::filesystem::path& p, bool create, std::error_code& ec) noexcept;

  int fd() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void close() noexcept;

  std::error_code size(uint64_t& out) const noexcept;
  std::error_code read_at(void* buf, size_t n, uint64_t pos) const noexcept; // all n or error
  std::error_code write_at(const void* buf, size_t n, uint64_t pos) noexcept;
  // Writes a's na bytes and then b's nb bytes at pos with one gather write (pwritev).
  std::error_code write_at(const void* a, size_t na, const void* b, size_t nb,
                           uint64_t pos) noexcept;
  std::error_code truncate(uint64_t size) noexcept;
  std::error_code datasync() noexcept;

private:
  int fd_ = -1;
};

// fsync on a directory makes created, renamed and deleted entries durable.
std::error_code sync_dir(const std::filesystem::path& dir) noexcept;

// rename(2) and unlink(2) (a missing file is not an error). Storage renames and removes files
// only through these, so crash-point tests see every mutation (fault_injection.hpp).
std::error_code rename_file(const std::filesystem::path& from,
                            const std::filesystem::path& to) noexcept;
std::error_code remove_file(const std::filesystem::path& p) noexcept;

// A MAP_SHARED read-write mapping of a whole file; size 0 maps nothing.
class mapping {
public:
  mapping() = default;
  mapping(mapping&& other) noexcept;
  mapping& operator=(mapping&& other) noexcept;
  ~mapping() { unmap(); }

  // Resizes the file to size bytes (ftruncate) and maps all of it.
  std::error_code map(int fd, size_t size) noexcept;
  void unmap() noexcept;
  std::error_code sync() noexcept; // msync(MS_SYNC)

  char* data() const noexcept { return data_; }
  size_t size() const noexcept { return size_; }

private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

} // namespace cafka::storage
