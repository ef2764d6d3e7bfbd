// Run settings derived once from an arm's parameters.
#include <cmath>

#include "trustsim/marketplace.hpp"

namespace trustsim {

RunSettings RunSettings::make(const ModelParams& params, rng::StreamKey key,
                              std::int32_t warmup_days, std::int32_t horizon_days) {
  RunSettings s;
  s.key = key;
  s.warmup_days = warmup_days;
  s.horizon_days = horizon_days;
  s.params = params;
  s.order_model = OrderModel::from(params);
  s.dsi = DsiWeights::from(params.signals);
  const auto weights = s.dsi.in_order();
  for (std::size_t i = 0; i < weights.size(); ++i)
    s.dsi_units[i] = static_cast<std::uint32_t>(std::lround(weights[i] * kLossUnits));
  const auto& t = params.trust;
  s.churn_log_slope = (std::log(t.churn_hazard_high_trust) - std::log(t.churn_hazard_low_trust)) /
                      (t.churn_high_trust - t.churn_low_trust);
  s.churn_log_intercept =
      std::log(t.churn_hazard_low_trust) - s.churn_log_slope * t.churn_low_trust;
  s.intensity = TrustCurve(
      [&t](double trust) { return std::pow(trust / t.initial, t.intensity_elasticity); });
  s.churn_hazard = TrustCurve(
      [&s](double trust) { return std::exp(s.churn_log_intercept + s.churn_log_slope * trust); });
  // A daily probability as a rate per day (a certain event: 50, ending any clock).
  const auto rate = [](double p) { return p >= 1.0 ? 50.0 : -std::log1p(-p); };
  s.return_rate = rate(params.population.buyers.return_rate);
  s.seller_exit_rate = rate(params.seller_behaviour.exit_hazard);
  s.seller_decline_rate = rate(params.seller_behaviour.decline_hazard);
  s.reference = ReferenceStandard::from(params);
  return s;
}

void DayTotals::add(const DayTotals& o) {
  orders += o.orders;
  repeat_orders += o.repeat_orders;
  gmv_cents += o.gmv_cents;
  defect_orders += o.defect_orders;
  order_defects += o.order_defects;
  seller_order_defects += o.seller_order_defects;
  late_deliveries += o.late_deliveries;
  not_as_described += o.not_as_described;
  cancelled += o.cancelled;
  no_response_24h += o.no_response_24h;
  unresolved += o.unresolved;
  searches_without_offer += o.searches_without_offer;
  searches_without_purchase += o.searches_without_purchase;
  churned += o.churned;
  returned += o.returned;
  arrived += o.arrived;
  trust_delta_fixed += o.trust_delta_fixed;
  present_delta += o.present_delta;
  warnings += o.warnings;
  suppressions += o.suppressions;
  suspensions += o.suspensions;
  false_positive_suspensions += o.false_positive_suspensions;
  terminations += o.terminations;
  false_positive_terminations += o.false_positive_terminations;
  wrongful_exits += o.wrongful_exits;
  reinstatements += o.reinstatements;
  seller_exits += o.seller_exits;
  seller_entries += o.seller_entries;
  seller_declines += o.seller_declines;
  for (std::size_t c = 0; c < kCounterCount; ++c) counters[c] += o.counters[c];
}

}  // namespace trustsim
