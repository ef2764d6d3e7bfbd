// A scenario: the experiment (seed, days, replications, arms, outputs) and
// the model parameters of each arm, loaded from YAML with every default
// applied, every `--set KEY.PATH=VALUE` override applied, and every value
// checked. Problems are reported all at once as InputError.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "trustsim/params.hpp"

namespace trustsim {

struct OutputParams {
  TimeseriesStep timeseries = TimeseriesStep::kWeekly;
  std::vector<CohortDimension> cohorts{CohortDimension::kTenure, CohortDimension::kCategory,
                                       CohortDimension::kChannel};
  template <class V>
  void visit(V& v) {
    v.choice("timeseries", timeseries, "resolution of /timeseries");
    v.choices("cohorts", cohorts, "seller attributes that /cohort_summary breaks down by");
  }
};

// Experiment-level settings plus the baseline model, as one YAML document.
struct ScenarioSettings {
  std::string name = "scenario";
  std::string description;
  std::uint64_t seed = 0;
  std::uint64_t warmup_days = 90;
  std::uint64_t horizon_days = 365;
  std::uint64_t replications = 10;
  ModelParams model;
  OutputParams outputs;
  template <class V>
  void visit(V& v) {
    v.text("name", name, "short name of the experiment");
    v.text("description", description, "the question the experiment answers");
    v.value("seed", seed, {0.0, 1.8e19, "a whole number >= 0"},
            "master seed: with the replication index, the key of every random stream",
            /*required=*/true);
    v.value("warmup_days", warmup_days, bounds::kDaysOrZero,
            "days simulated under the baseline before the horizon (fills windows, settles "
            "trust); excluded from outcomes");
    v.value("horizon_days", horizon_days, bounds::kDays,
            "days evaluated; candidate policies are in force from the first horizon day");
    v.value("replications", replications, {1.0, 1e6, "a whole number from 1 to 1000000"},
            "independent replications (each runs every arm on common random numbers)");
    model.visit(v);
    v.section("outputs", outputs, "what the result file records");
  }
};

struct Arm {
  std::string name;
  ModelParams model;
  std::vector<std::string> overrides;  // "KEY.PATH=VALUE" as written, for the record
};

struct Scenario {
  ScenarioSettings settings;  // the baseline arm's model lives in arms[0]
  std::vector<Arm> arms;      // arms[0] is the baseline
  std::string source_file;
  std::string resolved_yaml;  // fully resolved scenario (defaults, --set applied)
};

struct LoadOptions {
  std::vector<std::string> set_overrides;     // "KEY.PATH=VALUE"
  std::optional<std::uint64_t> replications;  // --replications
  bool check_memory = true;                   // refuse populations that cannot fit
};

// Loads and validates a scenario file. Throws InputError listing every
// problem (FILE:LINE:COL: error: KEY.PATH: ... (expected ...)).
Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options = {});

// Same from YAML text (tests, tools); `file_label` names the source in messages.
Scenario load_scenario_text(const std::string& yaml_text, const std::string& file_label,
                            const LoadOptions& options = {});

// Markdown reference of every key, its default and its meaning.
std::string scenario_reference_markdown();

// Bytes the simulation needs for this scenario's population (all arms of one
// task live at once, per worker), and the estimate's per-entity parts.
struct MemoryEstimate {
  std::uint64_t bytes_per_buyer;
  std::uint64_t bytes_per_seller;
  std::uint64_t total_bytes;
};
MemoryEstimate estimate_memory(const Scenario& scenario);

}  // namespace trustsim
