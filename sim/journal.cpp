// The resume journal (see include/trustsim/journal.hpp).
//
// Layout: a text header ("trustsim resume journal 2", the run identity
// lines, "journal_id=<32 hex>", a blank line), then records: 4-byte magic,
// 8-byte payload length, the payload (the journal id's 32 hex digits, then
// encode_task's bytes), and the payload's SHA-256 in hex (64 bytes).
#include "trustsim/journal.hpp"

#include <cerrno>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "posix_file.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/run_lock.hpp"
#include "trustsim/sha256.hpp"

namespace trustsim {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHeaderLine = "trustsim resume journal 2\n";
constexpr std::string_view kIdKey = "journal_id=";
constexpr std::uint32_t kRecordMagic = 0x4A525354;  // "TSRJ" little-endian
constexpr std::size_t kDigestSize = 64;
constexpr std::size_t kIdSize = 32;

void write_all(int fd, const void* data, std::size_t size, const fs::path& path) {
  if (!write_fully(fd, data, size))
    throw RunError(fmt::format("cannot write the resume journal '{}': {}", path.string(),
                               std::strerror(errno)));
}

void sync(int fd, const fs::path& path) {
  if (::fdatasync(fd) != 0)
    throw RunError(fmt::format("cannot flush the resume journal '{}': {}", path.string(),
                               std::strerror(errno)));
}

// Makes a rename in `directory` durable.
void sync_directory(const fs::path& directory) {
  const int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string header_text(const std::string& identity, const std::string& id) {
  return fmt::format("{}{}{}{}\n\n", kHeaderLine, identity, kIdKey, id);
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

// A journal's bytes taken apart: the header's identity lines and id, and the records up to
// the first torn or corrupt one.
struct Parsed {
  bool header = false;   // a complete header
  std::string identity;  // the identity lines (without the id line)
  std::string id;
  std::vector<std::string_view> payloads;  // each record's payload, in order
  std::size_t good_end = 0;                // end of the last good record (or header)
};

Parsed parse(const std::string& bytes) {
  Parsed p;
  const auto header_end = bytes.find("\n\n");
  if (!bytes.starts_with(kHeaderLine) || header_end == std::string::npos) return p;
  const auto lines = bytes.substr(kHeaderLine.size(), header_end + 1 - kHeaderLine.size());
  const auto id_at = lines.rfind(kIdKey);
  if (id_at == std::string::npos || (id_at > 0 && lines[id_at - 1] != '\n')) return p;
  p.identity = lines.substr(0, id_at);
  p.id = lines.substr(id_at + kIdKey.size());
  if (!p.id.empty() && p.id.back() == '\n') p.id.pop_back();
  if (p.id.size() != kIdSize) return p;
  p.header = true;
  std::size_t at = header_end + 2;
  p.good_end = at;
  while (bytes.size() - at >= 12) {
    std::uint32_t magic;
    std::uint64_t length;
    std::memcpy(&magic, bytes.data() + at, 4);
    std::memcpy(&length, bytes.data() + at + 4, 8);
    if (magic != kRecordMagic || length > bytes.size() - at - 12 ||
        bytes.size() - at - 12 - length < kDigestSize || length < kIdSize)
      break;
    const std::string_view payload(bytes.data() + at + 12, length);
    const std::string_view digest(bytes.data() + at + 12 + length, kDigestSize);
    if (sha256_hex(payload) != digest) break;
    p.payloads.push_back(payload);
    at += 12 + length + kDigestSize;
    p.good_end = at;
  }
  return p;
}

// Reads a journal without following links or blocking on a FIFO; InputError if it is not
// a regular file.
std::string read_journal(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      throw InputError(fmt::format(
          "nothing to resume: there is no journal '{}' (it is written while a run is in "
          "progress and removed when its result file is complete)",
          path.string()));
    if (errno == ELOOP) refuse_linked_journal(path);
    throw InputError(
        fmt::format("cannot read the journal '{}': {}", path.string(), std::strerror(errno)));
  }
  struct stat info {};
  std::string bytes;
  const bool regular = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
  if (regular) read_up_to(fd, static_cast<std::size_t>(info.st_size), bytes);
  ::close(fd);
  if (!regular)
    throw InputError(
        fmt::format("'{}' is not a regular file: remove it or write the results "
                    "elsewhere with -o",
                    path.string()));
  return bytes;
}

}  // namespace

fs::path journal_path(const fs::path& output) { return output.string() + ".journal"; }

void refuse_linked_journal(const fs::path& path) {
  throw InputError(fmt::format(
      "'{}' is a symbolic link; trustsim does not follow links for its journal: remove it or "
      "write the results elsewhere with -o",
      path.string()));
}

JournalState inspect_journal(const fs::path& path) {
  JournalState state;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return state;
  state.exists = true;
  state.symlink = S_ISLNK(info.st_mode);
  state.regular = S_ISREG(info.st_mode);
  if (!state.regular) return state;
  try {
    state.records = parse(read_journal(path)).payloads.size();
  } catch (const InputError&) {
    state.regular = false;  // replaced by something else meanwhile
  }
  return state;
}

ResumeJournal ResumeJournal::create(const fs::path& path, const std::string& identity) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0 && S_ISLNK(info.st_mode)) refuse_linked_journal(path);
  const std::string id = random_run_id();
  const fs::path staged =
      path.parent_path() / fmt::format(".{}.{}", path.filename().string(), id.substr(0, 16));
  const int fd = ::open(staged.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    throw RunError(fmt::format("cannot create the resume journal '{}': {}", staged.string(),
                               std::strerror(errno)));
  ResumeJournal journal(path, fd, id);
  try {
    const auto header = header_text(identity, id);
    write_all(fd, header.data(), header.size(), staged);
    sync(fd, staged);
    if (::rename(staged.c_str(), path.c_str()) != 0)
      throw RunError(fmt::format("cannot move the resume journal into place at '{}': {}",
                                 path.string(), std::strerror(errno)));
  } catch (...) {
    ::unlink(staged.c_str());
    throw;
  }
  sync_directory(path.parent_path());
  return journal;
}

ResumeJournal ResumeJournal::resume(const fs::path& path, const std::string& identity,
                                    FinishedTasks& finished,
                                    const std::function<void(const TaskRun&)>& check) {
  const std::string bytes = read_journal(path);
  const Parsed parsed = parse(bytes);
  if (!parsed.header) {
    // A header cut short by a failure before the first task: nothing to lose.
    if (bytes.size() < 4096 &&
        std::string_view(kHeaderLine)
            .starts_with(std::string_view(bytes).substr(0, kHeaderLine.size())))
      return create(path, identity);
    throw InputError(fmt::format(
        "cannot resume: '{}' is not a trustsim resume journal (or was written by an older "
        "trustsim); run again without --resume (with --force to discard it) to start over",
        path.string()));
  }
  if (parsed.identity != identity) {
    if (parsed.payloads.empty()) return create(path, identity);  // no task to keep
    throw InputError(fmt::format(
        "cannot resume: the journal '{}' belongs to a different run: {}; run again without "
        "--resume (with --force to discard the journal) to start over",
        path.string(), describe_difference(parsed.identity, identity)));
  }
  FinishedTasks read;
  for (std::size_t r = 0; r < parsed.payloads.size(); ++r) {
    const auto payload = parsed.payloads[r];
    const auto refuse = [&](const std::string& why) {
      throw InputError(fmt::format(
          "cannot resume: record {} of the journal '{}' {}; its results cannot be trusted: run "
          "again with --force instead of --resume to start over",
          r + 1, path.string(), why));
    };
    if (payload.substr(0, kIdSize) != parsed.id)
      refuse(fmt::format("was written by another run (journal {}, not {})",
                         payload.substr(0, kIdSize), parsed.id));
    TaskRun task;
    try {
      task = decode_task({reinterpret_cast<const std::uint8_t*>(payload.data()) + kIdSize,
                          payload.size() - kIdSize});
    } catch (const RunError& e) {
      refuse(e.what());
    }
    if (check) {
      try {
        check(task);
      } catch (const InputError& e) {
        refuse(e.what());
      }
    }
    const auto id = task.task_id;
    if (!read.emplace(id, std::move(task)).second) refuse(fmt::format("repeats task {}", id));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(parsed.good_end)) != 0 ||
      ::lseek(fd, 0, SEEK_END) < 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw RunError(fmt::format("cannot reopen the resume journal '{}': {}", path.string(),
                               std::strerror(err)));
  }
  for (auto& [id, task] : read) finished.insert_or_assign(id, std::move(task));
  return ResumeJournal(path, fd, parsed.id);
}

ResumeJournal::ResumeJournal(ResumeJournal&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), id_(std::move(other.id_)) {
  other.fd_ = -1;
}

ResumeJournal::~ResumeJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void ResumeJournal::append(const TaskRun& task) {
  const auto encoded = encode_task(task);
  std::string payload = id_;
  payload.append(reinterpret_cast<const char*>(encoded.data()), encoded.size());
  std::string record(12, '\0');
  const std::uint64_t length = payload.size();
  std::memcpy(record.data(), &kRecordMagic, 4);
  std::memcpy(record.data() + 4, &length, 8);
  record += payload;
  record += sha256_hex(payload);
  write_all(fd_, record.data(), record.size(), path_);
  sync(fd_, path_);
}

void ResumeJournal::remove() {
  if (fd_ < 0) return;
  const bool ours = names_open_file(path_.c_str(), fd_);
  ::close(fd_);
  fd_ = -1;
  if (ours) ::unlink(path_.c_str());
}

}  // namespace trustsim
