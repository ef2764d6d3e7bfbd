// Policy kind "account_health": a points score over violations, as
// Amazon's Account Health Rating (policy-standards.md: points lost for
// violations and regained when they expire after 180 days; 200-1000
// healthy, 100-199 at risk, 0-99 unhealthy, which means deactivation).
//
// On each evaluation day a violation is recorded for every listed metric
// the seller breaches (with enough orders in the window) unless one of the
// same item is still counting; each costs its points until it expires
// `expiry_days` later. The score is start_score minus the points of the
// violations counting. Below at_risk_below the seller is warned (once for
// each time it falls into the band); below suspend_below it is suspended. A
// reinstatement clears the seller's violations, as a granted plan of action
// resolves them.
#pragma once

#include <cstdint>
#include <vector>

#include "policies/threshold_rule.hpp"
#include "trustsim/params.hpp"
#include "trustsim/policy.hpp"

namespace trustsim {

// One kind of violation: a metric over its window against a threshold.
struct HealthViolation {
  Metric metric = Metric::kOrderDefectRate;
  std::uint64_t window_days = 60;
  Comparison comparison = Comparison::kAbove;
  double threshold = 0.01;
  std::uint64_t min_orders = 50;
  double points = 100;
  template <class V>
  void visit(V& v) {
    v.choice("metric", metric, "seller metric the violation is about", /*required=*/true);
    v.value("window_days", window_days, bounds::kDays, "rolling window of the metric");
    v.threshold(comparison, threshold, "a violation when the metric is above/below this rate");
    v.value("min_orders", min_orders, bounds::kCount,
            "counts only with at least this many orders (or shipments) in the window");
    v.value("points", points, bounds::kPositive,
            "points the violation costs the score while it counts (stylised: no public figure "
            "gives per-violation points)");
  }
};

struct AccountHealthParams {
  // The public standards as violations (policy-standards.md), weighted
  // stylistically: an ODR violation alone puts a seller at risk, with any
  // other it makes the account unhealthy.
  std::vector<HealthViolation> violations{
      {Metric::kOrderDefectRate, 60, Comparison::kAbove, 0.01, 50, 100},
      {Metric::kLateShipmentRate, 30, Comparison::kAbove, 0.04, 50, 50},
      {Metric::kCancelRate, 7, Comparison::kAbove, 0.025, 20, 50},
      {Metric::kValidTrackingRate, 30, Comparison::kBelow, 0.95, 50, 50}};
  Schedule schedule = Schedule::kWeekly;
  std::uint64_t expiry_days = 180;
  double start_score = 200;
  double at_risk_below = 200;
  double suspend_below = 100;
  RuleScope scope = {};
  AppealParams appeal = {};
  template <class V>
  void visit(V& v) {
    v.list("violations", violations,
           "the violations the score counts (default: the four public standards, ODR 100 "
           "points, the others 50)");
    v.choice("schedule", schedule,
             "when violations are assessed (weekly: Mondays; monthly: day 1); stylised");
    v.value("expiry_days", expiry_days, bounds::kDays,
            "days a violation's points count (src: Account Health Rating looks back 180 days, "
            "policy-standards.md)");
    v.value("start_score", start_score, bounds::kNonNegative,
            "the score without violations (src: 200, the bottom of the healthy band, "
            "policy-standards.md; stylised: the rating's rise above it for good performance is "
            "not modelled)");
    v.value("at_risk_below", at_risk_below, bounds::kNonNegative,
            "a score below this warns the seller: at risk (src: 100-199 at risk, "
            "policy-standards.md)");
    v.value("suspend_below", suspend_below, bounds::kNonNegative,
            "a score below this suspends the seller: unhealthy (src: 0-99 unhealthy means "
            "deactivation, policy-standards.md)");
    scope.visit(v);
    appeal.visit(v);
  }
  std::vector<KeyProblem> check(const ModelParams& model) const;
};

class AccountHealth final : public Policy {
 public:
  using Parameters = AccountHealthParams;
  static constexpr std::string_view kKind = "account_health";
  static constexpr const char* kDoc =
      "a points score over violations (metrics against thresholds) that expire after "
      "expiry_days: below at_risk_below the seller is warned, below suspend_below suspended "
      "(Amazon's Account Health Rating)";
  explicit AccountHealth(const AccountHealthParams& params)
      : params_(params), scope_(params.scope.mask()) {}

  std::string_view kind() const override { return kKind; }
  std::unique_ptr<Policy> clone() const override { return std::make_unique<AccountHealth>(*this); }
  void require_windows(RollingWindows& windows) const override;
  void bind_windows(const RollingWindows& windows) override;
  void resize(std::size_t count, std::size_t capacity) override;
  void evaluate_seller(SellerUnderReview& seller) override;
  void on_reinstated(std::size_t seller) override;
  // Each violation as a rule of the standard, for the sellers the score covers.
  std::vector<StandardRule> standards() const override;
  void take_parameters(const Policy& from) override;
  std::vector<OutcomeDefinition> outcome_columns() const override;
  std::vector<double> horizon_outcomes() const override;
  void begin_horizon() override;

  // The seller's score at its last assessment (start_score before any).
  double score(std::size_t seller) const;
  bool at_risk(std::size_t seller) const { return at_risk_[seller] != 0; }

 private:
  std::size_t items() const { return params_.violations.size(); }
  AccountHealthParams params_;
  CohortScope scope_;
  std::vector<std::uint32_t> numerators_, denominators_;  // window handles, per violation
  // Per seller: the day each violation item was recorded (-1: not counting),
  // [seller * items + item]; whether the seller is in the at-risk band.
  std::vector<std::int32_t> recorded_;
  std::vector<std::uint8_t> at_risk_;
  // Per seller, horizon counts: violations recorded, warnings, suspensions;
  // whether the score acted on the seller.
  std::vector<std::array<std::uint16_t, 3>> counts_;
  std::vector<std::uint8_t> acted_;
};

}  // namespace trustsim
