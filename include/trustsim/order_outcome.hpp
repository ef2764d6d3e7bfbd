// One order's outcome (MODEL.md section 6): cancellation, late shipment,
// tracking, late or early delivery, not-as-described or damaged, customer
// service contact / 24 h response / resolution, and the buyer's reaction
// (feedback left -- positive, neutral, negative or none -- guarantee claim,
// chargeback).
//
// The decision tree is written once, as a template over a "brancher" that
// either draws each chance from the order's random stream (simulation) or
// enumerates both branches with their probabilities (expected rates). The
// engine uses the expected rates to judge whether a suspended seller was
// truly over a threshold, so both must come from the same tree: the engine's
// closed form (expected_rates) is tested equal to the enumeration of the
// tree itself (enumerated_rates).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "trustsim/distributions.hpp"
#include "trustsim/enums.hpp"
#include "trustsim/params.hpp"
#include "trustsim/rng.hpp"

namespace trustsim {

// A seller's order-level probabilities at creation (average effort 0, normal
// load); channel, category, region and latent quality already folded in.
struct SellerOrderProfile {
  float cancel = 0;
  float late_shipment = 0;
  float invalid_tracking = 0;
  float late_delivery = 0;  // when shipped on time
  float not_as_described = 0;
  float damage = 0;
  float cs_response_24h = 0;
  Channel channel = Channel::kPlatformFulfilled;
  CsProvider cs_provider = CsProvider::kPlatform;
};

// Per-seller conditions on the day of the order.
struct OrderConditions {
  float effort = 0;  // 0..1; lowers the seller's own defect probabilities
  float load = 0;    // yesterday's orders / capacity
};

// The feedback a buyer leaves on the seller, if any (most leave none).
enum class Feedback : std::uint8_t { kNone, kPositive, kNeutral, kNegative };

struct OrderOutcome {
  bool cancelled = false;
  bool seller_ships = false;  // counted in the seller's shipment metrics
  bool late_shipment = false;
  bool valid_tracking = false;
  bool late_delivery = false;
  bool early_delivery = false;
  std::uint32_t days_late = 0;
  bool not_as_described = false;  // includes damage in transit
  bool cs_contact = false;
  bool cs_response_24h = false;
  bool unresolved = false;
  bool negative_feedback = false;
  Feedback feedback = Feedback::kNone;  // kNegative exactly when negative_feedback
  bool claim = false;
  bool chargeback = false;
  bool order_defect = false;        // feedback OR claim OR chargeback, once per order
  bool seller_accountable = false;  // the order defect is charged to the seller
  bool late_delivery_charged = false;
  bool not_as_described_charged = false;
};

// Probabilities shared by every order of a run (channel, CS, reactions).
struct OrderModel {
  std::array<ChannelParams, enum_count<Channel>()> channels;
  std::array<CsProviderParams, enum_count<CsProvider>()> cs_providers;
  OrderParams orders;
  double effort_efficacy = 0.5;

  static OrderModel from(const ModelParams& params);

  // The decision tree. `b.chance(slot, p)` returns whether the event happens;
  // `b.uniform(slot)` returns a uniform for a continuous quantity. Slots are
  // fixed positions in the order's stream, so arms that reach the same
  // decision use the same draw (common random numbers).
  template <class Brancher>
  OrderOutcome decide(Brancher& b, const SellerOrderProfile& s, const OrderConditions& c) const;
};

// Draws each chance from the order's stream (lazily, four slots per Philox block).
class OrderDraws {
 public:
  OrderDraws(const rng::StreamKey& key, std::uint64_t buyer, std::uint64_t day,
             std::uint64_t order_index)
      : slots_(key, buyer, day, rng::Purpose::kOrderOutcome, order_index) {}
  bool chance(unsigned slot, double p) { return slots_.uniform(slot) < p; }
  // A chance that no seller metric depends on (e.g. early delivery).
  bool detail(unsigned slot, double p) { return slots_.uniform(slot) < p; }
  // The buyer's reaction: negative feedback, guarantee claim, chargeback.
  std::array<bool, 3> react(const std::array<unsigned, 3>& slots, const std::array<double, 3>& p) {
    // A zero probability needs no draw (its slot stays reserved): most orders
    // then never generate the block that holds the claim and chargeback slots.
    return {p[0] > 0.0 && slots_.uniform(slots[0]) < p[0],
            p[1] > 0.0 && slots_.uniform(slots[1]) < p[1],
            p[2] > 0.0 && slots_.uniform(slots[2]) < p[2]};
  }
  // Neutral or positive feedback from the same uniform as the negative
  // feedback (slot `slot`): negative below `negative`, then neutral, then
  // positive, so adding the other kinds never moves a negative. Call only
  // when the feedback was not negative.
  Feedback other_feedback(unsigned slot, double negative, double neutral, double positive) {
    if (neutral <= 0.0 && positive <= 0.0) return Feedback::kNone;
    const double u = slots_.uniform(slot) - negative;
    return u < neutral              ? Feedback::kNeutral
           : u < neutral + positive ? Feedback::kPositive
                                    : Feedback::kNone;
  }
  double uniform(unsigned slot) { return slots_.uniform(slot); }

 private:
  rng::SlotStream<8> slots_;  // 13 slots used (decide's Slot); most orders read two blocks
};

struct DsiWeights {
  double late_delivery, not_as_described, cancelled, late_shipment, invalid_tracking;
  double no_response_24h, unresolved;
  double fqi_total() const {
    return late_delivery + not_as_described + cancelled + late_shipment + invalid_tracking;
  }
  double csqi_total() const { return no_response_24h + unresolved; }
  // The weights in one fixed order, FQI defects then CSQI: the order of
  // RunSettings::dsi_units, which an order's losses are summed from.
  enum Slot : unsigned {
    kLateDelivery,
    kNotAsDescribed,
    kCancelled,
    kLateShipment,
    kInvalidTracking,
    kNoResponse24h,
    kUnresolved,
    kSlotCount
  };
  std::array<double, kSlotCount> in_order() const {
    return {late_delivery,    not_as_described, cancelled, late_shipment,
            invalid_tracking, no_response_24h,  unresolved};
  }
  static DsiWeights from(const SignalParams& s) {
    return {s.dsi_late_delivery,    s.dsi_not_as_described, s.dsi_cancelled, s.dsi_late_shipment,
            s.dsi_invalid_tracking, s.dsi_no_response_24h,  s.dsi_unresolved};
  }
  // FQI/CSQI loss of one order, in the same units as ExpectedRates.
  double fqi_loss(const OrderOutcome& o) const;
  double csqi_loss(const OrderOutcome& o) const;
};

// Expected share of orders with each seller-metric event.
struct ExpectedRates {
  double orders = 0;
  double cancelled = 0;
  double shipments = 0;
  double late_shipments = 0;
  double valid_tracking = 0;
  double deliveries = 0;
  double on_time = 0;
  double order_defects = 0;  // seller-accountable
  double cs_contacts = 0;
  double cs_responded = 0;
  // Rate of `metric` as the platform computes it (numerator / denominator).
  double rate(Metric metric, const DsiWeights& weights) const;
  double fqi_loss = 0;   // expected DSI-weighted FQI defects per order
  double csqi_loss = 0;  // expected DSI-weighted CSQI defects per order
};

// Exact expectation over the decision tree, in closed form (a few hundred
// operations): what the engine uses.
ExpectedRates expected_rates(const OrderModel& model, const SellerOrderProfile& s,
                             const OrderConditions& c, const DsiWeights& weights);
// The same expectation by running decide() down every path of the tree
// (hundreds of paths): the oracle that expected_rates is tested against.
ExpectedRates enumerated_rates(const OrderModel& model, const SellerOrderProfile& s,
                               const OrderConditions& c, const DsiWeights& weights);

// ---------------------------------------------------------------------------

template <class Brancher>
OrderOutcome OrderModel::decide(Brancher& b, const SellerOrderProfile& s,
                                const OrderConditions& c) const {
  // Draw slots: part of the RNG layout (a change changes every result; say
  // so and regenerate the references). Four slots per Philox block, drawn
  // lazily: what every order draws comes first, so an order of a channel
  // whose seller does not ship, without a CS contact, reads blocks 0 and 1
  // only (slots 0-6), and a cancelled order block 0 alone. The seller's
  // shipping, the CS exchange and the rarer reactions follow.
  enum Slot : unsigned {
    kCancel,
    kFeedback,
    kLateDelivery,
    kDelayOrEarly,
    kNotAsDescribed,
    kDamage,
    kContact,
    kLateShipment,
    kTracking,
    kResponse,
    kResolution,
    kClaim,
    kChargeback
  };
  const ChannelParams& ch = channels[idx(s.channel)];
  const double effort = 1.0 - effort_efficacy * c.effort;  // scales the seller's own defects
  OrderOutcome o;
  if (b.chance(kCancel, s.cancel * effort)) {
    o.cancelled = true;
    o.negative_feedback = b.react({kFeedback, kClaim, kChargeback},
                                  {orders.negative_feedback_if_problem, 0.0, 0.0})[0];
    o.feedback = o.negative_feedback
                     ? Feedback::kNegative
                     : b.other_feedback(kFeedback, orders.negative_feedback_if_problem,
                                        orders.neutral_feedback_if_problem, 0.0);
    o.order_defect = o.negative_feedback;
    o.seller_accountable = o.order_defect;
    return o;
  }
  o.seller_ships = ch.seller_ships;
  if (ch.seller_ships) {
    const double overload = c.load > 1.0f ? orders.load_sensitivity * (c.load - 1.0) : 0.0;
    o.late_shipment =
        b.chance(kLateShipment, std::min(1.0, s.late_shipment * effort * (1.0 + overload)));
    o.valid_tracking = !b.chance(kTracking, s.invalid_tracking * effort);
  } else {
    o.valid_tracking = true;  // the platform's carrier always tracks
  }
  const double late_p = o.late_shipment
                            ? ch.late_delivery_if_shipped_late
                            : s.late_delivery * (ch.seller_owns_delivery ? effort : 1.0);
  if (b.chance(kLateDelivery, late_p)) {
    o.late_delivery = true;
    o.days_late = 1 + dist::geometric(b.uniform(kDelayOrEarly), 1.0 / ch.mean_delay_days);
  } else {
    o.early_delivery = b.detail(kDelayOrEarly, ch.early_delivery);
  }
  const bool described_wrong = b.chance(kNotAsDescribed, s.not_as_described * effort);
  const bool damaged = b.chance(kDamage, s.damage);
  o.not_as_described = described_wrong || damaged;
  const bool problem = o.late_delivery || o.not_as_described;

  o.cs_contact = b.chance(kContact, problem ? orders.cs_contact_if_problem : orders.cs_contact);
  bool resolved = false;
  if (o.cs_contact) {
    const CsProviderParams& cs = cs_providers[idx(s.cs_provider)];
    o.cs_response_24h = b.chance(kResponse, s.cs_response_24h);
    resolved = b.chance(kResolution, o.cs_response_24h ? cs.resolution : cs.resolution_if_slow);
  }
  o.unresolved = problem && !resolved;
  const double feedback_p = o.unresolved ? orders.negative_feedback_if_problem
                            : problem    ? orders.negative_feedback_if_resolved
                                         : orders.negative_feedback;
  // The base reactions are a tracked order's; an untracked one the seller
  // shipped draws more of every order defect.
  const double untracked = o.valid_tracking ? 1.0 : orders.untracked_defect_multiplier;
  const double negative_p = std::min(1.0, feedback_p * untracked);
  const auto reaction = b.react(
      {kFeedback, kClaim, kChargeback},
      {negative_p, o.unresolved ? std::min(1.0, orders.claim_if_unresolved * untracked) : 0.0,
       o.unresolved ? std::min(1.0, orders.chargeback_if_unresolved * untracked) : 0.0});
  o.negative_feedback = reaction[0];
  // Neutral and positive feedback: the satisfied buyer rarely writes, and a
  // problem mostly turns praise into silence or a neutral remark.
  const double neutral_p = problem ? orders.neutral_feedback_if_problem : orders.neutral_feedback;
  const double positive_p = o.unresolved ? 0.0
                            : problem    ? orders.positive_feedback_if_resolved
                                         : orders.positive_feedback;
  o.feedback = o.negative_feedback ? Feedback::kNegative
                                   : b.other_feedback(kFeedback, negative_p, neutral_p, positive_p);
  o.claim = reaction[1];
  o.chargeback = reaction[2];
  o.order_defect = o.negative_feedback || o.claim || o.chargeback;

  // Only what the seller is accountable for counts against it: delivery
  // problems of a platform-owned delivery are the platform's, unless the
  // seller shipped late.
  o.late_delivery_charged = o.late_delivery && (ch.seller_owns_delivery || o.late_shipment);
  o.not_as_described_charged = described_wrong || (damaged && ch.seller_owns_delivery);
  const bool platform_caused = problem && !o.late_delivery_charged && !o.not_as_described_charged;
  o.seller_accountable = o.order_defect && !platform_caused;
  return o;
}

}  // namespace trustsim
