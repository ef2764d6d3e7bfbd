// The resume journal: every finished task is appended (and flushed to disk)
// as it completes, so a run killed at any moment can be resumed with
// `--resume` and run only the missing tasks. Records are checksummed; a
// record torn by a kill is dropped on resume. The journal lives beside the
// result file (RESULTS.h5.journal) and is removed once the file is written.
//
// Every journal has its own random id, written in its header and in every
// record: a record that carries another journal's id (two runs writing one
// journal) makes the journal unusable rather than silently mixed. The run
// lock (run_lock.hpp) keeps two runs off one journal in the first place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "trustsim/replication_plan.hpp"

namespace trustsim {

std::filesystem::path journal_path(const std::filesystem::path& output);

// InputError: the journal path is a symbolic link (never followed).
[[noreturn]] void refuse_linked_journal(const std::filesystem::path& path);

// What is at a journal path, without changing it.
struct JournalState {
  bool exists = false;        // anything at the path (a link included)
  bool symlink = false;       // a symbolic link (never followed)
  bool regular = false;       // a regular file
  std::uint64_t records = 0;  // complete, checksummed task records
};
JournalState inspect_journal(const std::filesystem::path& path);

class ResumeJournal {
 public:
  // Starts a journal at `path` for the run whose identity is `identity`
  // (scenario digest and engine build): written under a private name and
  // renamed into place, so an old journal's writer can never reach it.
  // InputError if `path` is a symbolic link; RunError on I/O failure.
  static ResumeJournal create(const std::filesystem::path& path, const std::string& identity);

  // Opens an interrupted run's journal, checks it belongs to the same
  // scenario and engine (InputError saying what differs otherwise), adds its
  // tasks to `finished` (each passed to `check` first, which throws
  // InputError for a task the run cannot have) and drops a torn last
  // record. A task recorded twice, or a record of another journal, is an
  // InputError. A journal without any complete record (left by a failure
  // before the first task finished) is started afresh.
  static ResumeJournal resume(const std::filesystem::path& path, const std::string& identity,
                              FinishedTasks& finished,
                              const std::function<void(const TaskRun&)>& check = {});

  ResumeJournal(ResumeJournal&& other) noexcept;
  ResumeJournal& operator=(ResumeJournal&&) = delete;
  ResumeJournal(const ResumeJournal&) = delete;
  ~ResumeJournal();

  // Appends a finished task; on return the record is on disk (fdatasync).
  void append(const TaskRun& task);
  // Closes and deletes the journal (after the result file is in place);
  // leaves the path alone if it no longer names this journal.
  void remove();

  const std::filesystem::path& path() const { return path_; }
  const std::string& id() const { return id_; }

 private:
  ResumeJournal(std::filesystem::path path, int fd, std::string id)
      : path_(std::move(path)), fd_(fd), id_(std::move(id)) {}
  std::filesystem::path path_;
  int fd_ = -1;
  std::string id_;  // 32 hex digits
};

}  // namespace trustsim
