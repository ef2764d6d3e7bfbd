// Whole reads and writes on POSIX file descriptors (see posix_file.hpp).
#include "posix_file.hpp"

#include <cerrno>
#include <cstdint>

#include <sys/stat.h>
#include <unistd.h>

namespace trustsim {

bool read_up_to(int fd, std::size_t max, std::string& out) {
  out.assign(max, '\0');
  std::size_t got = 0;
  while (got < max) {
    const ssize_t n = ::read(fd, out.data() + got, max - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return true;
}

bool write_fully(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool names_open_file(const char* path, int fd) {
  struct stat by_path {};
  struct stat by_fd {};
  return ::lstat(path, &by_path) == 0 && ::fstat(fd, &by_fd) == 0 &&
         by_path.st_dev == by_fd.st_dev && by_path.st_ino == by_fd.st_ino;
}

}  // namespace trustsim
