// Memory the simulation needs for a scenario (the engine's estimate, from the
// model's sizes), checked before anything runs so that a population too
// large for the machine is a clear input error.
#include <algorithm>

#include "trustsim/marketplace.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {

namespace {
// A threshold rule's state per seller: ladder step, day of the last step,
// whether it suppresses and has acted, its suspensions of the seller, and its
// horizon actions by kind (models/policies/threshold_rule.hpp).
constexpr std::uint64_t kPolicyBytesPerSeller =
    1 + sizeof(std::int32_t) + 1 + 1 + 1 + enum_count<Action>() * sizeof(std::uint16_t);
}  // namespace

MemoryEstimate estimate_memory(const Scenario& scenario) {
  const auto& set = scenario.settings;
  RollingWindows windows;
  WeeklyWindows ratings;
  std::size_t rules = 0;
  for (const auto& arm : scenario.arms) {
    register_windows(windows, arm.model);
    register_rating_windows(ratings, arm.model);
    rules = std::max(rules, arm.model.policies.size());
  }
  // Per buyer: state arrays plus its calendar entry (vector growth slack 2x).
  const std::uint64_t per_buyer = 4 * sizeof(float) + sizeof(std::uint8_t) + sizeof(BuyerStatus) +
                                  2 * sizeof(std::int16_t) + sizeof(std::uint8_t) +
                                  sizeof(std::uint16_t) + 2 * sizeof(std::uint32_t);
  const std::uint64_t per_seller =
      4 + sizeof(SellerOrderProfile) + 13 * sizeof(float) + 4 * sizeof(std::int32_t) +
      sizeof(SellerStatus) + rules * kPolicyBytesPerSeller + sizeof(std::uint16_t) +
      sizeof(SellerTally) + sizeof(DayCounts) + sizeof(std::int64_t) +
      // wrongly held, breach day, lifetime GMV and listed days; a rule's own appeal odds
      1 + sizeof(std::int32_t) + sizeof(std::int64_t) + sizeof(std::int32_t) + 1 +
      2 * sizeof(double) + windows.bytes_per_seller() + ratings.bytes_per_seller() +
      OfferTable::kBytesPerOffer;
  const double days = static_cast<double>(set.warmup_days + set.horizon_days);
  const auto& pop = set.model.population;
  const double buyers = static_cast<double>(pop.buyers.count) + pop.buyers.arrivals_per_day * days;
  const double sellers = static_cast<double>(pop.sellers.count) + pop.sellers.entry_per_day * days;
  // The warm-up state and one arm's copy live at once when there are several arms.
  const double copies = scenario.arms.size() > 1 ? 2.0 : 1.0;
  constexpr double kFixedOverhead = 64.0 * (1 << 20);
  // The day's order log (vector growth slack 2x).
  const double orders_per_day = buyers * pop.buyers.orders_per_month_mean / 30.0;
  const double order_log =
      2.0 * static_cast<double>(Marketplace::kBytesPerLoggedOrder) * orders_per_day;
  const double total = copies * (buyers * static_cast<double>(per_buyer) +
                                 sellers * static_cast<double>(per_seller)) +
                       order_log + kFixedOverhead;
  return {per_buyer, per_seller, static_cast<std::uint64_t>(std::min(total, 1.8e19))};
}

}  // namespace trustsim
