// What keeps results from being silently wrong when runs collide, files are damaged or
// leftovers lie around: the run lock, the journal's identity checks, and text hygiene.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "test_directory.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/journal.hpp"
#include "trustsim/run_lock.hpp"
#include "trustsim/text.hpp"

namespace trustsim {
namespace {

namespace fs = std::filesystem;

const std::string kIdentity = "config_sha256=abc\nengine=1\n";

TaskRun task_with_id(std::uint64_t id) {
  TaskRun task;
  task.task_id = id;
  task.replication = id;
  task.arms.resize(1);
  task.arms[0].summary = {1.0, 2.0};
  return task;
}

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string input_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------
// Journal

TEST(JournalHardening, ARecordOfAnotherJournalIsRefused) {
  const testing::TestDirectory dir("journal");
  const auto a = dir.path() / "a.journal", b = dir.path() / "b.journal";
  ResumeJournal::create(a, kIdentity).append(task_with_id(1));
  ResumeJournal::create(b, kIdentity).append(task_with_id(2));
  // Run B's journal with run A's record appended: both checksum, the ids differ.
  const auto a_bytes = bytes_of(a);
  const auto a_record = a_bytes.substr(a_bytes.find("\n\n") + 2);
  write_bytes(b, bytes_of(b) + a_record);
  FinishedTasks finished;
  const auto message = input_error([&] { ResumeJournal::resume(b, kIdentity, finished); });
  EXPECT_TRUE(contains(message, "record 2")) << message;
  EXPECT_TRUE(contains(message, "written by another run")) << message;
  EXPECT_TRUE(finished.empty());
}

TEST(JournalHardening, ATaskRecordedTwiceOrRejectedByTheRunIsRefused) {
  const testing::TestDirectory dir("journal");
  const auto path = dir.path() / "r.journal";
  {
    auto journal = ResumeJournal::create(path, kIdentity);
    journal.append(task_with_id(3));
    journal.append(task_with_id(3));
  }
  FinishedTasks finished;
  auto message = input_error([&] { ResumeJournal::resume(path, kIdentity, finished); });
  EXPECT_TRUE(contains(message, "repeats task 3")) << message;

  ResumeJournal::create(path, kIdentity).append(task_with_id(99));
  message = input_error([&] {
    ResumeJournal::resume(path, kIdentity, finished, [](const TaskRun& t) {
      if (t.task_id >= 10) throw InputError("task id beyond the plan");
    });
  });
  EXPECT_TRUE(contains(message, "task id beyond the plan")) << message;
  EXPECT_TRUE(finished.empty());
}

TEST(JournalHardening, EmptyOrHeaderOnlyJournalsStartAfresh) {
  const testing::TestDirectory dir("journal");
  const auto path = dir.path() / "r.journal";
  for (const std::string leftover : {std::string(), std::string("trustsim resume jour")}) {
    write_bytes(path, leftover);
    EXPECT_EQ(inspect_journal(path).records, 0u);
    FinishedTasks finished;
    ResumeJournal::resume(path, kIdentity, finished).append(task_with_id(5));
    EXPECT_TRUE(finished.empty());
    FinishedTasks again;
    ResumeJournal::resume(path, kIdentity, again);
    EXPECT_EQ(again.size(), 1u);
    EXPECT_EQ(inspect_journal(path).records, 1u);
  }
  // A complete header of another scenario without any record: nothing to keep either.
  ResumeJournal::create(path, "config_sha256=other\nengine=1\n");
  FinishedTasks finished;
  ResumeJournal::resume(path, kIdentity, finished);
  EXPECT_TRUE(finished.empty());
}

TEST(JournalHardening, SymbolicLinksAndFifosAreNeverFollowed) {
  const testing::TestDirectory dir("journal");
  const auto target = dir.path() / "precious.txt";
  write_bytes(target, "the user's data\n");
  const auto link = dir.path() / "r.journal";
  fs::create_symlink(target, link);
  auto message = input_error([&] { ResumeJournal::create(link, kIdentity); });
  EXPECT_TRUE(contains(message, "symbolic link")) << message;
  FinishedTasks finished;
  message = input_error([&] { ResumeJournal::resume(link, kIdentity, finished); });
  EXPECT_TRUE(contains(message, "symbolic link")) << message;
  EXPECT_TRUE(inspect_journal(link).symlink);
  EXPECT_EQ(bytes_of(target), "the user's data\n");

  const auto fifo = dir.path() / "f.journal";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  message = input_error([&] { ResumeJournal::resume(fifo, kIdentity, finished); });
  EXPECT_TRUE(contains(message, "not a regular file")) << message;
}

TEST(JournalHardening, AnOldWriterCannotReachANewJournal) {
  const testing::TestDirectory dir("journal");
  const auto path = dir.path() / "r.journal";
  auto old_run = ResumeJournal::create(path, kIdentity);
  auto new_run = ResumeJournal::create(path, kIdentity);  // replaces it by rename
  old_run.append(task_with_id(1));                        // lands in the unlinked old file
  new_run.append(task_with_id(2));
  old_run.remove();  // must not delete the new run's journal
  ASSERT_TRUE(fs::exists(path));
  FinishedTasks finished;
  ResumeJournal::resume(path, kIdentity, finished);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished.begin()->first, 2u);
}

// ---------------------------------------------------------------------------
// Run lock

TEST(RunLockTest, ASecondRunOnTheSameOutputIsRefusedWithTheHolder) {
  const testing::TestDirectory dir("lock");
  const auto out = dir.path() / "g.h5";
  auto first = RunLock::acquire(out, "2026-11-29T00:00:00Z");
  EXPECT_TRUE(fs::exists(lock_path(out)));
  const auto message = input_error([&] { RunLock::acquire(out, "later"); });
  EXPECT_TRUE(contains(message, "a run is in progress")) << message;
  EXPECT_TRUE(contains(message, fmt::format("pid {}", ::getpid()))) << message;
  EXPECT_TRUE(contains(message, host_name())) << message;
  EXPECT_TRUE(contains(message, "2026-11-29T00:00:00Z")) << message;
  first.check_held();
  first.release();
  EXPECT_FALSE(fs::exists(lock_path(out)));
  auto second = RunLock::acquire(out, "now");  // free again
  EXPECT_TRUE(second.took_over_from().run_id.empty());
}

TEST(RunLockTest, ALockLeftByADeadProcessIsTakenOver) {
  const testing::TestDirectory dir("lock");
  const auto out = dir.path() / "g.h5";
  // A child takes the lock and dies without releasing it (as SIGKILL would leave it).
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = RunLock::acquire(out, "child");
    ::_exit(0);  // no destructor: the lock file stays, its flock goes with the process
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(fs::exists(lock_path(out)));
  auto lock = RunLock::acquire(out, "parent");
  EXPECT_EQ(lock.took_over_from().pid, child);
  EXPECT_EQ(lock.took_over_from().started_utc, "child");
  lock.check_held();
}

TEST(RunLockTest, ALockFromAnotherHostIsNeverTakenOver) {
  const testing::TestDirectory dir("lock");
  const auto out = dir.path() / "g.h5";
  const std::string foreign =
      "trustsim run lock 1\nrun_id=0123456789abcdef0123456789abcdef\nhost=node-elsewhere\n"
      "pid=4242\nstarted_utc=2026-11-28T10:00:00Z\n";
  write_bytes(lock_path(out), foreign);
  const auto message = input_error([&] { RunLock::acquire(out, "now"); });
  EXPECT_TRUE(contains(message, "pid 4242 on host node-elsewhere")) << message;
  EXPECT_TRUE(contains(message, "another machine")) << message;
  EXPECT_EQ(bytes_of(lock_path(out)), foreign);
  // Nothing is left beside it by the attempt.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(RunLockTest, ALockRemovedOrReplacedWhileRunningIsNoticed) {
  const testing::TestDirectory dir("lock");
  const auto out = dir.path() / "g.h5";
  auto lock = RunLock::acquire(out, "now");
  fs::remove(lock_path(out));
  EXPECT_THROW(lock.check_held(), RunError);
  auto other = RunLock::acquire(out, "other");  // the path is free: another run takes it
  EXPECT_THROW(lock.check_held(), RunError);
  lock.release();  // must not remove the other run's lock
  EXPECT_TRUE(fs::exists(lock_path(out)));
  other.check_held();
}

TEST(RunLockTest, ForeignFilesAtTheLockPathAreNotRemoved) {
  const testing::TestDirectory dir("lock");
  const auto out = dir.path() / "g.h5";
  write_bytes(lock_path(out), "my notes\n");
  const auto message = input_error([&] { RunLock::acquire(out, "now"); });
  EXPECT_TRUE(contains(message, "not a trustsim lock file")) << message;
  EXPECT_EQ(bytes_of(lock_path(out)), "my notes\n");
}

// ---------------------------------------------------------------------------
// Text

TEST(TextHygiene, Utf8ValidationFollowsTheStandard) {
  EXPECT_EQ(invalid_utf8_at("plain ascii"), std::string::npos);
  EXPECT_EQ(invalid_utf8_at("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), std::string::npos);
  EXPECT_EQ(invalid_utf8_at("caf\xE9"), 3u);           // Latin-1
  EXPECT_EQ(invalid_utf8_at("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(invalid_utf8_at("a\xED\xA0\x80"), 1u);     // a surrogate
  EXPECT_EQ(invalid_utf8_at("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(invalid_utf8_at("ok\xE2\x82"), 2u);        // cut short
  EXPECT_EQ(escape_invalid_utf8("caf\xE9!"), "caf\\xE9!");
  EXPECT_EQ(escape_invalid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(TextHygiene, OneLineEscapesControlsAndCuts) {
  EXPECT_EQ(one_line("a\nb\tc\x01"), "a\\nb\\tc\\x01");
  EXPECT_EQ(one_line(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
  EXPECT_EQ(one_line("caf\xE9"), "caf\\xE9");
  InputProblem problem{{"--set 'x=a\nb'", 1, 3}, "x", "got 'a\nb'", "a number"};
  EXPECT_EQ(problem.format().find('\n'), std::string::npos) << problem.format();
}

}  // namespace
}  // namespace trustsim
