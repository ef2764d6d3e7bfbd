// Phase 1 of a day: one buyer's shopping events (MODEL.md sections 4-6).
// Runs in parallel over today's shoppers; touches only this buyer's state,
// reads sellers' state frozen at the start of the day, and appends each
// order to this thread's log (integer counts, added up when the day
// closes), so the result does not depend on the thread layout.
#include <algorithm>
#include <cmath>
#include <span>

#include "trustsim/marketplace.hpp"

namespace trustsim {
namespace {

constexpr std::uint16_t kMaxOrdersPerBuyerDay = 64;  // guards a runaway intensity
constexpr std::size_t kMaxOffers = 64;

using Offer = OfferTable::Offer;

// One shopping event's draws: fixed 32-bit slots of the buyer's stream for
// the day and event (part of the RNG layout: append, never renumber). With
// K = 8 a typical event reads two Philox blocks, relevance included.
using ShoppingDraws = rng::SlotStream<4 + kMaxOffers>;  // 136 slots: 8 + 64 offers + relevance
enum ShoppingSlot : unsigned {
  kCategorySlot = 0,
  kChoiceSlot = 1,
  kNextShopSlot = 2,
  kChurnSlot = 3,
  kReturnSlot = 4,
  kFirstRelevanceSlot = 5,  // offers' relevance, 10 bits each: slots 5-7, then 8 + K on
  kFirstOfferSlot = 8,      // offers k = 0..K-1 at slots 8 + k
};
constexpr unsigned kRelevancesPerSlot = 3;       // 10 bits each
constexpr unsigned kRelevancesBeforeOffers = 9;  // in slots 5, 6 and 7

// A standard logistic draw from 10 random bits, by table: one of 1024
// equal-probability cells, valued at its midpoint quantile (|value| <= 7.6).
// A search's relevance noise needs no finer resolution; a log per sampled
// offer would cost a fifth of an order's time, and 10 bits let the first
// nine offers' relevance share the shopping stream's first block.
constexpr unsigned kLogisticBits = 10;
const std::array<float, 1u << kLogisticBits> kLogisticTable = [] {
  std::array<float, 1u << kLogisticBits> t{};
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double u = (static_cast<double>(i) + 0.5) / static_cast<double>(t.size());
    t[i] = static_cast<float>(std::log(u / (1.0 - u)));
  }
  return t;
}();

// The relevance to this search (standard logistic) of each of the K offers
// sampled: offer k's is the k-th 10-bit field of slots 5-7, then of slots
// 8 + K on. Read in one pass, a slot at a time (no division per offer).
void relevances(ShoppingDraws& draws, std::size_t k_offers, std::span<float> out) {
  unsigned slot = kFirstRelevanceSlot;
  unsigned shift = 0;
  std::uint32_t bits = draws.bits(slot);
  for (std::size_t k = 0; k < k_offers; ++k) {
    if (k == kRelevancesBeforeOffers || shift == kLogisticBits * kRelevancesPerSlot) {
      slot = k == kRelevancesBeforeOffers ? kFirstOfferSlot + static_cast<unsigned>(k_offers)
                                          : slot + 1;
      shift = 0;
      bits = draws.bits(slot);
    }
    out[k] = kLogisticTable[(bits >> shift) & ((1u << kLogisticBits) - 1)];
    shift += kLogisticBits;
  }
}

// Best first; ties by seller id so the order never depends on the draw order.
bool ranks_before(const Offer& a, const Offer& b) {
  return a.score != b.score ? a.score > b.score : a.seller < b.seller;
}

constexpr std::uint32_t kNoPurchase = ~std::uint32_t{0};

// One search's choice (MODEL.md 5): K offers sampled from the category's
// table by listings, ranked, the featured offer moved to position 1, then a
// position-biased multinomial logit over the shown positions and the outside
// option (leaving without buying, weight `outside`). Returns the chosen
// seller, or kNoPurchase. `attraction` holds exp(utility) per seller and
// persona.
std::uint32_t choose_offer(ShoppingDraws& draws, const OfferTable& table,
                           const RankingParams& ranking, double outside,
                           const std::vector<double>& attraction, std::size_t personas,
                           std::uint8_t persona) {
  const auto& bias = ranking.position_bias;
  // At least one offer (the scenario check refuses offers_considered 0).
  const std::size_t k_offers = std::clamp<std::size_t>(ranking.offers_considered, 1, kMaxOffers);
  std::array<Offer, kMaxOffers> offers;
  std::array<std::uint32_t, kMaxOffers> offer_bits;
  for (std::size_t k = 0; k < k_offers; ++k) {
    offer_bits[k] = draws.bits(kFirstOfferSlot + static_cast<unsigned>(k));
    table.prefetch32(offer_bits[k]);
  }
  // This search's relevance of each offer, added to its ranking score.
  std::array<float, kMaxOffers> relevance;  // the first K are set when scale > 0
  const auto scale = static_cast<float>(ranking.relevance_scale);
  if (scale > 0.0f) relevances(draws, k_offers, relevance);
  // Only the shown positions matter: keep the best `shown` offers in order
  // (insertion into a short sorted array; ranks_before is a strict total
  // order, so they are the first `shown` of a full sort).
  const std::size_t shown = std::min(bias.size(), k_offers);
  std::size_t kept = 0;
  for (std::size_t k = 0; k < k_offers; ++k) {
    Offer offer = table.sample32(offer_bits[k]);
    if (scale > 0.0f) offer.score += scale * relevance[k];
    if (kept == shown && !ranks_before(offer, offers[shown - 1])) continue;
    std::size_t j = kept < shown ? kept++ : shown - 1;
    for (; j > 0 && ranks_before(offer, offers[j - 1]); --j) offers[j] = offers[j - 1];
    offers[j] = offer;
  }
  // Featured-offer eligibility: the best eligible offer takes position 1.
  if (offers[0].signal < ranking.featured_min_signal)
    for (std::size_t k = 1; k < shown; ++k)
      if (offers[k].signal >= ranking.featured_min_signal) {
        std::rotate(offers.begin(), offers.begin() + static_cast<std::ptrdiff_t>(k),
                    offers.begin() + static_cast<std::ptrdiff_t>(k) + 1);
        break;
      }
  // Position-biased multinomial logit over the shown positions.
  std::array<double, kMaxOffers> weight;
  double total = 0.0;
  for (std::size_t k = 0; k < shown; ++k) {
    weight[k] = bias[k] * attraction[offers[k].seller * personas + persona];
    total += weight[k];
  }
  double target = draws.uniform(kChoiceSlot) * (total + outside);
  if (target >= total && outside > 0.0) return kNoPurchase;
  std::size_t pick = 0;
  while (pick + 1 < shown && target >= weight[pick]) target -= weight[pick++];
  return offers[pick].seller;
}

}  // namespace

std::int32_t Marketplace::shop(std::uint32_t b, std::int32_t day, OrderLog& log,
                               std::size_t block_size, DayTotals& totals,
                               std::vector<BuyerEvent>& events) {
  const auto& p = settings_.params;
  Buyer& buyer = buyers_[b];
  // The buyer's orders go to the event sample when it is drawn into it.
  std::vector<BuyerEvent>* sample =
      event_sample_ != 0 && in_horizon(day) && in_sample(b, event_sample_) ? &events : nullptr;
  double t = buyer.next_time;
  const auto uday = static_cast<std::uint64_t>(day);
  if (buyer.status == BuyerStatus::kChurned) come_back(buyer, totals);
  const std::size_t personas = p.population.buyers.personas.size();

  for (std::uint16_t seq = 0;; ++seq) {
    // --- the shopping event: category, K sampled offers, ranking, choice ---
    ShoppingDraws draws(settings_.key, b, uday, rng::Purpose::kShoppingChoice, seq);
    const auto category = dist::discrete(draws.uniform(kCategorySlot), category_shares_);
    const auto& table = offer_tables_[category];
    if (table.empty()) {
      totals.searches_without_offer += 1;
    } else {
      const auto seller = choose_offer(draws, table, p.ranking, p.choice.outside_weight,
                                       attraction_, personas, buyer.persona);
      if (seller == kNoPurchase)
        totals.searches_without_purchase += 1;
      else
        buy(buyer, b, seller, category, day, seq, log, block_size, totals, sample);
    }

    // --- when this buyer shops next, or churns first ---
    const double trust = buyer.trust;
    const double rate = buyer.base_rate * settings_.intensity(trust);
    const double next_shop =
        rate > 0.0 ? t + dist::exponential(draws.uniform(kNextShopSlot), rate) : 1e30;
    const double hazard = settings_.churn_hazard(trust);
    const double churn_at = t + dist::exponential(draws.uniform(kChurnSlot), hazard);
    if (churn_at < next_shop) {
      buyer.status = BuyerStatus::kChurned;
      totals.churned += 1;
      totals.present_delta -= 1;
      totals.trust_delta_fixed -= trust_fixed(buyer.trust);
      t = churn_at + dist::exponential(draws.uniform(kReturnSlot), settings_.return_rate);
      break;
    }
    t = next_shop;
    if (t >= day + 1.0 || seq + 1 >= kMaxOrdersPerBuyerDay) break;
  }
  t = std::min(std::max(t, day + 1.0), 1e30);
  buyer.next_time = static_cast<float>(t);
  // float rounding may land a hair below day + 1: keep the event in the future
  const double stored = buyer.next_time;
  return stored < day + 1.0 ? day + 1 : static_cast<std::int32_t>(std::min(stored, 2e9));
}

// A churned buyer comes back with the initial trust.
void Marketplace::come_back(Buyer& buyer, DayTotals& totals) const {
  const auto initial = static_cast<float>(settings_.params.trust.initial);
  buyer.status = BuyerStatus::kActive;
  buyer.trust = initial;
  totals.returned += 1;
  totals.present_delta += 1;
  totals.trust_delta_fixed += trust_fixed(initial);
}

// An order from `seller`: its outcome (from the order's own stream), what it
// adds to the seller's day, what it does to the buyer's trust, and the
// buyer's horizon order days for the repeat-purchase outcomes.
void Marketplace::buy(Buyer& buyer, std::uint32_t b, std::uint32_t s, std::size_t category,
                      std::int32_t day, std::uint16_t seq, OrderLog& log, std::size_t block_size,
                      DayTotals& totals, std::vector<BuyerEvent>* sample) const {
  const auto& sellers = sellers_;
  OrderDraws order_draws(settings_.key, b, static_cast<std::uint64_t>(day), seq);
  const OrderOutcome o = settings_.order_model.decide(
      order_draws, sellers.profile[s], OrderConditions{sellers.effort[s], sellers.load[s]});
  std::int64_t cents = 0;
  if (!o.cancelled) {
    const double price =
        settings_.params.categories[category].price * static_cast<double>(sellers.price_level[s]);
    cents = static_cast<std::int64_t>(std::llround(price * 100.0));
  }
  record_order(log, block_size, s, cents, o, totals);
  const float trust_before = buyer.trust;
  update_trust(buyer, o, totals);
  if (sample)
    sample->push_back(BuyerEvent::of(o, b, s, day - settings_.warmup_days, seq, buyer.persona,
                                     cents, trust_before, buyer.trust));
  // A returning buyer: one who ordered in the 30 days before this order.
  if (buyer.last_order_day >= 0 && day - buyer.last_order_day <= kReturningBuyerDays)
    totals.repeat_orders += 1;
  buyer.last_order_day = static_cast<std::int16_t>(day);  // warmup + horizon <= 7300 days
  if (!in_horizon(day)) return;
  const auto horizon_day = static_cast<std::int16_t>(day - settings_.warmup_days);
  if (buyer.first_horizon_order_day < 0) {
    buyer.first_horizon_order_day = horizon_day;
  } else {
    const int since = horizon_day - buyer.first_horizon_order_day;
    if (since <= 30) buyer.repeat_flags |= 1;
    if (since <= 90) buyer.repeat_flags |= 2;
  }
}

void Marketplace::record_order(OrderLog& log, std::size_t block_size, std::uint32_t seller,
                               std::int64_t gmv_cents, const OrderOutcome& o,
                               DayTotals& totals) const {
  OrderRecord r;
  r.seller = seller;
  auto count = [&r](Counter c, bool happened) {
    r.flags |= static_cast<std::uint32_t>(happened) << static_cast<unsigned>(c);
  };
  const auto& u = settings_.dsi_units;
  count(Counter::kOrders, true);
  count(Counter::kCancels, o.cancelled);
  count(Counter::kShipments, o.seller_ships);
  count(Counter::kLateShipments, o.late_shipment);
  count(Counter::kValidTracking, o.seller_ships && o.valid_tracking);
  count(Counter::kDeliveries, !o.cancelled);
  count(Counter::kOnTime, !o.cancelled && !o.late_delivery);
  const bool seller_defect = o.order_defect && o.seller_accountable;
  count(Counter::kOrderDefects, seller_defect);
  count(Counter::kCsContacts, o.cs_contact);
  count(Counter::kCsResponded, o.cs_contact && o.cs_response_24h);
  count(Counter::kFeedback, o.feedback != Feedback::kNone);
  count(Counter::kPositiveFeedback, o.feedback == Feedback::kPositive);
  count(Counter::kNegativeFeedback, o.feedback == Feedback::kNegative);
  count(Counter::kClaims, o.claim);
  count(Counter::kChargebacks, o.chargeback);
  count(Counter::kNotAsDescribed, o.not_as_described);
  using W = DsiWeights;
  r.fqi_loss = u[W::kLateDelivery] * o.late_delivery_charged +
               u[W::kNotAsDescribed] * o.not_as_described_charged + u[W::kCancelled] * o.cancelled +
               u[W::kLateShipment] * o.late_shipment +
               u[W::kInvalidTracking] * (o.seller_ships && !o.valid_tracking);
  r.csqi_loss = u[W::kNoResponse24h] * (o.cs_contact && !o.cs_response_24h) +
                u[W::kUnresolved] * o.unresolved;
  r.gmv_cents = gmv_cents;
  log[seller / block_size].orders.push_back(r);
  totals.gmv_cents += gmv_cents;

  const bool no_response = o.cs_contact && !o.cs_response_24h;
  totals.orders += 1;
  totals.defect_orders += o.cancelled || o.late_delivery || o.not_as_described || no_response;
  totals.order_defects += o.order_defect;
  totals.seller_order_defects += seller_defect;
  totals.late_deliveries += o.late_delivery;
  totals.not_as_described += o.not_as_described;
  totals.cancelled += o.cancelled;
  totals.no_response_24h += no_response;
  totals.unresolved += o.unresolved;
}

void Marketplace::update_trust(Buyer& buyer, const OrderOutcome& o, DayTotals& totals) const {
  const auto& t = settings_.params.trust;
  const double before = buyer.trust;
  double trust = before;
  const bool no_response = o.cs_contact && !o.cs_response_24h;
  const bool bad =
      o.cancelled || o.late_delivery || o.not_as_described || no_response || o.unresolved;
  if (!bad) {
    trust += t.gain_per_good_order * (1.0 - trust);
    if (o.early_delivery) trust += t.gain_early_delivery * (1.0 - trust);
  } else {
    // Losses compound multiplicatively; late delivery hurts more the later,
    // with sensitivity flattening (days^exponent).
    if (o.cancelled) trust *= 1.0 - t.loss_cancelled;
    if (o.late_delivery)
      trust *= 1.0 - std::min(1.0, t.loss_late_delivery * std::pow(static_cast<double>(o.days_late),
                                                                   t.late_delay_exponent));
    if (o.not_as_described) trust *= 1.0 - t.loss_not_as_described;
    if (no_response) trust *= 1.0 - t.loss_no_response_24h;
    if (o.unresolved) trust *= 1.0 - t.loss_unresolved;
  }
  const auto stored = static_cast<float>(std::clamp(trust, 0.0, 1.0));
  totals.trust_delta_fixed += trust_fixed(stored) - trust_fixed(static_cast<float>(before));
  buyer.trust = stored;
}

}  // namespace trustsim
