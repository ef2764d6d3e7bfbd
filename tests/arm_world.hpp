// The small world the arm tests run one changed key in (tests/test_arm_keys.cpp
// and the walk over every key, tests/validation/test_arm_keys_walk.cpp).
#pragma once

#include <string>

#include <fmt/format.h>

#include "trustsim/task_record.hpp"

namespace trustsim::testing {

// One key an arm may set, and another value for it (YAML text).
struct ArmKey {
  std::string path;
  std::string other;
  std::string with = "";  // more overrides the value needs to be valid ("KEY: VALUE, ...")
  // Overrides both arms set: what the key needs to act at all (a decline
  // shift needs declines), so the two arms differ by the key alone.
  std::string both = "";
};

// A small world where every channel, category, cohort and rule has sellers
// and orders: 400 sellers, 12k buyers, 60 days of warm-up (days 0-59), 120
// of horizon (days 60-179), one replication; with `extra` scenario keys
// (YAML lines) and `arms` (the lines under `arms:`).
inline std::string small_world(const std::string& name, int seed, const std::string& extra,
                               const std::string& arms) {
  return fmt::format(
      "name: {}\n"
      "seed: {}\n"
      "warmup_days: 60\n"
      "horizon_days: 120\n"
      "replications: 1\n"
      "population:\n"
      "  sellers: {{count: 400, entry_per_day: 1}}\n"
      "  buyers: {{count: 12000, arrivals_per_day: 20}}\n"
      "{}"
      "arms:\n{}",
      name, seed, extra, arms);
}

// The small world with a baseline and an arm `changed` that sets the key.
inline std::string scenario_with_arm(const ArmKey& key) {
  return small_world(
      "arm-key-walk", 11, "outputs: {cohorts: [tenure, channel, category, region, cs_provider]}\n",
      fmt::format("  baseline: {{{}}}\n"
                  "  changed: {{'{}': {}{}{}}}\n",
                  key.both, key.path, key.other, key.with.empty() ? "" : ", " + key.with,
                  key.both.empty() ? "" : ", " + key.both));
}

inline bool same_outputs(const ArmRun& a, const ArmRun& b) {
  return a.summary == b.summary && a.timeseries == b.timeseries && a.cohorts == b.cohorts;
}

}  // namespace trustsim::testing
