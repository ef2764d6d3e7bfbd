// The MPI task farm (see include/trustsim/task_farm.hpp).
//
// Protocol (all messages in MPI_COMM_WORLD):
//   worker -> 0, kTagReport: [kind][payload]  ready | result (encoded task) |
//                            interrupted | error (exit code, message)
//   0 -> worker, kTagReply:  a Reply: run task id, or stop (with exit code)
//   0 -> worker, kTagAbort:  empty; abandon the task in hand
// Every report gets exactly one reply, and a worker whose stop reply says an
// abort was sent receives that abort before leaving, so no message is left
// unreceived when MPI finalises and no rank waits for a message that never
// comes.
#include "trustsim/task_farm.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <new>
#include <set>
#include <thread>

// The C API only: Open MPI's deprecated C++ bindings need an extra library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <fmt/format.h>
#include <mpi.h>

#include "trustsim/errors.hpp"

namespace trustsim {
namespace {

std::atomic<int> g_interrupt_signal{0};

extern "C" void on_interrupt_signal(int signal_number) { g_interrupt_signal.store(signal_number); }

constexpr int kTagReport = 11;
constexpr int kTagReply = 12;
constexpr int kTagAbort = 13;

enum class ReportKind : std::uint8_t { kReady, kResult, kInterrupted, kError };
enum class ReplyKind : std::uint8_t { kRun, kStop };

struct Reply {
  ReplyKind kind = ReplyKind::kStop;
  std::uint8_t abort_sent = 0;
  std::int32_t exit_code = 0;
  std::uint64_t task_id = 0;
};

std::vector<std::uint8_t> make_report(ReportKind kind, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(payload.size() + 1);
  bytes.push_back(static_cast<std::uint8_t>(kind));
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

std::vector<std::uint8_t> error_payload(const FarmOutcome& error) {
  const std::int32_t code = error.exit_code;
  std::vector<std::uint8_t> bytes(sizeof code + error.message.size());
  std::memcpy(bytes.data(), &code, sizeof code);
  std::memcpy(bytes.data() + sizeof code, error.message.data(), error.message.size());
  return bytes;
}

void send_bytes(const std::vector<std::uint8_t>& bytes, int to, int tag) {
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD);
}

std::vector<std::uint8_t> receive_bytes(const MPI_Status& probed) {
  int count = 0;
  MPI_Get_count(&probed, MPI_BYTE, &count);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(count));
  MPI_Recv(bytes.data(), count, MPI_BYTE, probed.MPI_SOURCE, probed.MPI_TAG, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  return bytes;
}

void send_reply(const Reply& reply, int to) {
  MPI_Send(&reply, sizeof reply, MPI_BYTE, to, kTagReply, MPI_COMM_WORLD);
}

// Rank 0: hands out tasks, runs tasks itself between requests, records results.
class Coordinator {
 public:
  Coordinator(const FarmWorld& world, const FarmHooks& hooks, FinishedTasks& finished)
      : world_(world),
        hooks_(hooks),
        finished_(finished),
        assigned_(static_cast<std::size_t>(world.size), kNone),
        abort_sent_(static_cast<std::size_t>(world.size), false),
        heard_(static_cast<std::size_t>(world.size), false),
        active_(world.size - 1) {}

  FarmOutcome run(const FarmOutcome& setup_error) {
    if (setup_error.exit_code != 0) stop_all(setup_error);
    // Hand every worker its first task before rank 0 takes one: the start is
    // spread evenly, and each rank is sure to get work when tasks >= ranks.
    while (!stopping_ && heard_from_ < world_.size - 1) {
      if (interrupt_requested()) {
        stop_all({kExitInterrupted, {}});
        break;
      }
      wait_for_report();
      serve();
    }
    while (true) {
      poll();
      if (interrupt_requested()) stop_all({kExitInterrupted, {}});
      serve();
      if (stopping_ || done_) {
        if (active_ == 0) break;
        wait_for_report();
      } else if (!queue_.empty()) {
        run_own_task();
      } else {
        wait_for_report();  // every needed task is in a worker's hands
      }
    }
    return outcome_;
  }

 private:
  static constexpr std::uint64_t kNone = ~std::uint64_t{0};

  // Starts stopping every rank; the first reason wins.
  void stop_all(const FarmOutcome& reason) {
    if (stopping_) return;
    stopping_ = true;
    queue_.clear();
    outcome_ = reason;
    for (int w = 1; w < world_.size; ++w)
      if (assigned_[w] != kNone) {
        MPI_Send(nullptr, 0, MPI_BYTE, w, kTagAbort, MPI_COMM_WORLD);
        abort_sent_[w] = true;
      }
  }

  void record(TaskRun&& task, int ran_on) {
    in_flight_.erase(task.task_id);
    try {
      hooks_.on_finished(task, ran_on);
    } catch (...) {
      stop_all(classify_exception(std::current_exception()));
      return;
    }
    const auto id = task.task_id;
    finished_.emplace(id, std::move(task));
    dirty_ = true;
  }

  // Tops up the queue from the plan once the finished set has changed.
  void refill() {
    if (stopping_ || !queue_.empty() || !dirty_) return;
    dirty_ = false;
    std::vector<std::uint64_t> needed;
    try {
      needed = hooks_.required(finished_);
    } catch (...) {
      stop_all(classify_exception(std::current_exception()));
      return;
    }
    if (needed.empty()) done_ = true;
    for (auto id : needed)
      if (!in_flight_.count(id)) queue_.push_back(id);
  }

  // Answers workers waiting for work.
  void serve() {
    refill();
    while (!idle_.empty()) {
      const int w = idle_.front();
      if (stopping_ || done_) {
        send_reply(
            {ReplyKind::kStop, static_cast<std::uint8_t>(abort_sent_[w]), outcome_.exit_code, 0},
            w);
        --active_;
      } else if (!queue_.empty()) {
        const auto id = queue_.front();
        queue_.pop_front();
        in_flight_.insert(id);
        assigned_[w] = id;
        send_reply({ReplyKind::kRun, 0, 0, id}, w);
      } else {
        break;
      }
      idle_.pop_front();
    }
  }

  void handle(const MPI_Status& probed) {
    const int w = probed.MPI_SOURCE;
    if (!heard_[w]) {
      heard_[w] = true;
      ++heard_from_;
    }
    const auto bytes = receive_bytes(probed);
    const auto kind = static_cast<ReportKind>(bytes.at(0));
    const std::span<const std::uint8_t> payload(bytes.data() + 1, bytes.size() - 1);
    const auto task_id = assigned_[w];
    assigned_[w] = kNone;
    if (task_id != kNone) in_flight_.erase(task_id);
    switch (kind) {
      case ReportKind::kReady: break;
      case ReportKind::kResult: try { record(decode_task(payload), w);
        } catch (...) {
          stop_all(classify_exception(std::current_exception()));
        }
        break;
      case ReportKind::kInterrupted: stop_all({kExitInterrupted, {}}); break;
      case ReportKind::kError: {
        std::int32_t code = kExitRunFailure;
        std::memcpy(&code, payload.data(), sizeof code);
        const std::string message(payload.begin() + sizeof code, payload.end());
        stop_all({code, fmt::format("rank {}: {}", w, message)});
        break;
      }
    }
    idle_.push_back(w);
    dirty_ = true;
  }

  // Handles every report already waiting.
  void poll() {
    if (world_.size == 1) return;
    while (true) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, kTagReport, MPI_COMM_WORLD, &flag, &status);
      if (!flag) break;
      handle(status);
    }
    serve();
  }

  // Waits for one report, staying responsive to signals.
  void wait_for_report() {
    if (world_.size == 1) return;
    while (!interrupt_requested() || stopping_) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, kTagReport, MPI_COMM_WORLD, &flag, &status);
      if (flag) {
        handle(status);
        return;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  void run_own_task() {
    const auto id = queue_.front();
    queue_.pop_front();
    in_flight_.insert(id);
    try {
      test_fault_point(0, "task", ++own_tasks_);
      auto task = hooks_.run(id, [this](std::int64_t orders) {
        if (hooks_.on_orders) hooks_.on_orders(orders);
        poll();
        if (interrupt_requested() || stopping_) throw TaskAbandoned();
      });
      record(std::move(task), 0);
    } catch (const TaskAbandoned&) {
      in_flight_.erase(id);
      stop_all({kExitInterrupted, {}});
    } catch (...) {
      in_flight_.erase(id);
      auto error = classify_exception(std::current_exception());
      if (world_.size > 1) error.message = fmt::format("rank 0: {}", error.message);
      stop_all(error);
    }
  }

  const FarmWorld& world_;
  const FarmHooks& hooks_;
  FinishedTasks& finished_;
  std::deque<std::uint64_t> queue_;
  std::set<std::uint64_t> in_flight_;
  std::deque<int> idle_;                 // workers waiting for a reply
  std::vector<std::uint64_t> assigned_;  // task in each worker's hands
  std::vector<bool> abort_sent_;
  std::vector<bool> heard_;  // workers that have reported at least once
  int heard_from_ = 0;
  int active_;  // workers not yet told to stop
  bool dirty_ = true;
  bool done_ = false;
  bool stopping_ = false;
  std::uint64_t own_tasks_ = 0;
  FarmOutcome outcome_;
};

// Ranks 1..N-1: ask for work, run it, report, until told to stop.
FarmOutcome run_worker(const FarmWorld& world, const FarmHooks& hooks,
                       const FarmOutcome& setup_error) {
  auto report = setup_error.exit_code != 0
                    ? make_report(ReportKind::kError, error_payload(setup_error))
                    : make_report(ReportKind::kReady, {});
  bool abort_received = false;
  std::uint64_t tasks = 0;
  while (true) {
    send_bytes(report, 0, kTagReport);
    Reply reply;
    MPI_Recv(&reply, sizeof reply, MPI_BYTE, 0, kTagReply, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (reply.kind == ReplyKind::kStop) {
      if (reply.abort_sent && !abort_received)
        MPI_Recv(nullptr, 0, MPI_BYTE, 0, kTagAbort, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      return {reply.exit_code, {}};
    }
    if (interrupt_requested()) {
      report = make_report(ReportKind::kInterrupted, {});
      continue;
    }
    try {
      test_fault_point(world.rank, "task", ++tasks);
      const auto task = hooks.run(reply.task_id, [&](std::int64_t) {
        if (interrupt_requested()) throw TaskAbandoned();
        int flag = 0;
        MPI_Iprobe(0, kTagAbort, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        if (flag) {
          MPI_Recv(nullptr, 0, MPI_BYTE, 0, kTagAbort, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
          abort_received = true;
          throw TaskAbandoned();
        }
      });
      report = make_report(ReportKind::kResult, encode_task(task));
    } catch (const TaskAbandoned&) {
      report = make_report(ReportKind::kInterrupted, {});
    } catch (...) {
      report = make_report(ReportKind::kError,
                           error_payload(classify_exception(std::current_exception())));
    }
  }
}

}  // namespace

MpiSession::MpiSession() {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &world_.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_.size);
}

MpiSession::~MpiSession() { MPI_Finalize(); }

void MpiSession::broadcast(int& value) const {
  if (world_.size > 1) MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD);
}

void MpiSession::broadcast(std::string& text) const {
  if (world_.size == 1) return;
  std::uint64_t size = text.size();
  MPI_Bcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  text.resize(size);
  MPI_Bcast(text.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD);
}

FarmOutcome run_farm(const FarmWorld& world, const FarmHooks& hooks, FinishedTasks& finished,
                     const FarmOutcome& setup_error) {
  if (world.rank == 0) return Coordinator(world, hooks, finished).run(setup_error);
  return run_worker(world, hooks, setup_error);
}

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() { return g_interrupt_signal.load() != 0; }

FarmOutcome classify_exception(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const InputError& e) {
    return {kExitBadInput, e.what()};
  } catch (const RunError& e) {
    return {kExitRunFailure, e.what()};
  } catch (const std::bad_alloc&) {
    return {kExitRunFailure, "out of memory"};
  } catch (const std::exception& e) {
    return {kExitRunFailure, fmt::format("internal error: {}", e.what())};
  } catch (...) {
    return {kExitRunFailure, "internal error: unknown exception"};
  }
}

void test_fault_point(int rank, std::string_view event, std::uint64_t count) {
  static const std::string spec = [] {
    const char* text = std::getenv("TRUSTSIM_TEST_FAULT");
    return std::string(text ? text : "");
  }();
  if (spec.empty()) return;
  if (spec.rfind(fmt::format("{}:{}:{}:", rank, event, count), 0) != 0) return;
  const auto action = spec.substr(spec.rfind(':') + 1);
  if (action == "kill") std::raise(SIGKILL);
  if (action == "term") std::raise(SIGTERM);
  if (action == "stop") std::raise(SIGSTOP);  // frozen, alive: its lock is held
  if (action == "error")
    throw RunError(fmt::format("test fault injected at {} {} on rank {}", event, count, rank));
}

}  // namespace trustsim
