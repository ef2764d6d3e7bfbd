// What enforcement costs sellers and how soon it catches them, in small
// worlds built so the answer follows from the rules:
//  1. a false-positive suspension with a one-day appeal keeps a good seller
//     off the marketplace for exactly one day, and with no appeals every
//     wrongly suspended seller leaves: wrongly suspended days and wrongful
//     exits both equal the false-positive suspensions;
//  2. a rule that acts on every seller at each evaluation catches a seller
//     whose performance declines across the standard at the next evaluation
//     day: the mean delay is that of a uniform day to the next evaluation,
//     3 days for a weekly rule, 14.5 for a monthly one.
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "arm_world.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/outcome_tables.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

double summary_value(const ArmRun& arm, const char* name) {
  const auto& defs = summary_outcomes();
  for (std::size_t m = 0; m < defs.size(); ++m)
    if (defs[m].name == name) return arm.summary.at(m);
  ADD_FAILURE() << "no /summary column " << name;
  return 0;
}

// The arm-key walk's small world (400 sellers, 12,000 buyers, warm-up days
// 0-59, horizon days 60-179) with `extra` scenario keys and `arms`.
TaskRun run_world(const std::string& extra, const std::string& arms) {
  const auto yaml = testing::small_world("enforcement-costs", 17, extra, arms);
  return run_task(load_scenario_text(yaml, "costs.yaml"), TaskSpec{0, 0, 0});
}

TEST(EnforcementCosts, AWrongfulSuspensionCostsItsDaysAndWithoutAppealsTheSeller) {
  // The ODR rule evaluated on Mondays (days divisible by 7): the horizon's
  // last Monday is day 175, so every horizon suspension's one suspended day
  // (the next) falls inside the horizon, and so does its appeal decision.
  const auto task =
      run_world("seller_behaviour: {appeal_days: 1, appeal_probability: 0}\n",
                "  baseline: {policies.odr.schedule: weekly, policies.odr.min_orders: 10}\n");
  const auto& arm = task.arms.at(0);
  const double fp = summary_value(arm, "false_positive_suspensions");
  ASSERT_GT(fp, 3.0);  // the rule does suspend good sellers here
  EXPECT_EQ(summary_value(arm, "wrongly_suspended_seller_days"), fp);
  EXPECT_EQ(summary_value(arm, "wrongful_exits"), fp);
  EXPECT_EQ(summary_value(arm, "reinstatements"), 0.0);
  EXPECT_EQ(summary_value(arm, "terminations"), 0.0);
  // Each lost day is the seller's own GMV per listed day: positive, and no
  // more than the whole marketplace's daily GMV.
  const double lost = summary_value(arm, "gmv_lost_wrongly_suspended");
  EXPECT_GT(lost, 0.0);
  EXPECT_LT(lost, fp * summary_value(arm, "gmv") / 120.0);
}

TEST(EnforcementCosts, ARuleActingOnEveryoneCatchesADeclineAtItsNextEvaluation) {
  // Sellers decline often (1% a day) and far (odds x e^3), and the reference
  // standard is the baseline's: the public rules. The other arms add a rule
  // every seller breaches (ODR below 100%, no order floor) that warns at each
  // evaluation, weekly or monthly, so a seller the decline takes across the
  // standard is acted on at the first evaluation day on or after its decline.
  const std::string always_warn =
      "{{kind: threshold_rule, name: watch, metric: order_defect_rate, below: 1, "
      "min_orders: 0, schedule: {}, ladder: [warn], grace_days: 0}}";
  const auto task = run_world("seller_behaviour: {decline_hazard: 0.01, decline_shift: 3}\n",
                              "  baseline: {}\n"
                              "  weekly: {policies+: " +
                                  fmt::format(fmt::runtime(always_warn), "weekly") +
                                  "}\n"
                                  "  monthly: {policies+: " +
                                  fmt::format(fmt::runtime(always_warn), "monthly") + "}\n");
  ASSERT_EQ(task.arms.size(), 3u);
  for (std::size_t a = 1; a < 3; ++a) {
    const auto& arm = task.arms[a];
    const double breachers = summary_value(arm, "declined_breachers");
    ASSERT_GT(breachers, 100.0);
    // A decline after the last evaluation day is never acted on: at most the
    // last 4 (weekly: days 176-179) or 29 (monthly: 151-179) days' declines.
    const double window = a == 1 ? 4.0 : 29.0;
    const double acted = summary_value(arm, "declined_breachers_acted_on");
    EXPECT_LE(acted, breachers);
    EXPECT_GE(acted, breachers * (1.0 - 1.5 * window / 120.0));
    // Days to the next evaluation, for a decline on a uniform day: 0-6 (mean
    // 3) weekly and 0-29 (mean 14.5) monthly; the few never acted on count
    // their days to the horizon's end, one fewer. Tolerance: 4 standard
    // errors of a mean of n uniform delays (sd 2.0 and 8.7 days).
    const double expected = a == 1 ? 3.0 : 14.5, sd = a == 1 ? 2.0 : 8.66;
    EXPECT_NEAR(summary_value(arm, "detection_delay_days"), expected,
                4.0 * sd / std::sqrt(breachers))
        << (a == 1 ? "weekly" : "monthly");
  }
  // Without the watch rule the public rules take far longer, when they act at all.
  EXPECT_GT(summary_value(task.arms[0], "detection_delay_days"),
            summary_value(task.arms[2], "detection_delay_days"));
}

}  // namespace
}  // namespace trustsim
