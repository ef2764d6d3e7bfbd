// The seller population's tail and turnover (MODEL.md 2; docs/reference-world.md,
// "Problem sellers" and "Seller turnover"):
//  1. problem sellers are a binomial share of the drawn sellers, their quality
//     factor shifted by exactly problem_shift, and the draw is appended to the
//     creation stream: every other trait is the same with or without the tail;
//  2. the background exit hazard removes sellers as a constant daily hazard:
//     with nothing else acting, the exits by day D are binomial with
//     probability 1 - (1 - h)^D;
//  3. an arm that changes the hazard changes the rate from the fork on, and a
//     hazard of 0 removes no one;
//  4. the performance decline is a clock of the same kind: the sellers who
//     have declined by day D are binomial with probability 1 - (1 - h)^D,
//     each declined seller's defect odds are exactly its own shifted by
//     decline_shift, and with no decline hazard the shift changes nothing.
#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "trustsim/experiment.hpp"
#include "trustsim/marketplace.hpp"
#include "trustsim/outcome_tables.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

TEST(SellerTurnover, ProblemSellersAreTheDrawnShareShiftedByProblemShift) {
  constexpr std::size_t kSellers = 20000;
  constexpr double kShare = 0.1, kShift = 2.5;
  SellerPopulation plain;
  SellerPopulation tail;
  tail.quality.problem_share = kShare;
  tail.quality.problem_shift = kShift;
  const rng::StreamKey key{7, 0, 0};
  std::size_t problem = 0;
  for (std::size_t id = 0; id < kSellers; ++id) {
    const auto a = draw_seller(key, id, plain);
    const auto b = draw_seller(key, id, tail);
    ASSERT_EQ(a.channel, b.channel);
    ASSERT_EQ(a.tenure, b.tenure);
    ASSERT_EQ(a.offers, b.offers);
    ASSERT_EQ(a.price_level, b.price_level);
    ASSERT_EQ(a.noise, b.noise);
    ASSERT_EQ(a.exit_clock, b.exit_clock);
    if (b.quality != a.quality) {
      ASSERT_DOUBLE_EQ(b.quality, a.quality + kShift);
      ++problem;
    }
  }
  // Binomial(20000, 0.1): sd 42.4; 4 sd fails a correct draw with
  // probability 6e-5, while a share read as a percentage or a draw reused
  // from another trait (correlated with it) is off by far more.
  const double sd = std::sqrt(kSellers * kShare * (1 - kShare));
  EXPECT_NEAR(static_cast<double>(problem), kSellers * kShare, 4 * sd);
}

// Identical platform-fulfilled sellers, no policy, no exit for lack of sales:
// only the background hazard removes sellers.
Scenario turnover_world(double hazard, double arm_hazard, double decline_hazard = 0,
                        double decline_shift = 2) {
  const std::string yaml = fmt::format(R"(
seed: 11
warmup_days: 100
horizon_days: 200
replications: 1
population:
  sellers:
    count: 600
    channel: {{platform_fulfilled: 1.0}}
    entry_per_day: 0
  buyers:
    count: 3000
    arrivals_per_day: 0
seller_behaviour: {{exit_hazard_no_sales: 0, exit_hazard: {}, decline_hazard: {},
                   decline_shift: {}}}
policies: []
arms:
  baseline: {{}}
  other:
    seller_behaviour.exit_hazard: {}
)",
                                       hazard, decline_hazard, decline_shift, arm_hazard);
  return load_scenario_text(yaml, "turnover.yaml");
}

// `model`'s world after `days` days, from day 0.
Marketplace world_after(const ModelParams& model, std::int32_t days) {
  const auto settings = RunSettings::make(model, {11, 0, 0}, 0, days);
  Marketplace market(settings, std::span<const RunSettings>(&settings, 1));
  for (std::int32_t day = 0; day < days; ++day) market.step_day(day);
  return market;
}

// Sellers still active after `days` days of `model`'s world, from day 0.
std::size_t survivors(const ModelParams& model, std::int32_t days) {
  const auto market = world_after(model, days);
  std::size_t active = 0;
  for (auto status : market.sellers().status) active += status == SellerStatus::kActive;
  return active;
}

TEST(SellerTurnover, BackgroundExitsFollowTheDailyHazard) {
  constexpr double kHazard = 0.002;
  constexpr std::int32_t kDays = 300;
  const auto scenario = turnover_world(kHazard, 0.0);
  const double sellers = 600;
  const double p_exit = 1.0 - std::pow(1.0 - kHazard, kDays);
  const double exits = sellers - static_cast<double>(survivors(scenario.arms[0].model, kDays));
  // Binomial(600, 0.45): sd 12.2; 4 sd. A hazard applied per week or twice a
  // day, or read as a yearly rate, moves the mean by > 60.
  const double sd = std::sqrt(sellers * p_exit * (1 - p_exit));
  EXPECT_NEAR(exits, sellers * p_exit, 4 * sd);
  // No hazard, no background exit.
  EXPECT_EQ(survivors(scenario.arms[1].model, kDays), 600u);
}

TEST(SellerTurnover, AnArmChangesTheExitRateFromTheForkOn) {
  // The arm doubles the hazard: its horizon exits are about twice the
  // baseline's, and the warm-up (shared) removed the same sellers from both.
  const auto scenario = turnover_world(0.001, 0.002);
  const auto result = run_all_tasks(scenario);
  ASSERT_EQ(result.size(), 1u);
  const auto& arms = result.begin()->second.arms;
  const auto& names = summary_outcomes();
  std::size_t exits_column = names.size();
  for (std::size_t c = 0; c < names.size(); ++c)
    if (names[c].name == "seller_exits") exits_column = c;
  ASSERT_LT(exits_column, names.size());
  const double base = arms[0].summary[exits_column];
  const double arm = arms[1].summary[exits_column];
  // About 600 * e^-0.1 = 543 sellers enter the horizon; 200 days at 0.001
  // remove 98 (sd 9), at 0.002 178 (sd 12). The two counts share their
  // exit clocks (common random numbers), so the arm's exits include every
  // baseline exit: a clock that restarted at the fork or a hazard an arm
  // cannot change fails one of these.
  EXPECT_NEAR(base, 543 * (1 - std::pow(0.999, 200)), 4 * 9.0);
  EXPECT_NEAR(arm, 543 * (1 - std::pow(0.998, 200)), 4 * 12.0);
  EXPECT_GT(arm, base);
}

// Checks that each seller's order profile (the odds its orders are drawn
// from) and quality factor are its own creation draws, shifted by exactly
// `shift` once it has declined (bit for bit); returns the declined sellers.
std::size_t declined_sellers_shifted_by(const Marketplace& market, const ModelParams& model,
                                        double shift) {
  const auto& sellers = market.sellers();
  std::size_t declined = 0;
  for (std::size_t s = 0; s < sellers.size(); ++s) {
    auto draws = draw_seller({11, 0, 0}, s, model.population.sellers);
    if (sellers.declined[s] != 0) {
      ++declined;
      draws.quality += shift;
    }
    const auto expected = order_profile(draws, model);
    EXPECT_EQ(sellers.profile[s].cancel, expected.cancel) << "seller " << s;
    EXPECT_EQ(sellers.profile[s].late_shipment, expected.late_shipment) << "seller " << s;
    EXPECT_EQ(sellers.profile[s].not_as_described, expected.not_as_described) << "seller " << s;
    EXPECT_EQ(sellers.quality[s], static_cast<float>(draws.quality)) << "seller " << s;
  }
  return declined;
}

TEST(SellerTurnover, DeclinesFollowTheDailyHazardAndShiftTheDeclinedSellersOdds) {
  constexpr double kHazard = 0.002, kShift = 1.5;
  constexpr std::int32_t kDays = 300;
  const auto scenario = turnover_world(0.0, 0.0, kHazard, kShift);
  const auto& model = scenario.arms[0].model;
  const auto market = world_after(model, kDays);
  const auto& sellers = market.sellers();
  const double p_declined = 1.0 - std::pow(1.0 - kHazard, kDays);
  for (auto status : sellers.status)
    ASSERT_EQ(status, SellerStatus::kActive);  // no exit of any kind here
  const auto declined = declined_sellers_shifted_by(market, model, kShift);
  // Binomial(600, 0.45): sd 12.2; 4 sd. A hazard applied per week, twice a
  // day or again after a seller has declined moves the mean by > 60.
  const double n = static_cast<double>(sellers.size());
  const double sd = std::sqrt(n * p_declined * (1 - p_declined));
  EXPECT_NEAR(static_cast<double>(declined), n * p_declined, 4 * sd);
}

TEST(SellerTurnover, AnArmsDeclineShiftMovesTheDeclinedSellersQualityWithTheirOdds) {
  // An arm may change decline_shift: at the fork, each declined seller's
  // order profile and its quality factor (read by top_quality_sales_share
  // and the seller panel) both become its own draw shifted by the arm's.
  constexpr double kShift = 1.5, kArmShift = 3.0;
  auto model = turnover_world(0.0, 0.0, 0.002, kShift).arms[0].model;
  auto market = world_after(model, 300);
  model.seller_behaviour.decline_shift = kArmShift;
  market.apply_arm(RunSettings::make(model, {11, 0, 0}, 0, 300));
  EXPECT_GT(declined_sellers_shifted_by(market, model, kArmShift), 100u);  // about 270 of 600
}

TEST(SellerTurnover, WithoutADeclineHazardTheShiftChangesNothing) {
  // Same seed, no decline hazard, two different shifts: every seller's
  // profile and state is the same bit for bit, and no one declined.
  const auto a = world_after(turnover_world(0.001, 0.0, 0.0, 1.0).arms[0].model, 200);
  const auto b = world_after(turnover_world(0.001, 0.0, 0.0, 4.0).arms[0].model, 200);
  const auto& sa = a.sellers();
  const auto& sb = b.sellers();
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t s = 0; s < sa.size(); ++s) {
    ASSERT_EQ(sa.declined[s], 0);
    ASSERT_EQ(sa.status[s], sb.status[s]);
    ASSERT_EQ(sa.quality[s], sb.quality[s]);
    ASSERT_EQ(sa.profile[s].cancel, sb.profile[s].cancel);
    ASSERT_EQ(sa.tally[s].gmv_cents, sb.tally[s].gmv_cents);
  }
}

}  // namespace
}  // namespace trustsim
