// The run lock (see include/trustsim/run_lock.hpp).
//
// Lock file: "trustsim run lock 1\nrun_id=...\nhost=...\npid=...\nstarted_utc=...\n".
#include "trustsim/run_lock.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "posix_file.hpp"
#include "trustsim/errors.hpp"

namespace trustsim {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLockHeader = "trustsim run lock 1\n";
constexpr std::size_t kLockFileMax = 4096;

std::string lock_text(const LockHolder& h) {
  return fmt::format("{}run_id={}\nhost={}\npid={}\nstarted_utc={}\n", kLockHeader, h.run_id,
                     h.host, h.pid, h.started_utc);
}

// The holder recorded in a lock file's text; empty run_id when it is not a lock file.
LockHolder parse_lock(const std::string& text) {
  LockHolder h;
  if (!text.starts_with(kLockHeader)) return h;
  std::istringstream in(text.substr(kLockHeader.size()));
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const auto key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "run_id") h.run_id = value;
    if (key == "host") h.host = value;
    if (key == "started_utc") h.started_utc = value;
    if (key == "pid") {
      try {
        h.pid = std::stol(value);
      } catch (const std::exception&) {
        h.pid = 0;
      }
    }
  }
  if (h.host.empty() || h.pid <= 0) h.run_id.clear();
  return h;
}

std::string read_small(int fd) {
  std::string text;
  read_up_to(fd, kLockFileMax, text);
  return text;
}

bool flock_unsupported(int error) {
  return error == ENOLCK || error == EOPNOTSUPP || error == EINVAL;
}

class Descriptor {
 public:
  explicit Descriptor(int fd = -1) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

[[noreturn]] void refuse_in_progress(const fs::path& lock, const LockHolder& h, bool other_host) {
  throw InputError(fmt::format(
      "a run is in progress on this output: {} (lock file '{}'){}", h.describe(), lock.string(),
      other_host ? "; it runs on another machine, so whether it is still alive cannot be told "
                   "from here: wait for it, or remove the lock file once you are sure it has "
                   "ended (its journal then lets you --resume)"
                 : "; wait for it to finish, or stop it (Ctrl-C or SIGTERM keeps its journal "
                   "for --resume)"));
}

// What is at `lock` now: nothing (returns false, try again), a live run (throws), or a
// stale lock of a dead process on this host, which is removed (returns true; `stale` says
// whose it was).
bool clear_stale_lock(const fs::path& lock, const std::string& this_host, LockHolder& stale) {
  Descriptor fd(::open(lock.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return false;
    if (errno == ELOOP)
      throw InputError(fmt::format(
          "'{}' is a symbolic link; trustsim does not follow links for its lock file: remove it",
          lock.string()));
    throw InputError(
        fmt::format("cannot read the lock file '{}': {}", lock.string(), std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode))
    throw InputError(fmt::format("'{}' is not a regular file: remove it", lock.string()));
  const LockHolder holder = parse_lock(read_small(fd.get()));
  if (holder.run_id.empty())
    throw InputError(fmt::format(
        "'{}' is not a trustsim lock file (or is damaged); remove it if no run is writing "
        "this output",
        lock.string()));
  if (holder.host != this_host) refuse_in_progress(lock, holder, true);
  // Every live run holds an flock on its lock; a free one means the holder is gone.
  bool alive = false;
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      alive = true;
    else if (flock_unsupported(errno))
      alive = ::kill(static_cast<pid_t>(holder.pid), 0) == 0 || errno == EPERM;
    else
      throw InputError(
          fmt::format("cannot check the lock file '{}': {}", lock.string(), std::strerror(errno)));
  }
  if (alive) refuse_in_progress(lock, holder, false);
  // Holding the dead lock's flock, remove it if the path still names it (another run may
  // have cleared it and taken the lock meanwhile: then try again from the start).
  if (names_open_file(lock.c_str(), fd.get()) && ::unlink(lock.c_str()) == 0) stale = holder;
  return true;
}

}  // namespace

std::string LockHolder::describe() const {
  return fmt::format("pid {} on host {}, started {}", pid, host,
                     started_utc.empty() ? "at an unknown time" : started_utc);
}

fs::path lock_path(const fs::path& output) { return output.string() + ".lock"; }

std::string random_run_id() {
  std::array<unsigned char, 16> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw RunError(fmt::format("cannot draw a run id: {}", std::strerror(errno)));
    got += static_cast<std::size_t>(n);
  }
  std::string hex;
  for (auto b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

std::string host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return name.data();
}

RunLock RunLock::acquire(const fs::path& output, const std::string& started_utc) {
  const fs::path lock = lock_path(output);
  LockHolder holder{random_run_id(), host_name(), static_cast<long>(::getpid()), started_utc};
  // The lock is written in full and flocked under a private name, then linked into place.
  const fs::path staged = lock.parent_path() / fmt::format(".{}.{}", lock.filename().string(),
                                                           holder.run_id.substr(0, 16));
  Descriptor fd(::open(staged.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0)
    throw InputError(fmt::format("cannot create the lock file beside '{}': {}", output.string(),
                                 std::strerror(errno)));
  struct Unstage {
    const fs::path& path;
    ~Unstage() { ::unlink(path.c_str()); }
  } unstage{staged};
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && !flock_unsupported(errno))
    throw RunError(fmt::format("cannot lock '{}': {}", staged.string(), std::strerror(errno)));
  const auto text = lock_text(holder);
  if (!write_fully(fd.get(), text.data(), text.size()) || ::fsync(fd.get()) != 0)
    throw RunError(
        fmt::format("cannot write the lock file '{}': {}", staged.string(), std::strerror(errno)));

  LockHolder stale;
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (::link(staged.c_str(), lock.c_str()) == 0) {
      RunLock taken(lock, fd.release(), std::move(holder));
      taken.took_over_from_ = stale;
      return taken;
    }
    if (errno != EEXIST)
      throw RunError(
          fmt::format("cannot take the lock '{}': {}", lock.string(), std::strerror(errno)));
    clear_stale_lock(lock, holder.host, stale);
  }
  throw RunError(
      fmt::format("cannot take the lock '{}': other runs keep taking it", lock.string()));
}

RunLock::RunLock(RunLock&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      holder_(std::move(other.holder_)),
      took_over_from_(std::move(other.took_over_from_)) {}

RunLock::~RunLock() { release(); }

void RunLock::check_held() const {
  bool held = fd_ >= 0 && names_open_file(path_.c_str(), fd_);
  if (held) {
    Descriptor fd(::open(path_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    held = fd.get() >= 0 && parse_lock(read_small(fd.get())).run_id == holder_.run_id;
  }
  if (!held)
    throw RunError(fmt::format(
        "this run's lock '{}' was removed or replaced while it ran, so another run may be "
        "writing the same output; the result file is not written",
        path_.string()));
}

void RunLock::release() {
  if (fd_ < 0) return;
  if (names_open_file(path_.c_str(), fd_)) ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace trustsim
