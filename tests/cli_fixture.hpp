// The command-line test fixture: each test runs the built executable
// (TRUSTSIM_CLI) in a fresh temporary directory through the shell, with
// stdout and stderr captured to files (tests/test_cli.cpp,
// tests/test_results_cli.cpp).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "test_directory.hpp"

namespace trustsim::cli_testing {

namespace fs = std::filesystem;

// Options that make a quickstart run take a fraction of a second (two arms, two
// replications, so the contrasts have confidence intervals). One thread: tests may run in
// parallel, and spinning OpenMP teams on an oversubscribed machine are slow.
inline constexpr const char* kSmall =
    "--threads 1 --set population.buyers.count=1000 population.sellers.count=50 horizon_days=20 "
    "warmup_days=5 replications=2";

// A result file: trustsim's checksum block, then HDF5's signature at byte 512.
inline bool is_result_file(const std::string& bytes) {
  return bytes.starts_with("trustsim results checksum 1\n") && bytes.size() > 520 &&
         bytes.substr(512, 8) == std::string("\x89HDF\r\n\x1a\n", 8);
}

inline std::string quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Each test gets its own directory: `work/` is the CLI's working directory (so it can be
// checked for stray files) and the captured streams live beside it.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = dir_ / "work";
    fs::create_directories(work_);
  }

  // Runs `trustsim ARGS` in work/ with no stdin; ARGS is shell text.
  CliResult run(const std::string& args) const {
    const std::string command = "cd " + quote(work_.string()) + " && " + quote(TRUSTSIM_CLI) + " " +
                                args + " </dev/null >" + quote((dir_ / "out").string()) + " 2>" +
                                quote((dir_ / "err").string());
    const int status = std::system(command.c_str());
    CliResult result;
    result.code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = file_bytes(dir_ / "out");
    result.err = file_bytes(dir_ / "err");
    return result;
  }

  std::set<std::string> work_entries() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(work_))
      names.insert(entry.path().filename().string());
    return names;
  }

  static std::string quickstart() {
    return quote(std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios/quickstart.yaml");
  }

  trustsim::testing::TestDirectory directory_{"trustsim_cli"};
  fs::path dir_ = directory_.path();
  fs::path work_;
};

inline std::string describe(const CliResult& r) {
  return "exit " + std::to_string(r.code) + "\n--- stdout:\n" + r.out + "--- stderr:\n" + r.err;
}

}  // namespace trustsim::cli_testing
