// What the terminal shows of a result file (sim/report.cpp): the contrasts
// table after `run`, and `summarize`.
#pragma once

#include <filesystem>
#include <string>

#include "trustsim/result_file.hpp"

namespace trustsim {

// The contrasts table for the terminal (arm, metric, baseline, candidate,
// difference and 95% CI, adjusted p-value).
std::string format_contrasts(const ResultFile& file);

// What `trustsim summarize FILE` prints: the file's name, date and digest, then the
// contrasts table. InputError (exit 2) for anything that is not a complete, undamaged
// result file; nothing is returned half-built. `verify_checksum` false lets HDF5 parse a
// file whose checksum does not match (tools and fuzzing only: HDF5 1.10 can crash on
// damaged files).
std::string summarize_result_file(const std::filesystem::path& path, bool verify_checksum = true);

}  // namespace trustsim
