// The resume journal: every finished task is appended (and flushed to disk)
// as it completes, so a run killed at any moment can be resumed with
// `--resume` and run only the missing tasks. Records are checksummed; a
// record torn by a kill is dropped on resume. The journal lives beside the
// result file (RESULTS.h5.journal) and is removed once the file is written.
#pragma once

#include <filesystem>
#include <string>

#include "trustsim/replication_plan.hpp"

namespace trustsim {

std::filesystem::path journal_path(const std::filesystem::path& output);

class ResumeJournal {
 public:
  // Starts a journal at `path` (replacing an old one) for the run whose
  // identity is `identity` (scenario digest and engine build). RunError on I/O failure.
  static ResumeJournal create(const std::filesystem::path& path, const std::string& identity);

  // Opens an interrupted run's journal, checks it belongs to the same
  // scenario and engine (InputError saying what differs otherwise), adds its
  // tasks to `finished` and drops a torn last record.
  static ResumeJournal resume(const std::filesystem::path& path, const std::string& identity,
                              FinishedTasks& finished);

  ResumeJournal(ResumeJournal&& other) noexcept;
  ResumeJournal& operator=(ResumeJournal&&) = delete;
  ResumeJournal(const ResumeJournal&) = delete;
  ~ResumeJournal();

  // Appends a finished task; on return the record is on disk (fdatasync).
  void append(const TaskRun& task);
  // Closes and deletes the journal (after the result file is in place).
  void remove();

  const std::filesystem::path& path() const { return path_; }

 private:
  ResumeJournal(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace trustsim
