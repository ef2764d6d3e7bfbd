// Engine-level properties: bit-identical results for any OpenMP thread count
// and on repeated runs, sensitivity to the seed, common random numbers
// between identical arms, and the rolling-window arithmetic.
#include <cmath>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <omp.h>

#include "small_world.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/marketplace.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

// A small but complete marketplace: every mechanism on, seconds to run.
Scenario small_scenario(std::vector<std::string> sets = {}) {
  return testing::small_quickstart(40, std::move(sets));
}

std::string digest_with_threads(const Scenario& scenario, int threads) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  const auto tasks = run_all_tasks(scenario);
  omp_set_num_threads(before);
  return results_digest(assemble_results(scenario, tasks, {"test", "now"}));
}

TEST(Determinism, ResultsAreBitIdenticalForOneTwoAndThreeThreads) {
  const auto scenario = small_scenario();
  const auto one = digest_with_threads(scenario, 1);
  EXPECT_EQ(one, digest_with_threads(scenario, 2));
  EXPECT_EQ(one, digest_with_threads(scenario, 3));  // more threads than cores: still equal
}

// With every optional output on: the seller panel, the buyer event sample
// (logged per thread, sorted at the end) and the warm-up rows.
TEST(Determinism, PanelsAreBitIdenticalForOneTwoAndThreeThreads) {
  const auto scenario = small_scenario(
      {"outputs.seller_panel=0.3", "outputs.buyer_events=0.1", "outputs.timeseries_warmup=true"});
  const auto one = digest_with_threads(scenario, 1);
  EXPECT_EQ(one, digest_with_threads(scenario, 2));
  EXPECT_EQ(one, digest_with_threads(scenario, 3));
}

// A marketplace keeps per-thread calendar lanes and order logs between
// days; a thread count that changes from one day to the next (more lanes
// than threads, other seller blocks) must still give the same days.
TEST(Determinism, ThreadCountMayChangeBetweenDays) {
  const auto scenario = small_scenario();
  const auto settings = RunSettings::make(scenario.arms.front().model, {11, 0, 0}, 40, 60);
  const std::vector<RunSettings> arms = {settings};
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  Marketplace steady(settings, arms);
  Marketplace varying(settings, arms);
  const int threads[] = {4, 1, 3, 2, 7};
  for (std::int32_t day = 0; day < settings.total_days(); ++day) {
    omp_set_num_threads(1);
    const auto expected = steady.step_day(day);
    omp_set_num_threads(threads[day % 5]);
    const auto got = varying.step_day(day);
    ASSERT_EQ(expected.orders, got.orders) << "day " << day;
    ASSERT_EQ(expected.gmv_cents, got.gmv_cents) << "day " << day;
    ASSERT_EQ(expected.seller_order_defects, got.seller_order_defects) << "day " << day;
    ASSERT_EQ(expected.warnings, got.warnings) << "day " << day;
    ASSERT_EQ(expected.suspensions, got.suspensions) << "day " << day;
    ASSERT_EQ(expected.trust_delta_fixed, got.trust_delta_fixed) << "day " << day;
  }
  omp_set_num_threads(before);
  EXPECT_GT(steady.sellers().size(), 0u);
  EXPECT_EQ(steady.trust_sum_fixed(), varying.trust_sum_fixed());
  EXPECT_EQ(steady.buyers_present(), varying.buyers_present());
  EXPECT_EQ(steady.suspended_sellers(), varying.suspended_sellers());
  ASSERT_EQ(steady.buyers().size(), varying.buyers().size());
  for (std::size_t b = 0; b < steady.buyers().size(); ++b) {
    ASSERT_EQ(steady.buyers()[b].trust, varying.buyers()[b].trust) << "buyer " << b;
    ASSERT_EQ(steady.buyers()[b].next_time, varying.buyers()[b].next_time) << "buyer " << b;
  }
  EXPECT_EQ(steady.sellers().windows.sum(0, 0), varying.sellers().windows.sum(0, 0));
}

TEST(Determinism, RepeatedRunsAreBitIdentical) {
  const auto scenario = small_scenario();
  EXPECT_EQ(digest_with_threads(scenario, 2), digest_with_threads(scenario, 2));
}

TEST(Determinism, AnotherSeedGivesOtherResults) {
  EXPECT_NE(digest_with_threads(small_scenario({"seed=1"}), 2),
            digest_with_threads(small_scenario({"seed=2"}), 2));
}

TEST(Determinism, DigestIgnoresRunMetadata) {
  const auto scenario = small_scenario({"replications=1"});
  const auto tasks = run_all_tasks(scenario);
  EXPECT_EQ(results_digest(assemble_results(scenario, tasks, {"a", "2026-01-01"})),
            results_digest(assemble_results(scenario, tasks, {"b", "2027-01-01"})));
}

TEST(CommonRandomNumbers, IdenticalArmsGiveIdenticalOutcomes) {
  // The candidate overrides a value with itself: same policy, same draws.
  const auto scenario = small_scenario({"replications=1"});
  auto same = scenario;
  same.arms.push_back(same.arms.front());
  same.arms.back().name = "copy";
  same.points[0].arm_models.push_back(same.points[0].arm_models.front());
  const auto task = run_task(same, {});
  ASSERT_EQ(task.arms.size(), 3u);
  EXPECT_EQ(task.arms[0].summary, task.arms[2].summary);
  EXPECT_EQ(task.arms[0].timeseries, task.arms[2].timeseries);
}

TEST(CommonRandomNumbers, ArmsShareTheWarmUpAndDivergeOnlyAfterIt) {
  // A candidate that differs in policy changes outcomes; the baseline of a
  // two-arm run equals a one-arm run of the baseline alone.
  const auto scenario = small_scenario({"replications=1"});
  auto baseline_only = scenario;
  baseline_only.arms.resize(1);
  baseline_only.points[0].arm_models.resize(1);
  const auto both = run_task(scenario, {});
  const auto alone = run_task(baseline_only, {});
  EXPECT_EQ(both.arms[0].summary, alone.arms[0].summary);
  EXPECT_NE(both.arms[0].summary, both.arms[1].summary);
}

TEST(RollingWindows, SumsEqualTheLastWindowDays) {
  RollingWindows w;
  const auto last3 = w.require(Counter::kOrders, 3);
  const auto last5 = w.require(Counter::kOrders, 5);
  const auto defects2 = w.require(Counter::kOrderDefects, 2);
  EXPECT_EQ(w.require(Counter::kOrders, 3), last3);  // registered once
  w.add_sellers(2);
  std::vector<std::uint32_t> history;
  for (std::uint32_t day = 0; day < 20; ++day) {
    w.begin_day(day);
    DayCounts c{};
    c[static_cast<std::size_t>(Counter::kOrders)] = day * day + 1;
    c[static_cast<std::size_t>(Counter::kOrderDefects)] = day % 3;
    w.push_day(0, c);
    w.push_day(1, DayCounts{});
    history.push_back(day * day + 1);
    auto tail = [&](std::size_t n) {
      std::uint32_t s = 0;
      for (std::size_t i = history.size() > n ? history.size() - n : 0; i < history.size(); ++i)
        s += history[i];
      return s;
    };
    EXPECT_EQ(w.sum(0, last3), tail(3)) << "day " << day;
    EXPECT_EQ(w.sum(0, last5), tail(5)) << "day " << day;
    EXPECT_EQ(w.sum(0, defects2), day % 3 + (day > 0 ? (day - 1) % 3 : 0)) << "day " << day;
    EXPECT_EQ(w.sum(1, last5), 0u);
  }
  EXPECT_THROW(w.require(Counter::kCancels, 7), std::logic_error);
  EXPECT_THROW((void)w.find(Counter::kCancels, 7), std::out_of_range);
}

TEST(RollingWindows, SellersAddedLaterStartFromZero) {
  RollingWindows w;
  const auto h = w.require(Counter::kOrders, 4);
  w.add_sellers(1);
  for (std::uint32_t day = 0; day < 10; ++day) {
    if (day == 6) w.add_sellers(1);
    w.begin_day(day);
    DayCounts c{};
    c[static_cast<std::size_t>(Counter::kOrders)] = 1;
    w.push_day(0, c);
    if (day >= 6) w.push_day(1, c);
  }
  EXPECT_EQ(w.sum(0, h), 4u);
  EXPECT_EQ(w.sum(1, h), 4u);  // entered on day 6: days 6..9
}

// Every window of every counter equals a brute-force sum over the seller's
// history, for sellers entering at different days, windows sharing a
// counter, mostly-empty days and the layout growing in the middle of a run.
TEST(RollingWindows, MatchBruteForceSumsOverManyDays) {
  RollingWindows w;
  const std::vector<std::pair<Counter, std::uint32_t>> spec = {
      {Counter::kOrders, 1},   {Counter::kOrders, 7},        {Counter::kOrders, 60},
      {Counter::kCancels, 7},  {Counter::kOrderDefects, 90}, {Counter::kLateShipments, 30},
      {Counter::kOrders, 365}, {Counter::kOrderDefects, 60}};
  std::vector<std::uint32_t> handles;
  for (const auto& [c, days] : spec) handles.push_back(w.require(c, days));
  std::vector<std::vector<DayCounts>> history;  // per seller, from its first day
  std::uint64_t state = 12345;
  auto next = [&state] {  // a small LCG: the test's own reproducible counts
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state >> 33);
  };
  for (std::uint32_t day = 0; day < 800; ++day) {
    if (day % 50 == 0) {  // 3 sellers enter; the first entries force a re-layout
      w.add_sellers(3);
      history.resize(history.size() + 3);
    }
    w.begin_day(day);
    for (std::size_t s = 0; s < history.size(); ++s) {
      DayCounts c{};
      if (next() % 4 == 0)  // three days in four are empty, as for most sellers
        for (auto& v : c) v = next() % 9;
      w.push_day(s, c);
      history[s].push_back(c);
    }
    if (day % 7 != 3) continue;
    for (std::size_t s = 0; s < history.size(); ++s)
      for (std::size_t i = 0; i < spec.size(); ++i) {
        const auto& [counter, days] = spec[i];
        const auto& h = history[s];
        std::uint32_t expected = 0;
        for (std::size_t d = h.size() > days ? h.size() - days : 0; d < h.size(); ++d)
          expected += h[d][static_cast<std::size_t>(counter)];
        ASSERT_EQ(w.sum(s, handles[i]), expected)
            << "day " << day << " seller " << s << " window " << i;
      }
  }
}

// Running totals wrap modulo 2^32 (fulfilment-quality loss is counted in
// 1/10,000ths): a window's sum stays exact as long as it fits in 32 bits.
TEST(RollingWindows, SumsStayExactWhenTotalsWrap) {
  RollingWindows w;
  const auto h = w.require(Counter::kFqiLoss, 2);
  w.add_sellers(1);
  DayCounts c{};
  for (std::uint32_t day = 0; day < 12; ++day) {
    w.begin_day(day);
    c[static_cast<std::size_t>(Counter::kFqiLoss)] = day % 2 ? 2'000'000'000u : 100u;
    w.push_day(0, c);
    if (day > 0) EXPECT_EQ(w.sum(0, h), 2'000'000'100u) << "day " << day;
  }
}

}  // namespace
}  // namespace trustsim

namespace trustsim {
namespace {

// The tabulated trust responses stay close to the exact functions over the
// whole trust range, for the default parameters and a steeper variant.
// Linear interpolation errs by at most h^2/8 * max|f''| with h = 1/1024:
// for the intensity multiplier (about 1 at the initial trust; f'' <= 12 for
// elasticity 3.5) that is 1.5e-6 absolute, so 2e-6 is the bound; for the
// exponential hazard, f''/f = slope^2 = 56 gives 7e-6 relative, so 1e-5.
TEST(TrustCurve, MatchesTheExactResponses) {
  for (double elasticity : {2.0, 3.5}) {
    ModelParams params;
    params.trust.intensity_elasticity = elasticity;
    const auto s = RunSettings::make(params, {1, 0, 0}, 0, 1);
    for (int i = 0; i <= 10000; ++i) {
      const double trust = i / 10000.0;
      const double intensity = std::pow(trust / params.trust.initial, elasticity);
      const double hazard = std::exp(s.churn_log_intercept + s.churn_log_slope * trust);
      EXPECT_NEAR(s.intensity(trust), intensity, 2e-6) << trust;
      EXPECT_NEAR(s.churn_hazard(trust), hazard, 1e-5 * hazard) << trust;
    }
  }
  // Out-of-range input is clamped, never read past the table.
  const auto s = RunSettings::make(ModelParams{}, {1, 0, 0}, 0, 1);
  EXPECT_EQ(s.intensity(1.5), s.intensity(1.0));
  EXPECT_EQ(s.intensity(-0.5), s.intensity(0.0));
}

}  // namespace
}  // namespace trustsim
