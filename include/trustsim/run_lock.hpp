// The run lock: one live run per result file. A run (its rank 0) holds
// RESULTS.h5.lock from before it touches the journal until its result file
// is in place, so a second run on the same output is refused ("a run is in
// progress: pid, host, started") instead of sharing the journal.
//
// What is guaranteed:
// - Taking the lock is one atomic step: the lock file is written in full
//   under a private name, then hard-linked to RESULTS.h5.lock, which fails
//   if any lock is there. link(2) is atomic on local file systems and on
//   NFS (v3 and v4) and the usual cluster file systems (Lustre, GPFS,
//   BeeGFS), so two live runs on any machines sharing the directory cannot
//   both hold it.
// - While the lock is held, the holder also keeps an flock(2) on it. On the
//   holder's own machine this tells a live run from a dead one: a lock whose
//   flock is free was left by a process that is gone (killed, crashed), and
//   the next run takes it over, saying so.
// - A lock written on another machine cannot be judged from here (flock is
//   not reliable across NFS clients, and a process id means nothing on
//   another host): the run is refused, naming the host and process, and the
//   user removes the lock file once sure that run has ended.
// - Before the result file is written, the holder checks that the lock is
//   still its own (same file, same run id), so a lock removed by hand while
//   the run lived cannot lead to two runs both writing results.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace trustsim {

// Who holds (or held) a lock, as recorded in the lock file.
struct LockHolder {
  std::string run_id;  // 32 hex digits, unique per run
  std::string host;
  long pid = 0;
  std::string started_utc;
  std::string describe() const;  // "pid 123 on host node7, started 2026-...Z"
};

std::filesystem::path lock_path(const std::filesystem::path& output);

class RunLock {
 public:
  // Takes the lock for `output`. InputError (exit 2) when another live run
  // holds it or when it was written on another host; takes over, and sets
  // `took_over_from`, a lock left by a dead process on this host.
  static RunLock acquire(const std::filesystem::path& output, const std::string& started_utc);

  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&&) = delete;
  RunLock(const RunLock&) = delete;
  ~RunLock();  // releases

  // RunError unless the lock file is still this run's.
  void check_held() const;
  // Removes the lock file (only if it is still this run's) and closes it.
  void release();

  const LockHolder& holder() const { return holder_; }
  const std::filesystem::path& path() const { return path_; }
  // The dead run whose lock was taken over (empty run_id: none).
  const LockHolder& took_over_from() const { return took_over_from_; }

 private:
  RunLock(std::filesystem::path path, int fd, LockHolder holder)
      : path_(std::move(path)), fd_(fd), holder_(std::move(holder)) {}
  std::filesystem::path path_;
  int fd_ = -1;
  LockHolder holder_;
  LockHolder took_over_from_;
};

// A fresh 128-bit identifier in hex (from the kernel's random source).
std::string random_run_id();

// This machine's host name.
std::string host_name();

}  // namespace trustsim
