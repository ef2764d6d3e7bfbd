// The quickstart scenario at a small size (150 sellers, 6,000 buyers, 60
// horizon days, 2 replications): every mechanism on, a second to run. Used by
// the engine and panel tests; `sets` are more --set overrides.
#pragma once

#include <string>
#include <vector>

#include "trustsim/scenario.hpp"

namespace trustsim::testing {

inline Scenario small_quickstart(int warmup_days, std::vector<std::string> sets = {}) {
  LoadOptions options;
  options.set_overrides = {"population.sellers.count=150",
                           "population.buyers.count=6000",
                           "population.buyers.arrivals_per_day=5",
                           "population.sellers.entry_per_day=0.5",
                           "warmup_days=" + std::to_string(warmup_days),
                           "horizon_days=60",
                           "replications=2"};
  options.set_overrides.insert(options.set_overrides.end(), sets.begin(), sets.end());
  return load_scenario(std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios/quickstart.yaml", options);
}

}  // namespace trustsim::testing
