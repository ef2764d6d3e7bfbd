// The seller-metric table: each metric's window value and expected value agree
// on the same counts, empty windows give the declared value, and only the
// defect rates count defective orders.
#include <gtest/gtest.h>

#include "trustsim/metrics.hpp"
#include "trustsim/params.hpp"

namespace trustsim {
namespace {

TEST(MetricTable, WindowAndExpectedValuesAgreeOnTheSameCounts) {
  const auto weights = DsiWeights::from(SignalParams{});
  for (const auto& d : kMetrics) {
    const auto name = std::string(enum_name(d.metric));
    // Empty: the declared value, from windows and from expectations alike.
    EXPECT_EQ(window_metric(d.metric, 0, 0, weights), d.when_empty) << name;
    EXPECT_EQ(expected_metric(d.metric, ExpectedRates{}, weights), d.when_empty) << name;
    // 40 orders (or shipments, contacts); the numerator a quarter of the most it can be.
    ExpectedRates rates;
    rates.*d.expected_denominator = 40.0;
    std::uint32_t numerator = 10;
    double value = 0.25;
    if (d.form != MetricDefinition::Form::kShare) {
      const double total =
          d.form == MetricDefinition::Form::kFqi ? weights.fqi_total() : weights.csqi_total();
      rates.*d.expected_numerator = 0.25 * total * 40.0;
      numerator = static_cast<std::uint32_t>(0.25 * total * kLossUnits * 40.0 + 0.5);
      value = 0.75;
    } else {
      rates.*d.expected_numerator = 10.0;
    }
    EXPECT_NEAR(window_metric(d.metric, numerator, 40, weights), value, 1e-12) << name;
    EXPECT_NEAR(expected_metric(d.metric, rates, weights), value, 1e-12) << name;
    EXPECT_EQ(rates.rate(d.metric, weights), expected_metric(d.metric, rates, weights)) << name;
  }
}

TEST(MetricTable, OnlyDefectRatesCountDefectiveOrders) {
  for (const auto& d : kMetrics) {
    const bool defect_rate = d.metric == Metric::kOrderDefectRate ||
                             d.metric == Metric::kLateShipmentRate ||
                             d.metric == Metric::kCancelRate;
    EXPECT_EQ(d.counts_defects(), defect_rate) << enum_name(d.metric);
  }
}

}  // namespace
}  // namespace trustsim
