// The result file's tables from the finished tasks (sim/result_tables.cpp):
// runs, summary, time series, cohorts, contrasts, precision, Sobol indices,
// lookups and timing, the results digest, and the memory they take.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trustsim/result_file.hpp"
#include "trustsim/scenario.hpp"
#include "trustsim/task_record.hpp"

namespace trustsim {

// The result file's table paths, each named once (docs: README "Results").
namespace table_path {
inline constexpr const char* kArms = "/lookup/arms";
inline constexpr const char* kMetrics = "/lookup/metrics";
inline constexpr const char* kCohorts = "/lookup/cohorts";
inline constexpr const char* kRuns = "/runs";
inline constexpr const char* kSummary = "/summary";
inline constexpr const char* kTimeseries = "/timeseries";
inline constexpr const char* kCohortSummary = "/cohort_summary";
inline constexpr const char* kContrasts = "/analysis/contrasts";
inline constexpr const char* kPrecision = "/analysis/precision";
inline constexpr const char* kParameters = "/lookup/parameters";
inline constexpr const char* kPoints = "/lookup/points";
inline constexpr const char* kSobol = "/analysis/sobol";
inline constexpr const char* kTiming = "/timing";
inline constexpr const char* kPolicyOutcomes = "/policy_outcomes";
inline constexpr const char* kPolicyOutcomesLookup = "/lookup/policy_outcomes";
inline constexpr const char* kSteadyState = "/analysis/steady_state";
inline constexpr const char* kSellerPanel = "/panels/sellers";
inline constexpr const char* kBuyerEvents = "/panels/buyer_events";
}  // namespace table_path

struct RunMetadata {
  std::string command_line;
  std::string created_utc;
};

// The whole result file from the finished tasks. Only the replications the
// replication rule settled on are used (a resumed or sequential run may have
// finished others); tables are in task-id order.
ResultFile assemble_results(const Scenario& scenario, const FinishedTasks& finished,
                            const RunMetadata& metadata);

// The result file layout's version (root attribute schema_version). 2: a
// checksum block before the HDF5 data. Columns and tables may be added
// within a version; renaming or removing one, or changing what it means,
// takes a new version.
inline constexpr std::int64_t kResultSchemaVersion = 2;

// SHA-256 over every table but the lookups and /timing (the results that
// must be bit-identical), column by column, in file order.
std::string results_digest(const ResultFile& file);
// Whether a table at `path` is part of results_digest.
bool in_results_digest(std::string_view path);
// SHA-256 of one table, hashed as results_digest hashes it.
std::string table_digest(const Table& table);

// InputError (exit 2) unless `file`, read from `path`, has this engine's
// schema_version.
void check_schema_version(const ResultFile& file, const std::string& path);

// Memory rank 0 needs for the results of `tasks` finished tasks: their records, the
// tables assembled from them and the result file's image (all three at once when the file
// is written). Counted by validation and the memory check.
std::uint64_t estimate_results_memory(const Scenario& scenario, std::uint64_t tasks);

}  // namespace trustsim
