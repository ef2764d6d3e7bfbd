// Order model set-up and the exact expectation over the order decision tree.
#include "trustsim/order_outcome.hpp"

#include "trustsim/metrics.hpp"

#include <vector>

namespace trustsim {

OrderModel OrderModel::from(const ModelParams& params) {
  return OrderModel{params.channels, params.cs_providers, params.orders,
                    params.seller_behaviour.effort_efficacy};
}

double DsiWeights::fqi_loss(const OrderOutcome& o) const {
  return late_delivery * o.late_delivery_charged + not_as_described * o.not_as_described_charged +
         cancelled * o.cancelled + late_shipment * o.late_shipment +
         invalid_tracking * (o.seller_ships && !o.valid_tracking);
}

double DsiWeights::csqi_loss(const OrderOutcome& o) const {
  return no_response_24h * (o.cs_contact && !o.cs_response_24h) + unresolved * o.unresolved;
}

namespace {

// Enumerates every path of the decision tree by re-running it: each chance
// follows the recorded choice for its depth, or takes "no" first; after a
// run, the deepest "no" that has a "yes" left flips. Certain branches
// (p = 0 or 1) are not split.
class EnumeratingBrancher {
 public:
  bool chance(unsigned, double p) {
    if (p <= 0.0) return false;
    if (p >= 1.0) return true;
    if (depth_ == recorded_) choices_[recorded_++] = false;
    const bool yes = choices_[depth_++];
    weight_ *= yes ? p : 1.0 - p;
    return yes;
  }
  double uniform(unsigned) { return 0.5; }  // continuous draws do not enter the rates
  // No seller metric reads neutral or positive feedback: do not split.
  Feedback other_feedback(unsigned, double, double, double) { return Feedback::kNone; }
  bool detail(unsigned, double) { return false; }  // no rate depends on it: do not split
  // Only "any reaction" matters to the rates: one split instead of eight.
  std::array<bool, 3> react(const std::array<unsigned, 3>&, const std::array<double, 3>& p) {
    const double any = 1.0 - (1.0 - p[0]) * (1.0 - p[1]) * (1.0 - p[2]);
    return {chance(0, any), false, false};
  }

  double weight() const { return weight_; }
  bool next_path() {
    recorded_ = depth_;
    while (recorded_ > 0 && choices_[recorded_ - 1]) --recorded_;
    if (recorded_ == 0) return false;
    choices_[recorded_ - 1] = true;
    depth_ = 0;
    weight_ = 1.0;
    return true;
  }

 private:
  std::array<bool, 32> choices_{};  // the tree has fewer than 32 chances on any path
  std::size_t recorded_ = 0;
  std::size_t depth_ = 0;
  double weight_ = 1.0;
};

}  // namespace

ExpectedRates expected_rates(const OrderModel& model, const SellerOrderProfile& s,
                             const OrderConditions& c, const DsiWeights& weights) {
  ExpectedRates r;
  EnumeratingBrancher b;
  do {
    const OrderOutcome o = model.decide(b, s, c);
    const double w = b.weight();
    r.orders += w;
    r.cancelled += w * o.cancelled;
    r.shipments += w * o.seller_ships;
    r.late_shipments += w * o.late_shipment;
    r.valid_tracking += w * (o.seller_ships && o.valid_tracking);
    r.deliveries += w * !o.cancelled;
    r.on_time += w * (!o.cancelled && !o.late_delivery);
    r.order_defects += w * (o.order_defect && o.seller_accountable);
    r.cs_contacts += w * o.cs_contact;
    r.cs_responded += w * (o.cs_contact && o.cs_response_24h);
    r.fqi_loss += w * weights.fqi_loss(o);
    r.csqi_loss += w * weights.csqi_loss(o);
  } while (b.next_path());
  return r;
}

double ExpectedRates::rate(Metric metric, const DsiWeights& weights) const {
  return expected_metric(metric, *this, weights);
}

}  // namespace trustsim
