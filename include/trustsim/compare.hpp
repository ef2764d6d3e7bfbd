// `trustsim compare A.h5 B.h5`: whether two result files hold the same
// results, table by table (sim/compare.cpp). For CI jobs that re-run a fixed
// scenario and compare it with a committed reference: the all-or-nothing
// results digest says only whether anything moved; this says which table,
// which rows and by how much, and can accept differences within a tolerance.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace trustsim {

struct CompareOptions {
  // Two numbers a (from the first file, the reference) and b agree when
  // |a - b| <= atol + rtol * |a|; 0 and 0: bit for bit (NaN agrees with NaN).
  double rtol = 0.0;
  double atol = 0.0;
  // Tables to compare, by path ("/summary" or "summary"); empty: every table
  // of either file but /timing (wall-clock times differ from run to run).
  std::vector<std::string> tables;
  std::size_t max_listed = 20;  // differing values listed, in all
};

struct CompareResult {
  bool agree = false;
  std::string text;  // per-table verdicts and digests, then what differs
};

// Reads both files (InputError, exit 2, for anything that is not a complete
// trustsim result file of this schema version) and compares their tables.
// Rows are matched by their key columns (ids, replication, day, ...) with
// the ids replaced by the labels the lookups give them (arm, metric and
// cohort names; a task's point and replication), so the same results
// in another row order, or with arms numbered differently, agree.
CompareResult compare_result_files(const std::filesystem::path& a, const std::filesystem::path& b,
                                   const CompareOptions& options);

}  // namespace trustsim
