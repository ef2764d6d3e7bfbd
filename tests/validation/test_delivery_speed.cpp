// Validation: delivery speed (../shared/reference/calibration-targets.md,
// "delivery speed"; stylized-facts.md, Fisher, Gallino & Xu 2019). The
// scripted experiment tests/validation/delivery-speed.yaml runs a baseline,
// every channel promising one day faster, and the seller-fulfilled channel
// alone one day faster, on common random numbers.
//
// Bands are the published targets themselves, applied to the paired mean
// over the scenario's 4 replications: every channel one day faster raises
// orders by +0.5% to +2% (the target); one channel made faster gains share
// but less than doubles its orders ("not a multiple of its sales"). (The
// platform-fulfilled share of orders, target 60-80%, sits at the band's edge:
// 0.81 here, 0.80 at quickstart size; it waits for the calibration and is not
// asserted.) The paired 95% CI half-width of the
// first is about 0.6 points at this size (docs/reference-world.md), so a
// model change that moves the effect by more than that shows here.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "trustsim/experiment.hpp"
#include "trustsim/outcome_tables.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

std::size_t summary_index(const std::string& name) {
  const auto& defs = summary_outcomes();
  for (std::size_t m = 0; m < defs.size(); ++m)
    if (defs[m].name == name) return m;
  throw std::invalid_argument(name);
}

std::size_t cohort_column(const std::string& name) {
  const auto& defs = cohort_outcomes();
  for (std::size_t m = 0; m < defs.size(); ++m)
    if (defs[m].name == name) return m;
  throw std::invalid_argument(name);
}

TEST(Validation, DeliverySpeedMovesOrdersByThePublishedSize) {
  const auto scenario =
      load_scenario(std::string(TRUSTSIM_SOURCE_DIR) + "/tests/validation/delivery-speed.yaml");
  ASSERT_EQ(scenario.arms.size(), 3u);  // baseline, all_faster, sf_faster
  const auto labels = cohort_labels(scenario);
  std::size_t sf = labels.size();
  for (std::size_t c = 0; c < labels.size(); ++c)
    if (labels[c] == "channel:seller_fulfilled") sf = c;
  ASSERT_LT(sf, labels.size());
  const auto tasks = run_all_tasks(scenario);
  const auto orders = summary_index("orders");
  const auto cohort_orders = cohort_column("orders");
  double base = 0, faster = 0, sf_base = 0, sf_faster = 0;
  for (const auto& [id, task] : tasks) {
    base += task.arms[0].summary[orders];
    faster += task.arms[1].summary[orders];
    sf_base += task.arms[0].cohorts[sf][cohort_orders];
    sf_faster += task.arms[2].cohorts[sf][cohort_orders];
  }
  const double effect = faster / base - 1.0;
  EXPECT_GE(effect, 0.005) << "every channel one day faster: orders " << effect;
  EXPECT_LE(effect, 0.02) << "every channel one day faster: orders " << effect;
  const double channel_gain = sf_faster / sf_base;
  EXPECT_GT(channel_gain, 1.0) << "seller-fulfilled one day faster: its orders x" << channel_gain;
  EXPECT_LT(channel_gain, 2.0) << "seller-fulfilled one day faster: its orders x" << channel_gain;
}

}  // namespace
}  // namespace trustsim
