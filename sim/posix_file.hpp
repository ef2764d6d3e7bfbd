// Whole reads and writes on POSIX file descriptors, retried after signals:
// the journal, the run lock and the result file use them so that a short
// read or write is never taken for the whole.
#pragma once

#include <cstddef>
#include <string>

namespace trustsim {

// Reads until end of file or `max` bytes into `out`; false (errno set) on a read error.
bool read_up_to(int fd, std::size_t max, std::string& out);

// Writes all `size` bytes; false (errno set) on a write error (a full disk included).
bool write_fully(int fd, const void* data, std::size_t size);

// True when `path` (not following a final symbolic link) names the file open as `fd`.
bool names_open_file(const char* path, int fd);

}  // namespace trustsim
