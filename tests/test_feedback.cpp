// Feedback as buyers leave it and the displayed rating (MODEL.md 6):
//  1. neutral and positive feedback share the negative feedback's draw and
//     never move a negative, so they cannot change an order defect;
//  2. on problem-free orders each kind is left at its stated probability;
//  3. an untracked order the seller shipped draws untracked_defect_multiplier
//     times the order defects of a tracked one (the cited "tracked orders have
//     about 60% fewer defects");
//  4. buyers who weigh the displayed rating buy less from sellers whose
//     rating shows non-positive feedback.
#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "trustsim/marketplace.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

constexpr int kOrders = 400000;

// Binomial standard error of a frequency over kOrders orders.
double binomial_se(double p) { return std::sqrt(std::max(p * (1 - p), 1e-12) / kOrders); }

TEST(Feedback, NeutralAndPositiveNeverMoveANegative) {
  ModelParams with_all;
  ModelParams negative_only = with_all;
  auto& o = negative_only.orders;
  o.neutral_feedback = o.neutral_feedback_if_problem = 0.0;
  o.positive_feedback = o.positive_feedback_if_resolved = 0.0;
  const auto all = OrderModel::from(with_all);
  const auto negatives = OrderModel::from(negative_only);
  // A seller with many problems, so every branch of the tree is reached.
  const SellerOrderProfile seller{
      0.05f, 0.1f, 0.2f, 0.15f, 0.08f, 0.02f, 0.6f, Channel::kSellerFulfilled, CsProvider::kSelf};
  std::array<int, 4> kinds{};
  for (int i = 0; i < kOrders; ++i) {
    OrderDraws a({3, 1, 0}, static_cast<std::uint64_t>(i), 2, 0);
    OrderDraws b({3, 1, 0}, static_cast<std::uint64_t>(i), 2, 0);
    const auto x = all.decide(a, seller, OrderConditions{});
    const auto y = negatives.decide(b, seller, OrderConditions{});
    ASSERT_EQ(x.negative_feedback, y.negative_feedback) << "order " << i;
    ASSERT_EQ(x.order_defect, y.order_defect) << "order " << i;
    ASSERT_EQ(x.negative_feedback, x.feedback == Feedback::kNegative) << "order " << i;
    ASSERT_TRUE(y.feedback == Feedback::kNone || y.feedback == Feedback::kNegative);
    kinds[static_cast<std::size_t>(x.feedback)] += 1;
  }
  // Every kind occurs, so the comparison above covered them.
  for (int count : kinds) EXPECT_GT(count, 0);
}

TEST(Feedback, ProblemFreeOrdersLeaveEachKindAtItsProbability) {
  ModelParams params;
  params.orders.cs_contact = 0.0;
  params.channels[idx(Channel::kPlatformFulfilled)].early_delivery = 0.0;
  const auto model = OrderModel::from(params);
  const SellerOrderProfile flawless{
      0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f, Channel::kPlatformFulfilled, CsProvider::kPlatform};
  std::array<double, 4> count{};
  for (int i = 0; i < kOrders; ++i) {
    OrderDraws draws({8, 2, 0}, static_cast<std::uint64_t>(i), 3, 0);
    const auto o = model.decide(draws, flawless, OrderConditions{});
    ASSERT_FALSE(o.late_delivery || o.not_as_described || o.cancelled);
    count[static_cast<std::size_t>(o.feedback)] += 1;
  }
  // 5 binomial standard errors: a correct tree fails with p < 1e-6, while a
  // kind drawn from the wrong band moves its frequency by far more.
  const auto& p = params.orders;
  const std::array<std::pair<Feedback, double>, 3> expected = {
      {{Feedback::kPositive, p.positive_feedback},
       {Feedback::kNeutral, p.neutral_feedback},
       {Feedback::kNegative, p.negative_feedback}}};
  for (const auto& [kind, probability] : expected)
    EXPECT_NEAR(count[static_cast<std::size_t>(kind)] / kOrders, probability,
                5 * binomial_se(probability))
        << "feedback kind " << static_cast<int>(kind);
}

TEST(Feedback, TrackedOrdersHaveAboutSixtyPercentFewerDefects) {
  const ModelParams params;
  const auto model = OrderModel::from(params);
  const auto dsi = DsiWeights::from(params.signals);
  // No cancellations (whose defects have no shipment to track): every order
  // defect comes from a shipped order, tracked or not.
  auto defects = [&](float invalid_tracking) {
    const SellerOrderProfile seller{0.0f,
                                    0.05f,
                                    invalid_tracking,
                                    0.06f,
                                    0.03f,
                                    0.01f,
                                    0.7f,
                                    Channel::kSellerFulfilled,
                                    CsProvider::kSelf};
    return expected_rates(model, seller, OrderConditions{}, dsi).order_defects;
  };
  const double ratio = defects(0.0f) / defects(1.0f);
  // Each of negative feedback, claim and chargeback is 1 / 2.5 = 0.4 times as
  // likely on a tracked order; "any of the three" is above 0.4, since
  // 1 - prod(1 - p) is concave in the common factor: after an unresolved
  // problem the untracked claim probability is 0.325, and the ratio is 0.42
  // (58% fewer). The band asks for 55-60% fewer, the cited "about 60%".
  EXPECT_GT(ratio, 0.40);
  EXPECT_LT(ratio, 0.45);
}

// A small world whose buyers weigh the displayed rating with `weight`.
ModelParams rating_world(double weight) {
  const std::string yaml = fmt::format(R"(
seed: 21
warmup_days: 0
horizon_days: 120
replications: 1
population:
  sellers: {{count: 300, entry_per_day: 0}}
  buyers:
    count: 15000
    arrivals_per_day: 0
    personas:
      everyone: {{share: 1.0, price: 1.0, speed: 0.5, rating: {}}}
orders: {{negative_feedback_if_problem: 0.3, neutral_feedback_if_problem: 0.1}}
policies: []
)",
                                       weight);
  return load_scenario_text(yaml, "rating.yaml").arms.front().model;
}

TEST(DisplayedRating, SellersShowingNonPositiveFeedbackSellLess) {
  auto run = [](double weight) {
    const auto settings = RunSettings::make(rating_world(weight), {21, 0, 0}, 0, 120);
    Marketplace market(settings, std::vector<RunSettings>{settings});
    for (std::int32_t day = 0; day < settings.total_days(); ++day) market.step_day(day);
    return market;
  };
  const Marketplace blind = run(0.0);
  const Marketplace weighing = run(0.3);
  // The same sellers (same creation draws); in the blind world buyers ignore
  // the rating, so a seller's rating deficit costs it nothing there.
  ASSERT_EQ(blind.sellers().size(), weighing.sellers().size());
  double blind_orders = 0, weighing_orders = 0;
  std::size_t marked = 0;
  for (std::size_t s = 0; s < blind.sellers().size(); ++s) {
    if (blind.sellers().rating_deficit[s] < 5.0f) continue;  // 5+ points below 100% positive
    marked += 1;
    blind_orders += static_cast<double>(blind.sellers().tally[s].count(Counter::kOrders));
    weighing_orders += static_cast<double>(weighing.sellers().tally[s].count(Counter::kOrders));
  }
  ASSERT_GE(marked, 10u);
  // A deficit of 5+ points costs exp(-0.3 * 5) = 0.22 or less of the seller's
  // attraction once shown; the rating builds up over the run, so ask for a
  // fall of a quarter, well clear of noise between two 120-day runs.
  EXPECT_LT(weighing_orders, 0.75 * blind_orders)
      << marked << " sellers; orders " << weighing_orders << " vs " << blind_orders;
}

}  // namespace
}  // namespace trustsim
