// The resume journal (see include/trustsim/journal.hpp).
//
// Layout: a text header ("trustsim resume journal 1", the run identity
// lines, a blank line), then records: 4-byte magic, 8-byte payload length,
// the payload (encode_task), and the payload's SHA-256 in hex (64 bytes).
#include "trustsim/journal.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "trustsim/errors.hpp"
#include "trustsim/sha256.hpp"

namespace trustsim {
namespace {

constexpr std::string_view kHeaderLine = "trustsim resume journal 1\n";
constexpr std::uint32_t kRecordMagic = 0x4A525354;  // "TSRJ" little-endian
constexpr std::size_t kDigestSize = 64;

void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& path) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw RunError(fmt::format("cannot write the resume journal '{}': {}", path.string(),
                                 std::strerror(errno)));
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void sync(int fd, const std::filesystem::path& path) {
  if (::fdatasync(fd) != 0)
    throw RunError(fmt::format("cannot flush the resume journal '{}': {}", path.string(),
                               std::strerror(errno)));
}

// The header's identity lines, one "key=value" per line.
std::string header_text(const std::string& identity) {
  return std::string(kHeaderLine) + identity + "\n";
}

// Says which identity line differs, for the refusal message.
std::string describe_difference(const std::string& recorded, const std::string& current) {
  std::istringstream a(recorded), b(current);
  std::string la, lb;
  while (std::getline(b, lb)) {
    if (!std::getline(a, la)) la.clear();
    if (la != lb) {
      const auto key = lb.substr(0, lb.find('='));
      return fmt::format("its {} is {} but this run's is {}", key,
                         la.empty() ? "missing" : la.substr(la.find('=') + 1),
                         lb.substr(lb.find('=') + 1));
    }
  }
  return "its header differs";
}

}  // namespace

std::filesystem::path journal_path(const std::filesystem::path& output) {
  return output.string() + ".journal";
}

ResumeJournal ResumeJournal::create(const std::filesystem::path& path,
                                    const std::string& identity) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw RunError(fmt::format("cannot create the resume journal '{}': {}", path.string(),
                               std::strerror(errno)));
  ResumeJournal journal(path, fd);
  const auto header = header_text(identity);
  write_all(fd, header.data(), header.size(), path);
  sync(fd, path);
  return journal;
}

ResumeJournal ResumeJournal::resume(const std::filesystem::path& path, const std::string& identity,
                                    FinishedTasks& finished) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(fmt::format(
        "nothing to resume: there is no journal '{}' (it is written while a run is in progress "
        "and removed when its result file is complete)",
        path.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto expected = header_text(identity);
  const auto header_end = bytes.find("\n\n");
  if (!bytes.starts_with(kHeaderLine) || header_end == std::string::npos)
    throw InputError(
        fmt::format("cannot resume: '{}' is not a trustsim resume journal", path.string()));
  const auto recorded = bytes.substr(0, header_end + 2);
  if (recorded != expected)
    throw InputError(fmt::format(
        "cannot resume: the journal '{}' belongs to a different run: {}; run again without "
        "--resume (with --force to discard the journal) to start over",
        path.string(), describe_difference(recorded.substr(kHeaderLine.size()), identity)));

  // Records up to the first torn or corrupt one.
  std::size_t at = recorded.size();
  std::size_t good_end = at;
  while (bytes.size() - at >= 12) {
    std::uint32_t magic;
    std::uint64_t length;
    std::memcpy(&magic, bytes.data() + at, 4);
    std::memcpy(&length, bytes.data() + at + 4, 8);
    if (magic != kRecordMagic || length > bytes.size() - at - 12 ||
        bytes.size() - at - 12 - length < kDigestSize)
      break;
    const std::string_view payload(bytes.data() + at + 12, length);
    const std::string_view digest(bytes.data() + at + 12 + length, kDigestSize);
    if (sha256_hex(payload) != digest) break;
    auto task =
        decode_task({reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()});
    finished.emplace(task.task_id, std::move(task));
    at += 12 + length + kDigestSize;
    good_end = at;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(good_end)) != 0 ||
      ::lseek(fd, 0, SEEK_END) < 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw RunError(fmt::format("cannot reopen the resume journal '{}': {}", path.string(),
                               std::strerror(err)));
  }
  return ResumeJournal(path, fd);
}

ResumeJournal::ResumeJournal(ResumeJournal&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

ResumeJournal::~ResumeJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void ResumeJournal::append(const TaskRun& task) {
  const auto payload = encode_task(task);
  const auto digest = sha256_hex({reinterpret_cast<const char*>(payload.data()), payload.size()});
  std::string record(12, '\0');
  const std::uint64_t length = payload.size();
  std::memcpy(record.data(), &kRecordMagic, 4);
  std::memcpy(record.data() + 4, &length, 8);
  record.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  record += digest;
  write_all(fd_, record.data(), record.size(), path_);
  sync(fd_, path_);
}

void ResumeJournal::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

}  // namespace trustsim
