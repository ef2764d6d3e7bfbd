// Policy kind "defect_count_rule": read from a scenario, checked, and acting only
// once a seller has enough defective orders in the window.
#include <gtest/gtest.h>

#include <algorithm>
#include <any>
#include <cmath>
#include <random>

#include "policies/defect_count_rule.hpp"
#include "policy_bench.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

using testing::Bench;

PolicyEntry defect_count(std::uint64_t min_defects, double above = 0.02) {
  DefectCountRuleParams p;
  p.metric = Metric::kOrderDefectRate;
  p.window_days = 10;
  p.above = above;
  p.min_defects = min_defects;
  p.schedule = Schedule::kDaily;
  p.ladder = {Action::kWarn, Action::kSuspend};
  p.grace_days = 2;
  return {"defect_count_rule", p};
}

TEST(DefectCountRuleTest, ARateWithTooFewDefectiveOrdersBehindItDoesNotCount) {
  // 10 orders a day, 1 defective: a 10% rate against 2%, but 5 defects take 5 days.
  Bench bench(defect_count(5));
  for (int d = 0; d < 4; ++d) EXPECT_EQ(bench.day(10, 1).warnings, 0) << "day " << d;
  EXPECT_EQ(bench.day(10, 1).warnings, 1);     // day 4: 5 defects in the window
  EXPECT_EQ(bench.day(10, 1).suspensions, 0);  // day 5: inside the 2-day grace period
  EXPECT_EQ(bench.day(10, 1).suspensions, 1);  // day 6: the ladder's second step
}

TEST(DefectCountRuleTest, EnoughDefectsAtALowRateDoNotCountEither) {
  // 1,000 orders a day, 10 defective: 1% stays below the 2% threshold however many.
  Bench bench(defect_count(5));
  for (int d = 0; d < 20; ++d) EXPECT_EQ(bench.day(1000, 10).warnings, 0) << "day " << d;
}

// Sellers who all have the same true defect rate p, each with n orders in
// the window: whom the rule acts on is pure noise. It acts on a seller when
// its defects X ~ Binomial(n, p) reach the floor and put the rate above the
// threshold, so the count acted on is Binomial(sellers, P(X >= k)) with
// k = max(min_defects, floor(threshold n) + 1). Tolerance: 4 standard
// deviations of that count (a false alarm about once in 16,000 runs of a
// fixed seed; the seed is fixed, so the test is deterministic).
TEST(DefectCountRuleTest, PureNoiseSellersAreActedOnAtTheBinomialTailOfTheFloor) {
  constexpr std::size_t kSellers = 4000;
  constexpr std::uint32_t kOrders = 100;
  auto upper_tail = [](std::uint32_t k, std::uint32_t n, double p) {
    double below = 0;  // P(X < k), by the probability mass function
    for (std::uint32_t j = 0; j < k; ++j)
      below += std::exp(std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) +
                        j * std::log(p) + (n - j) * std::log1p(-p));
    return 1.0 - below;
  };
  for (const double p : {0.01, 0.02}) {
    for (const std::uint64_t floor : {0u, 5u}) {
      auto entry = defect_count(floor);  // above 2%: 3 or more defects in 100 orders
      std::any_cast<DefectCountRuleParams&>(entry.parameters).window_days = 1;
      Bench bench(entry, kSellers);
      std::mt19937_64 engine(20261201);
      std::binomial_distribution<std::uint32_t> defects(kOrders, p);
      const auto t = bench.day_each([&](std::size_t) {
        return std::pair{kOrders, defects(engine)};
      });
      const std::uint32_t k = std::max<std::uint32_t>(static_cast<std::uint32_t>(floor), 3);
      const double q = upper_tail(k, kOrders, p);
      const double expected = kSellers * q, sd = std::sqrt(kSellers * q * (1 - q));
      EXPECT_NEAR(static_cast<double>(t.warnings), expected, 4 * sd)
          << "p " << p << ", min_defects " << floor;
    }
  }
}

TEST(DefectCountRuleTest, IsReadFromAScenarioAndWrittenBack) {
  const auto scenario = load_scenario_text(
      "seed: 1\n"
      "policies:\n"
      "  - {kind: defect_count_rule, metric: order_defect_rate, above: 0.02, min_defects: 5}\n"
      "  - {kind: threshold_rule, metric: cancel_rate, above: 0.025, ladder: [warn]}\n",
      "test.yaml");
  const auto& policies = scenario.settings.model.policies;
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_EQ(policies[0].kind, "defect_count_rule");
  const auto& p = std::any_cast<const DefectCountRuleParams&>(policies[0].parameters);
  EXPECT_EQ(p.min_defects, 5u);
  EXPECT_EQ(p.window_days, 90u);  // the kind's default
  EXPECT_NE(scenario.resolved_yaml.find("kind: defect_count_rule"), std::string::npos);
  EXPECT_NE(scenario.resolved_yaml.find("min_defects: 5"), std::string::npos);
  // The resolved scenario reads back to itself.
  EXPECT_EQ(load_scenario_text(scenario.resolved_yaml, "resolved.yaml").resolved_yaml,
            scenario.resolved_yaml);
}

TEST(DefectCountRuleTest, ARateThatDoesNotCountDefectsIsRefused) {
  try {
    load_scenario_text(
        "seed: 1\npolicies:\n  - {kind: defect_count_rule, metric: valid_tracking_rate}\n",
        "test.yaml");
    FAIL() << "loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("policies[0].metric: valid_tracking_rate does not count "
                                         "defective orders"),
              std::string::npos)
        << e.what();
  }
  try {
    load_scenario_text("seed: 1\npolicies:\n  - {kind: defect_count_rule, below: 0.5}\n",
                       "test.yaml");
    FAIL() << "loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("policies[0].below: unknown key"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace trustsim
