// A test bench for one policy, without a marketplace: a handful of sellers
// whose daily counts the test writes, each day put before the policy (or,
// when suspended on its appeal day, through the appeal), so a kind's rules
// can be checked day by day.
#pragma once

#include <memory>
#include <utility>

#include "trustsim/marketplace.hpp"
#include "trustsim/policy.hpp"

namespace trustsim::testing {

// Seller behaviour in which every suspended seller appeals and wins, the
// appeal decided `appeal_days` after the suspension.
inline SellerBehaviour always_reinstated(std::uint64_t appeal_days = 2) {
  SellerBehaviour behaviour;
  behaviour.appeal_probability = 1.0;
  behaviour.reinstatement_probability = 1.0;
  behaviour.appeal_days = appeal_days;
  return behaviour;
}

// Sellers with scripted daily counts, the state a policy sees.
class Bench {
 public:
  explicit Bench(const PolicyEntry& entry, std::size_t sellers = 1, SellerBehaviour behaviour = {})
      : policy_(PolicyRegistry::instance().create(entry)) {
    ModelParams params;
    params.policies = {entry};
    params.seller_behaviour = behaviour;
    settings_ = RunSettings::make(params, rng::StreamKey{42, 0, 0}, 0, 400);
    policy_->require_windows(sellers_.windows);
    sellers_.windows.add_sellers(sellers);
    policy_->bind_windows(sellers_.windows);
    policy_->resize(sellers, sellers);
    sellers_.status.assign(sellers, SellerStatus::kActive);
    sellers_.profile.assign(sellers, SellerOrderProfile{});
    sellers_.tenure.assign(sellers, Tenure::kEstablished);
    sellers_.category.assign(sellers, Category::kStandard);
    sellers_.region.assign(sellers, Region::kDomestic);
    sellers_.effort.assign(sellers, 0.0f);
    sellers_.appeal_day.assign(sellers, -1);
    sellers_.suppressions.assign(sellers, 0);
    sellers_.wrongly_held.assign(sellers, 0);
    sellers_.own_appeal.assign(sellers, 0);
    sellers_.appeal_odds.assign(sellers, {});
    sellers_.breach_since.assign(sellers, -1);
    sellers_.tally.assign(sellers, SellerTally{});
  }

  // One day: every seller gets `orders` orders with `defects` order defects, then faces the
  // rule (or, when suspended on its appeal day, the appeal).
  DayTotals day(std::uint32_t orders, std::uint32_t defects) {
    return day_each([&](std::size_t) { return std::pair{orders, defects}; });
  }
  // One day where seller s gets counts(s) = {orders, order defects}.
  template <class Counts>
  DayTotals day_each(Counts counts_of) {
    policy_->begin_review(sellers_, settings_, today_);
    sellers_.windows.begin_day(static_cast<std::uint64_t>(today_));
    DayTotals totals;
    for (std::size_t s = 0; s < sellers_.size(); ++s) {
      const auto [orders, defects] = counts_of(s);
      DayCounts counts{};
      counts[static_cast<std::size_t>(Counter::kOrders)] = orders;
      counts[static_cast<std::size_t>(Counter::kOrderDefects)] = defects;
      sellers_.windows.push_day(s, counts);
      SellerUnderReview review(sellers_, settings_, totals, s, today_, true);
      if (sellers_.status[s] == SellerStatus::kActive) policy_->evaluate_seller(review);
      if (sellers_.status[s] == SellerStatus::kSuspended && sellers_.appeal_day[s] == today_) {
        PolicySet set;  // the appeal resets every policy: here the one under test
        review.decide_appeal(set);
        if (sellers_.status[s] == SellerStatus::kActive) policy_->on_reinstated(s);
      }
    }
    ++today_;
    return totals;
  }

  Sellers& sellers() { return sellers_; }
  RunSettings& settings() { return settings_; }
  template <class Kind>
  Kind& policy() {
    return dynamic_cast<Kind&>(*policy_);
  }
  std::int32_t today() const { return today_; }

 private:
  Sellers sellers_;
  RunSettings settings_;
  std::unique_ptr<Policy> policy_;
  std::int32_t today_ = 0;
};

}  // namespace trustsim::testing
