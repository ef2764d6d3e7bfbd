// The account-health score (policy kind account_health) on the policy bench,
// day by day against what its rules say, and in a small world:
//  1. points add up per violation and the bands act: one violation puts a
//     seller at risk (one warning, not one a day), two make it unhealthy;
//  2. a violation stops counting when it expires, and the seller is healthy again;
//  3. a reinstatement clears the violations; the score's own appeal terms
//     decide its suspensions;
//  4. each violation is a rule of the reference standard;
//  5. a policy of any kind that can never act changes nothing, bit for bit.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "arm_world.hpp"
#include "policies/account_health.hpp"
#include "policy_bench.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

using testing::Bench;

// Two ODR violations over a 2-day window, assessed daily: above 1% costs
// 100 points, above 3% another 60; a violation expires after 5 days.
AccountHealthParams two_odr_violations() {
  AccountHealthParams p;
  p.violations = {{Metric::kOrderDefectRate, 2, Comparison::kAbove, 0.01, 10, 100},
                  {Metric::kOrderDefectRate, 2, Comparison::kAbove, 0.03, 10, 60}};
  p.schedule = Schedule::kDaily;
  p.expiry_days = 5;
  return p;  // start 200, at risk below 200, unhealthy below 100
}

PolicyEntry health(const AccountHealthParams& p) { return {"account_health", p}; }

TEST(AccountHealthTest, ViolationPointsAddUpAndTheBandsAct) {
  Bench bench(health(two_odr_violations()), 2);
  bench.sellers().profile[1].not_as_described = 0.5f;  // the second seller's breaches are real
  const auto& score = bench.policy<AccountHealth>();
  auto t = bench.day(100, 2);  // 2%: the first violation, 100 points
  EXPECT_DOUBLE_EQ(score.score(0), 100.0);
  EXPECT_TRUE(score.at_risk(0));
  EXPECT_EQ(t.warnings, 2);
  t = bench.day(100, 2);  // still at risk: no second warning, no new violation
  EXPECT_EQ(t.warnings, 0);
  EXPECT_DOUBLE_EQ(score.score(0), 100.0);
  t = bench.day(100, 5);  // 3.5% over the window: the second violation, 160 points
  EXPECT_DOUBLE_EQ(score.score(0), 40.0);
  EXPECT_EQ(t.suspensions, 2);
  EXPECT_EQ(bench.sellers().status[0], SellerStatus::kSuspended);
  // Judged against the run's standard (the score's own violations): the first
  // seller's true rates meet it, the second's do not.
  EXPECT_EQ(t.false_positive_suspensions, 1);
  const auto outcomes = bench.policy<AccountHealth>().horizon_outcomes();
  EXPECT_EQ(outcomes,
            (std::vector<double>{4, 2, 2, 2}));  // violations, warnings, suspensions, sellers
}

TEST(AccountHealthTest, AViolationExpiresAndTheSellerIsHealthyAgain) {
  Bench bench(health(two_odr_violations()));
  const auto& score = bench.policy<AccountHealth>();
  bench.day(100, 2);  // day 0: violation recorded, at risk
  for (int d = 1; d <= 4; ++d) {
    bench.day(100, 0);  // clean from day 1: the 2-day window clears by day 2
    EXPECT_DOUBLE_EQ(score.score(0), 100.0) << "day " << d;  // counts for 5 days
  }
  bench.day(100, 0);  // day 5: expired
  EXPECT_DOUBLE_EQ(score.score(0), 200.0);
  EXPECT_FALSE(score.at_risk(0));
  const auto t = bench.day(100, 3);  // 1.5% over days 5-6: at risk again, warned again
  EXPECT_EQ(t.warnings, 1);
}

TEST(AccountHealthTest, AReinstatementClearsTheViolations) {
  const auto always = testing::always_reinstated(2);
  auto params = two_odr_violations();
  params.expiry_days = 100;
  Bench bench(health(params), 1, always);
  bench.day(100, 5);  // day 0: both violations, suspended; appeal on day 2
  bench.day(100, 0);
  const auto t = bench.day(100, 0);
  ASSERT_EQ(t.reinstatements, 1);
  EXPECT_DOUBLE_EQ(bench.policy<AccountHealth>().score(0), 200.0);
}

// With appeal: own, the score's suspensions carry its own terms, not the
// marketplace's: here no seller would appeal on the marketplace's terms.
TEST(AccountHealthTest, ItsOwnAppealDecidesItsSuspensions) {
  SellerBehaviour never;
  never.appeal_probability = 0.0;
  auto params = two_odr_violations();
  params.expiry_days = 100;
  params.appeal.process = AppealProcess::kOwn;
  params.appeal.terms = {1.0, 4, 1.0, 0.5};  // appeal, win after 4 days, half the missing effort
  Bench bench(health(params), 1, never);
  bench.day(100, 5);  // day 0: both violations, suspended; appeal on day 4
  EXPECT_EQ(bench.sellers().appeal_day[0], 4);
  for (int d = 1; d < 4; ++d) bench.day(100, 0);
  ASSERT_EQ(bench.day(100, 0).reinstatements, 1);
  EXPECT_EQ(bench.sellers().status[0], SellerStatus::kActive);
  EXPECT_EQ(bench.sellers().effort[0], 0.5f);  // from 0: no warning came first
  EXPECT_DOUBLE_EQ(bench.policy<AccountHealth>().score(0), 200.0);
}

TEST(AccountHealthTest, EachViolationIsARuleOfTheStandard) {
  AccountHealthParams p;  // the four public standards
  p.scope.tenures = {Tenure::kNew};
  const auto rules = AccountHealth(p).standards();
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[3].metric, Metric::kValidTrackingRate);
  EXPECT_EQ(rules[3].comparison, Comparison::kBelow);
  EXPECT_EQ(rules[3].threshold, 0.95);
  SellerCohort veteran;
  veteran.tenure = Tenure::kVeteran;
  EXPECT_FALSE(rules[0].scope.covers(veteran));
}

// Added to a world, a policy that can never act changes no outcome, bit for
// bit: it only reads windows. The reference standard is the baseline's.
TEST(PolicyKinds, APolicyThatCanNeverActChangesNothing) {
  testing::ArmKey none{"seed", "11"};
  auto yaml = testing::scenario_with_arm(none);
  yaml = yaml.substr(0, yaml.find("arms:\n")) +
         "arms:\n"
         "  baseline: {}\n"
         "  threshold: {policies+: {kind: threshold_rule, name: never, metric: "
         "order_defect_rate, above: 1, min_orders: 0, ladder: [suspend]}}\n"
         "  defect_count: {policies+: {kind: defect_count_rule, name: never, metric: "
         "order_defect_rate, above: 0, min_defects: 1000000, ladder: [suspend]}}\n"
         "  account_health: {policies+: {kind: account_health, name: never, start_score: 1000, "
         "at_risk_below: 0, suspend_below: 0}}\n"
         "  acting_health: {policies+: {kind: account_health, name: acting}}\n";
  const auto scenario = load_scenario_text(yaml, "never.yaml");
  const auto task = run_task(scenario, TaskSpec{0, 0, 0});
  ASSERT_EQ(task.arms.size(), 5u);
  for (std::size_t a = 1; a <= 3; ++a)
    EXPECT_TRUE(testing::same_outputs(task.arms[0], task.arms[a])) << scenario.arms[a].name;
  // The comparison can fail: the default account-health score acts here.
  EXPECT_FALSE(testing::same_outputs(task.arms[0], task.arms[4]));
}

}  // namespace
}  // namespace trustsim
