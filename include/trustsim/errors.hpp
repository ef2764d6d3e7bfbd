// Error types that cross the library boundary. The CLI maps them to exit
// codes: InputError -> 2 (bad scenario, usage, unreadable file),
// RunError -> 1 (I/O or resources while running). The library never exits.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace trustsim {

enum ExitCode : int { kExitOk = 0, kExitRunFailure = 1, kExitBadInput = 2, kExitInterrupted = 3 };

// Where a value came from: a file position (1-based line and column) or a
// command-line override ("--set", line 1, column in the argument).
struct SourceMark {
  std::string file;
  int line = 0;    // 0 = unknown
  int column = 0;  // 0 = unknown
};

// One problem in a scenario, formatted in the compiler style:
//   FILE:LINE:COL: error: KEY.PATH: what is wrong (expected ...)
struct InputProblem {
  SourceMark mark;
  std::string key_path;
  std::string message;
  std::string expected;
  std::string format() const;
};

class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<InputProblem> problems);
  explicit InputError(const std::string& message);  // usage / unreadable file
  const std::vector<InputProblem>& problems() const { return problems_; }

 private:
  std::vector<InputProblem> problems_;
};

class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace trustsim
