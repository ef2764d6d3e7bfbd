// Seller metrics from window sums and from expected counts (see metrics.hpp).
// The two keep their own arithmetic order: results are bit-identical to the
// code this table replaced.
#include "trustsim/metrics.hpp"

namespace trustsim {

static_assert(
    [] {
      for (std::size_t i = 0; i < kMetrics.size(); ++i)
        if (static_cast<std::size_t>(kMetrics[i].metric) != i) return false;
      return true;
    }(),
    "kMetrics must follow the order of the Metric enum");

namespace {

double index_total(MetricDefinition::Form form, const DsiWeights& weights) {
  return form == MetricDefinition::Form::kFqi ? weights.fqi_total() : weights.csqi_total();
}

}  // namespace

double expected_metric(Metric metric, const ExpectedRates& rates, const DsiWeights& weights) {
  const auto& d = metric_definition(metric);
  const double numerator = rates.*d.expected_numerator;
  const double denominator = rates.*d.expected_denominator;
  if (d.form == MetricDefinition::Form::kShare)
    return denominator > 0.0 ? numerator / denominator : d.when_empty;
  const double scale = denominator * index_total(d.form, weights);
  return 1.0 - (scale > 0.0 ? numerator / scale : 0.0);
}

}  // namespace trustsim
