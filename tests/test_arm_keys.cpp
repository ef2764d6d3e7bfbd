// Keys an arm sets take effect: an arm with another value for a key runs a
// small marketplace whose outputs differ from the baseline's. A key an arm
// could set without effect is a silent no-op: an economist would read "no
// effect" where the engine ignored the change.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

// One key an arm may set, and another value for it (YAML text).
struct ArmKey {
  std::string path;
  std::string other;
};

// A small world where every channel, category, cohort and rule has sellers
// and orders: 400 sellers, 12k buyers, 60 days of warm-up, 120 of horizon.
std::string scenario_with_arm(const ArmKey& key) {
  return fmt::format(
      "name: arm-key-walk\n"
      "seed: 11\n"
      "warmup_days: 60\n"
      "horizon_days: 120\n"
      "replications: 1\n"
      "population:\n"
      "  sellers: {{count: 400, entry_per_day: 1}}\n"
      "  buyers: {{count: 12000, arrivals_per_day: 20}}\n"
      "outputs: {{cohorts: [tenure, channel, category, region, cs_provider]}}\n"
      "arms:\n"
      "  baseline: {{}}\n"
      "  changed: {{'{}': {}}}\n",
      key.path, key.other);
}

bool same_outputs(const ArmRun& a, const ArmRun& b) {
  return a.summary == b.summary && a.timeseries == b.timeseries && a.cohorts == b.cohorts;
}

// Keys copied into each seller when it is created (its order profile) act
// from an arm's first horizon day: the profile is made again when arms fork.
TEST(ArmKeys, OrderProfileKeysActWhenAnArmSetsThem) {
  for (const ArmKey key : {ArmKey{"channels.seller_fulfilled.cancel", "0.3"},
                           ArmKey{"channels.platform_fulfilled.late_delivery", "0.3"},
                           ArmKey{"orders.not_as_described", "0.2"},
                           ArmKey{"cs_providers.outsourced.response_24h", "0.1"},
                           ArmKey{"categories.heavy_bulky.damage_multiplier", "20"}}) {
    const auto scenario = load_scenario_text(scenario_with_arm(key), "walk.yaml");
    const auto task = run_task(scenario, TaskSpec{0, 0, 0});
    EXPECT_FALSE(same_outputs(task.arms[0], task.arms[1])) << key.path;
  }
}

}  // namespace
}  // namespace trustsim
