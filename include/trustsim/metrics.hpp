// The seller metrics, each declared once: the rolling-window counters of its
// numerator and denominator, the matching expected counts of the order model
// (for the exact "true rate" that false positives and negatives are judged
// against), its value when the window is empty, and its form (a share of
// events, or a DSI quality index: 1 - weighted loss per order / total weight).
// Policies, signals and outcomes read metrics only through this table.
#pragma once

#include <array>
#include <cstdint>

#include "trustsim/enums.hpp"
#include "trustsim/order_outcome.hpp"
#include "trustsim/rolling_windows.hpp"

namespace trustsim {

struct MetricDefinition {
  enum class Form : std::uint8_t { kShare, kFqi, kCsqi };
  Metric metric;
  Counter numerator;
  Counter denominator;
  double ExpectedRates::*expected_numerator;
  double ExpectedRates::*expected_denominator;
  double when_empty;  // defect rates 0 (nothing went wrong), good-event rates and indices 1
  Form form;
  const char* meaning;  // what the value is, for the result file's column descriptions
  // True when the numerator counts defective orders (the lower the better).
  bool counts_defects() const { return form == Form::kShare && when_empty == 0.0; }
};

// In the order of the Metric enum.
inline constexpr std::array<MetricDefinition, enum_count<Metric>()> kMetrics{{
    {Metric::kOrderDefectRate, Counter::kOrderDefects, Counter::kOrders,
     &ExpectedRates::order_defects, &ExpectedRates::orders, 0.0, MetricDefinition::Form::kShare,
     "seller-charged order defects (negative feedback, claim or chargeback) per order"},
    {Metric::kLateShipmentRate, Counter::kLateShipments, Counter::kShipments,
     &ExpectedRates::late_shipments, &ExpectedRates::shipments, 0.0, MetricDefinition::Form::kShare,
     "late shipments per shipment the seller made itself"},
    {Metric::kCancelRate, Counter::kCancels, Counter::kOrders, &ExpectedRates::cancelled,
     &ExpectedRates::orders, 0.0, MetricDefinition::Form::kShare,
     "pre-fulfilment cancellations by the seller per order"},
    {Metric::kValidTrackingRate, Counter::kValidTracking, Counter::kShipments,
     &ExpectedRates::valid_tracking, &ExpectedRates::shipments, 1.0, MetricDefinition::Form::kShare,
     "shipments with valid tracking per shipment the seller made"},
    {Metric::kOnTimeDeliveryRate, Counter::kOnTime, Counter::kDeliveries, &ExpectedRates::on_time,
     &ExpectedRates::deliveries, 1.0, MetricDefinition::Form::kShare,
     "deliveries on time per order not cancelled"},
    {Metric::kCsResponse24hRate, Counter::kCsResponded, Counter::kCsContacts,
     &ExpectedRates::cs_responded, &ExpectedRates::cs_contacts, 1.0, MetricDefinition::Form::kShare,
     "customer-service contacts answered within 24 h per contact"},
    {Metric::kFqi, Counter::kFqiLoss, Counter::kOrders, &ExpectedRates::fqi_loss,
     &ExpectedRates::orders, 1.0, MetricDefinition::Form::kFqi,
     "fulfilment quality index: 1 - DSI-weighted fulfilment defects per order / total weight"},
    {Metric::kCsqi, Counter::kCsqiLoss, Counter::kOrders, &ExpectedRates::csqi_loss,
     &ExpectedRates::orders, 1.0, MetricDefinition::Form::kCsqi,
     "customer-service quality index: 1 - DSI-weighted CS defects per order / total weight"},
}};

constexpr const MetricDefinition& metric_definition(Metric metric) {
  return kMetrics[static_cast<std::size_t>(metric)];
}

// The metric from sums of its counters (loss counters are in kLossUnits per unit
// weight): over a seller's window, or over many sellers and days.
// Inline: policies evaluate it for every seller every day.
inline double metric_from_sums(Metric metric, double numerator, double denominator,
                               const DsiWeights& weights) {
  const auto& d = metric_definition(metric);
  if (denominator == 0) return d.when_empty;
  const double ratio = numerator / denominator;
  if (d.form == MetricDefinition::Form::kShare) return ratio;
  const double total =
      d.form == MetricDefinition::Form::kFqi ? weights.fqi_total() : weights.csqi_total();
  return 1.0 - ratio / (total * kLossUnits);
}
inline double window_metric(Metric metric, std::uint32_t numerator, std::uint32_t denominator,
                            const DsiWeights& weights) {
  return metric_from_sums(metric, numerator, denominator, weights);
}

// The metric's exact expected value from the order model's expected counts.
double expected_metric(Metric metric, const ExpectedRates& rates, const DsiWeights& weights);

}  // namespace trustsim
