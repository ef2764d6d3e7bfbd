// Policy kind "defect_count_rule" (see defect_count_rule.hpp).
#include "policies/defect_count_rule.hpp"

#include <fmt/format.h>

#include "trustsim/marketplace.hpp"
#include "trustsim/metrics.hpp"

namespace trustsim {

std::vector<KeyProblem> DefectCountRuleParams::check(const ModelParams& model) const {
  auto problems = threshold_rule().check(model);  // the ladder's order
  if (!metric_definition(metric).counts_defects())
    problems.push_back({"metric",
                        fmt::format("{} does not count defective orders", enum_name(metric)),
                        "order_defect_rate, late_shipment_rate or cancel_rate"});
  return problems;
}

EnforcementRule DefectCountRuleParams::threshold_rule() const {
  EnforcementRule rule;
  rule.metric = metric;
  rule.window_days = window_days;
  rule.comparison = Comparison::kAbove;
  rule.threshold = above;
  rule.min_orders = 0;
  rule.min_defects = min_defects;
  rule.schedule = schedule;
  rule.scope = scope;
  rule.ladder = ladder;
  rule.grace_days = grace_days;
  return rule;
}

void DefectCountRule::take_parameters(const Policy& from) {
  params_ = dynamic_cast<const DefectCountRule&>(from).params_;
  rule_.take_parameters(dynamic_cast<const DefectCountRule&>(from).rule_);
}

}  // namespace trustsim
