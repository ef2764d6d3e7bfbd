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

namespace {

// What `chance(p)` does with p: certain below 0 and above 1.
double probability(double p) { return p <= 0.0 ? 0.0 : p >= 1.0 ? 1.0 : p; }

// The brancher's "any reaction" probability: feedback, claim or chargeback.
double any_reaction(double negative, double claim, double chargeback) {
  return probability(1.0 - (1.0 - negative) * (1.0 - claim) * (1.0 - chargeback));
}

}  // namespace

// The tree of OrderModel::decide summed in closed form. Only the chances
// that decide who is charged for what (late shipment, late delivery,
// described wrong, damage) are enumerated, 16 paths at most; contact,
// response, resolution, tracking and the reaction enter through their
// probabilities. `enumerated_rates` (every path of the tree itself) is the
// oracle: tests hold the two equal to 1e-12 over random profiles, so a change
// to decide() that is not mirrored here fails them.
ExpectedRates expected_rates(const OrderModel& model, const SellerOrderProfile& s,
                             const OrderConditions& c, const DsiWeights& weights) {
  const ChannelParams& ch = model.channels[idx(s.channel)];
  const CsProviderParams& cs = model.cs_providers[idx(s.cs_provider)];
  const OrderParams& op = model.orders;
  const double effort = 1.0 - model.effort_efficacy * c.effort;
  ExpectedRates r;
  r.orders = 1.0;

  // Cancelled before fulfilment: the only possible defect is negative feedback.
  const double cancel = probability(s.cancel * effort);
  r.cancelled = cancel;
  r.order_defects = cancel * any_reaction(op.negative_feedback_if_problem, 0.0, 0.0);
  r.fqi_loss = cancel * weights.cancelled;

  const double kept = 1.0 - cancel;
  r.deliveries = kept;
  double late_shipment = 0.0, invalid_tracking = 0.0;
  if (ch.seller_ships) {
    const double overload = c.load > 1.0f ? op.load_sensitivity * (c.load - 1.0) : 0.0;
    late_shipment = probability(std::min(1.0, s.late_shipment * effort * (1.0 + overload)));
    invalid_tracking = probability(s.invalid_tracking * effort);
    r.shipments = kept;
    r.late_shipments = kept * late_shipment;
    r.valid_tracking = kept * (1.0 - invalid_tracking);
    r.fqi_loss += kept * (weights.late_shipment * late_shipment +
                          weights.invalid_tracking * invalid_tracking);
  }
  const double described_wrong = probability(s.not_as_described * effort);
  const double damage = probability(s.damage);
  const double response = probability(s.cs_response_24h);
  // P(resolved | contact) and the tracked / untracked shares of the orders.
  const double resolved_if_contact =
      response * probability(cs.resolution) + (1.0 - response) * probability(cs.resolution_if_slow);
  const std::array<double, 2> tracking_share{invalid_tracking, 1.0 - invalid_tracking};
  const std::array<double, 2> multiplier{op.untracked_defect_multiplier, 1.0};
  // P(order defect | problem, unresolved or not, tracked or not).
  auto defect = [&](bool problem, bool unresolved, std::size_t tracked) {
    const double m = multiplier[tracked];
    const double feedback = unresolved ? op.negative_feedback_if_problem
                            : problem  ? op.negative_feedback_if_resolved
                                       : op.negative_feedback;
    return unresolved ? any_reaction(std::min(1.0, feedback * m),
                                     std::min(1.0, op.claim_if_unresolved * m),
                                     std::min(1.0, op.chargeback_if_unresolved * m))
                      : any_reaction(std::min(1.0, feedback * m), 0.0, 0.0);
  };

  for (const bool shipped_late : {false, true}) {
    const double w_ship = shipped_late ? late_shipment : 1.0 - late_shipment;
    if (w_ship == 0.0) continue;
    const double late_p =
        probability(shipped_late ? ch.late_delivery_if_shipped_late
                                 : s.late_delivery * (ch.seller_owns_delivery ? effort : 1.0));
    for (const bool late : {false, true}) {
      const double w_late = w_ship * (late ? late_p : 1.0 - late_p);
      if (w_late == 0.0) continue;
      if (!late) r.on_time += kept * w_late;
      for (const bool wrong : {false, true}) {
        const double w_wrong = w_late * (wrong ? described_wrong : 1.0 - described_wrong);
        if (w_wrong == 0.0) continue;
        for (const bool damaged : {false, true}) {
          const double w = kept * w_wrong * (damaged ? damage : 1.0 - damage);
          if (w == 0.0) continue;
          const bool problem = late || wrong || damaged;
          const bool late_charged = late && (ch.seller_owns_delivery || shipped_late);
          const bool wrong_charged = wrong || (damaged && ch.seller_owns_delivery);
          r.fqi_loss +=
              w * (weights.late_delivery * late_charged + weights.not_as_described * wrong_charged);
          const double contact = probability(problem ? op.cs_contact_if_problem : op.cs_contact);
          r.cs_contacts += w * contact;
          r.cs_responded += w * contact * response;
          const double unresolved = problem ? 1.0 - contact * resolved_if_contact : 0.0;
          r.csqi_loss += w * (weights.no_response_24h * contact * (1.0 - response) +
                              weights.unresolved * unresolved);
          if (problem && !late_charged && !wrong_charged) continue;  // the platform's defect
          for (std::size_t tracked = 0; tracked < 2; ++tracked) {
            const double w_tracked = ch.seller_ships ? tracking_share[tracked] : tracked;
            if (w_tracked == 0.0) continue;
            r.order_defects += w * w_tracked *
                               (unresolved * defect(problem, true, tracked) +
                                (1.0 - unresolved) * defect(problem, false, tracked));
          }
        }
      }
    }
  }
  return r;
}

ExpectedRates enumerated_rates(const OrderModel& model, const SellerOrderProfile& s,
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
