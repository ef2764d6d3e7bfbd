// Phases 2 and 3 of a day, per seller: roll the metric windows, update the
// ranking signal and effort, decide exits; then decide a suspended seller's
// appeal, or put an active seller before every policy (models/policies/;
// MODEL.md 2, 7, 8), and let policies adjust its ranking for tomorrow.
// Each seller's day touches only that seller, so blocks of sellers run in
// parallel and the steps within a block in any order of sellers.
#include <algorithm>
#include <cmath>

#include "trustsim/marketplace.hpp"
#include "trustsim/metrics.hpp"

namespace trustsim {

namespace {

// Pseudo-orders at the platform average that shrink a small seller's signal.
constexpr double kSignalPriorOrders = 20.0;
constexpr std::uint32_t kMinOrdersForLostSales = 10;
constexpr std::int32_t kLostSalesCooldownDays = 30;

// A hazard clock (the exit and the decline clocks): the day's exposure is
// added, and the clock has run out once the summed exposure reaches it.
bool clock_runs_out(float& exposure, float clock, double rate_per_day) {
  exposure += static_cast<float>(rate_per_day);
  return exposure >= clock;
}

}  // namespace

void Marketplace::close_seller_day(std::size_t s, std::int32_t day, const SellerDay& today,
                                   DayTotals& totals) {
  auto& sl = sellers_;
  const auto& p = settings_.params;
  const auto& counts = today.counts;
  const auto gmv_cents = today.gmv_cents;
  sl.windows.push_day(s, counts);
  const bool rating_inputs_moved =
      sl.ratings.push_day(s, {counts[static_cast<std::size_t>(Counter::kFeedback)],
                              counts[static_cast<std::size_t>(Counter::kPositiveFeedback)]});
  // Every counter comes from orders: a day without orders adds nothing.
  const auto orders = counts[static_cast<std::size_t>(Counter::kOrders)];
  if (orders > 0)
    for (std::size_t c = 0; c < kCounterCount; ++c) totals.counters[c] += counts[c];
  if (sl.status[s] == SellerStatus::kExited) return;
  if (rating_inputs_moved) update_rating(s);
  // The seller's own GMV rate while listed; what a wrongful suspension costs it.
  sl.lifetime_gmv_cents[s] += gmv_cents;
  if (sl.listed(s)) ++sl.listed_days[s];
  if (sl.breach_since[s] >= 0) ++sl.tally[s].detection_delay_days;  // not acted on yet
  if (in_horizon(day) && sl.status[s] == SellerStatus::kSuspended && sl.wrongly_held[s]) {
    auto& tally = sl.tally[s];
    ++tally.wrongly_suspended_days;
    if (sl.listed_days[s] > 0) tally.gmv_lost_cents += sl.lifetime_gmv_cents[s] / sl.listed_days[s];
  }

  if (in_horizon(day) && orders > 0) {
    auto& tally = sl.tally[s];
    for (std::size_t c = 0; c < kCounterCount; ++c) tally.counters[c] += counts[c];
    tally.gmv_cents += gmv_cents;
  }
  sl.load[s] = static_cast<float>(orders / static_cast<double>(sl.capacity[s]));
  if (orders > 0) sl.last_order_day[s] = day;

  // Effort decays, and rises when sales fall (the seller notices lost sales).
  const auto& beh = p.seller_behaviour;
  double effort = sl.effort[s] * (1.0 - beh.effort_decay_per_day);
  const auto& w = sl.windows;
  const std::uint32_t recent = w.sum(s, handles_.orders_30);
  const std::uint32_t before = w.sum(s, handles_.orders_60) - recent;
  if (before >= kMinOrdersForLostSales && recent < (1.0 - beh.lost_sales_drop) * before &&
      day - sl.last_lost_sales_day[s] >= kLostSalesCooldownDays) {
    effort += beh.effort_after_lost_sales * (1.0 - effort);
    sl.last_lost_sales_day[s] = day;
  }
  sl.effort[s] = static_cast<float>(effort);

  // Ranking signal, shrunk towards the platform average for small sellers.
  const double n = w.sum(s, handles_.signal_orders);
  double signal = 1.0;
  if (p.ranking.signal == RankingSignal::kFqi) {
    const double loss = w.sum(s, handles_.signal_loss) / kLossUnits;
    signal = 1.0 - (loss + kSignalPriorOrders * platform_loss_rate_) /
                       ((n + kSignalPriorOrders) * settings_.dsi.fqi_total());
  } else if (p.ranking.signal == RankingSignal::kOrderDefectRate) {
    const double defects = w.sum(s, handles_.signal_defects);
    signal =
        1.0 - (defects + kSignalPriorOrders * platform_defect_rate_) / (n + kSignalPriorOrders);
  }
  sl.signal[s] = static_cast<float>(signal);
  sl.rank_score[s] = static_cast<float>(p.ranking.weight_price * sl.neg_log_price[s] -
                                        p.ranking.weight_speed * sl.promised_days[s] +
                                        p.ranking.weight_signal * signal);

  if (sl.status[s] != SellerStatus::kActive) return;
  // A seller without sales for a long time may leave, and any seller may
  // leave for reasons outside the model (its exit clock runs out).
  bool leaves = false;
  if (day - std::max(sl.last_order_day[s], sl.created_day[s]) >=
      static_cast<std::int32_t>(beh.no_sales_days)) {
    rng::Stream r(settings_.key, s, static_cast<std::uint64_t>(day),
                  rng::Purpose::kSellerBehaviour);
    leaves = r.uniform() < beh.exit_hazard_no_sales;
  }
  if (settings_.seller_exit_rate > 0.0)
    leaves =
        clock_runs_out(sl.exit_exposure[s], sl.exit_clock[s], settings_.seller_exit_rate) || leaves;
  if (leaves) {
    sl.status[s] = SellerStatus::kExited;
    totals.seller_exits += 1;
    if (in_horizon(day)) sl.tally[s].exited = 1;
    return;
  }
  // The seller's operations may decline for good (its decline clock runs out).
  if (settings_.seller_decline_rate > 0.0 && sl.declined[s] == 0 &&
      clock_runs_out(sl.decline_exposure[s], sl.decline_clock[s], settings_.seller_decline_rate)) {
    const bool met = in_horizon(day) && meets_reference_standard(sl, settings_, s);
    decline(s);
    totals.seller_declines += 1;
    if (met && !meets_reference_standard(sl, settings_, s)) {  // the decline crossed the standard
      sl.breach_since[s] = day;
      sl.tally[s].declined_breaching = 1;
    }
  }
}

// The rating buyers see (MODEL.md 6): percent positive over the rating
// window (this week and the weeks before it). When it moves, so does the seller's attraction for
// every persona.
void Marketplace::update_rating(std::size_t s) {
  const auto& w = sellers_.ratings;
  const std::uint32_t left = w.sum(s, handles_.rating, 0);
  const std::uint32_t positive = w.sum(s, handles_.rating, 1);
  const float deficit = left == 0
                            ? 0.0f
                            : static_cast<float>(100.0 * static_cast<double>(left - positive) /
                                                 static_cast<double>(left));
  if (deficit == sellers_.rating_deficit[s]) return;
  sellers_.rating_deficit[s] = deficit;
  const auto& personas = settings_.params.population.buyers.personas;
  for (std::size_t q = 0; q < personas.size(); ++q)
    attraction_[s * personas.size() + q] = attraction(personas[q].second, s);
}

void Marketplace::enforce(std::size_t first, std::size_t last, std::int32_t day,
                          DayTotals& totals) {
  // A suspended seller on its appeal day has its plan of action decided
  // (appeal, then reinstatement or exit); an active seller goes before the
  // policies. Each seller meets exactly one of the two today.
  const bool horizon = in_horizon(day);
  std::vector<SellerUnderReview> before_policies;
  for (std::size_t s = first; s < last; ++s) {
    const auto status = sellers_.status[s];
    if (status == SellerStatus::kActive)
      before_policies.emplace_back(sellers_, settings_, totals, s, day, horizon);
    else if (status == SellerStatus::kSuspended && sellers_.appeal_day[s] == day)
      SellerUnderReview(sellers_, settings_, totals, s, day, horizon).decide_appeal(policies_);
  }
  policies_.evaluate_sellers(before_policies);
  if (!policies_.adjusts_ranking()) return;
  for (std::size_t s = first; s < last; ++s)
    if (sellers_.status[s] == SellerStatus::kActive)
      policies_.adjust_ranking(SellerUnderReview(sellers_, settings_, totals, s, day, horizon),
                               OfferStanding{sellers_.rank_score[s], sellers_.signal[s]});
}

}  // namespace trustsim
