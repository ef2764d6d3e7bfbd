// What the terminal shows of a result file (sim/report.cpp): the contrasts
// table after `run`, and `summarize`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "trustsim/result_file.hpp"

namespace trustsim {

// The contrasts table for the terminal (arm, metric, baseline, candidate,
// difference and 95% CI, adjusted p-value).
std::string format_contrasts(const ResultFile& file);

enum class SummaryFormat { kText, kCsv, kMarkdown, kJson };

// What `trustsim summarize` shows: the contrasts of some metrics, arms and
// sweep points (empty: all), in a format; or the resolved scenario the file
// embeds (`scenario`), which re-runs it bit for bit.
struct SummaryOptions {
  std::vector<std::string> metrics, arms;
  std::vector<std::int64_t> points;
  SummaryFormat format = SummaryFormat::kText;
  bool scenario = false;
};

// What `trustsim summarize FILE` prints: the file's name, date and digest, then the
// contrasts table. InputError (exit 2) for anything that is not a complete, undamaged
// result file; nothing is returned half-built. `verify_checksum` false lets HDF5 parse a
// file whose checksum does not match (tools and fuzzing only: HDF5 1.10 can crash on
// damaged files).
std::string summarize_result_file(const std::filesystem::path& path, bool verify_checksum = true);
// The same with a selection and a format: text (the terminal table), csv and
// json (every column, numbers in full, NaN empty / null) or markdown (for a
// document). An arm, metric or point the file does not have is an InputError.
std::string summarize_result_file(const std::filesystem::path& path, const SummaryOptions& options,
                                  bool verify_checksum = true);

}  // namespace trustsim
