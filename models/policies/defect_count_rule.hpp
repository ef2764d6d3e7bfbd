// Policy kind "defect_count_rule": a defect rate over a rolling window above a
// threshold, acted on only once the seller has at least `min_defects`
// defective orders in the window, as eBay's standards count a defect rate
// only with enough buyers behind it ("counts only with >= 5 buyers with
// defects", policy-standards.md). Below that count the rule does not apply,
// whatever the rate, so one bad order cannot sink a small seller. The ladder,
// grace period and recovery are a threshold rule's.
#pragma once

#include <cstdint>
#include <vector>

#include "policies/threshold_rule.hpp"
#include "trustsim/params.hpp"
#include "trustsim/policy.hpp"

namespace trustsim {

struct DefectCountRuleParams {
  Metric metric = Metric::kOrderDefectRate;
  std::uint64_t window_days = 90;
  double above = 0.02;
  std::uint64_t min_defects = 5;
  Schedule schedule = Schedule::kMonthly;
  RuleScope scope = {};
  std::vector<Action> ladder{Action::kWarn, Action::kSuppressListings};
  std::uint64_t grace_days = 30;
  template <class V>
  void visit(V& v) {
    v.choice("metric", metric,
             "defect rate the rule watches: order_defect_rate, late_shipment_rate or "
             "cancel_rate",
             /*required=*/true);
    v.value("window_days", window_days, bounds::kDays,
            "rolling window of the rate and count (src: eBay looks back 3 months, "
            "policy-standards.md)");
    v.value(
        "above", above, bounds::kProbability,
        "breach when the rate is above this (src: eBay Above Standard <= 2%, policy-standards.md)");
    v.value("min_defects", min_defects, bounds::kCount,
            "the rule applies only with at least this many defective orders in the window (src: "
            "eBay counts a rate only with >= 5 buyers with defects, policy-standards.md)");
    v.choice("schedule", schedule,
             "when the rule is evaluated (src: eBay evaluates monthly, policy-standards.md)");
    scope.visit(v);
    v.choices("ladder", ladder,
              "actions taken on successive breaches (stylised: eBay lowers placement and adds "
              "fees, which the model has no lever for yet)",
              /*min_items=*/1);
    v.value("grace_days", grace_days, bounds::kDaysOrZero,
            "days a seller has to recover before the next step of the ladder (stylised: one "
            "monthly evaluation)");
  }
  std::vector<KeyProblem> check(const ModelParams& model) const;
  // The threshold rule this is: the rate against its threshold, with the defect floor.
  EnforcementRule threshold_rule() const;
};

class DefectCountRule final : public Policy {
 public:
  using Parameters = DefectCountRuleParams;
  static constexpr std::string_view kKind = "defect_count_rule";
  static constexpr const char* kDoc =
      "a defect rate over a rolling window above a threshold, counted only once the seller has "
      "at least min_defects defective orders in the window (eBay's rule); ladder, grace and "
      "recovery as a threshold_rule";
  explicit DefectCountRule(const DefectCountRuleParams& params)
      : params_(params), rule_(params.threshold_rule()) {}

  std::string_view kind() const override { return kKind; }
  std::unique_ptr<Policy> clone() const override {
    return std::make_unique<DefectCountRule>(*this);
  }
  void require_windows(RollingWindows& windows) const override { rule_.require_windows(windows); }
  void bind_windows(const RollingWindows& windows) override { rule_.bind_windows(windows); }
  void resize(std::size_t count, std::size_t capacity) override { rule_.resize(count, capacity); }
  // The threshold rule with its defect floor (min_defects).
  void evaluate_seller(SellerUnderReview& seller) override { rule_.evaluate_seller(seller); }
  void on_reinstated(std::size_t seller) override { rule_.on_reinstated(seller); }
  std::vector<OutcomeDefinition> outcome_columns() const override {
    return rule_.outcome_columns();
  }
  std::vector<double> horizon_outcomes() const override { return rule_.horizon_outcomes(); }
  void begin_horizon() override { rule_.begin_horizon(); }
  // The rate against its threshold: the defect count is how much evidence
  // the rule needs, not part of what a good seller is.
  std::vector<StandardRule> standards() const override { return rule_.standards(); }
  void take_parameters(const Policy& from) override;

  const ThresholdRule& rule() const { return rule_; }

 private:
  DefectCountRuleParams params_;
  ThresholdRule rule_;
};

}  // namespace trustsim
