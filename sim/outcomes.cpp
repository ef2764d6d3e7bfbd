// Outcome definitions (names, units, meanings) of /summary, /timeseries and
// /cohort_summary, and their computation from a finished arm's marketplace.
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include <fmt/format.h>

#include "outcomes.hpp"
#include "trustsim/statistics.hpp"

namespace trustsim {

namespace {

double per_1k(std::int64_t count, std::int64_t orders) {
  return orders > 0 ? 1000.0 * static_cast<double>(count) / static_cast<double>(orders) : 0.0;
}

double share(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

double mean_trust(const Marketplace& market) {
  const double present = static_cast<double>(market.buyers_present());
  return present > 0
             ? static_cast<double>(market.trust_sum_fixed()) / Marketplace::kTrustScale / present
             : 0.0;
}

double top_quality_sales_share(const Sellers& sellers);
double worst_sellers_defect_share(const Sellers& sellers, double seller_share);
double sellers_above_defect_rate(const Sellers& sellers, std::int64_t min_orders, double rate);

// Of the listed sellers with feedback in the rating window, the share whose
// displayed rating is at least `percent` positive.
double rated_share_at_least(const Marketplace& market, double percent) {
  const auto& sellers = market.sellers();
  std::int64_t rated = 0, above = 0;
  for (std::size_t s = 0; s < sellers.size(); ++s) {
    if (!sellers.listed(s) || market.rating_count(s) == 0) continue;
    rated += 1;
    above += 100.0 - static_cast<double>(sellers.rating_deficit[s]) >= percent;
  }
  return share(above, rated);
}

// What enforcement cost sellers and how soon it caught declines, summed over
// sellers' horizon tallies.
struct EnforcementCosts {
  std::int64_t terminations = 0, fp_terminations = 0, wrongful_exits = 0,
               wrongly_suspended_days = 0, gmv_lost_cents = 0, declined_breachers = 0, detected = 0,
               delay_days = 0;
  void add(const SellerTally& t) {
    terminations += t.terminations;
    fp_terminations += t.false_positive_terminations;
    wrongful_exits += t.wrongful_exit;
    wrongly_suspended_days += t.wrongly_suspended_days;
    gmv_lost_cents += t.gmv_lost_cents;
    declined_breachers += t.declined_breaching;
    detected += t.detected;
    delay_days += t.detection_delay_days;
  }
  double mean_delay() const {
    return declined_breachers == 0
               ? 0.0
               : static_cast<double>(delay_days) / static_cast<double>(declined_breachers);
  }
};

// What a /summary outcome is computed from: the horizon's totals, the
// marketplace at the end, and the counts over buyers and sellers taken then.
struct SummaryFacts {
  const DayTotals& h;
  const Marketplace& market;
  std::int64_t buyers_at_start, active, base30, rep30, base90, rep90, false_negatives;
  EnforcementCosts costs;
};

// The cost columns, the same in /summary and /cohort_summary.
template <class Facts>
std::vector<Outcome<Facts>> with_cost_columns(std::vector<Outcome<Facts>> table) {
  using C = EnforcementCosts;
  auto column = [&table](OutcomeDefinition d, double (*value)(const C&)) {
    table.push_back({std::move(d), [value](const Facts& f) { return value(f.costs); }});
  };
  column({"terminations", "actions", "terminations during the horizon (for good, no appeal)"},
         [](const C& c) { return static_cast<double>(c.terminations); });
  column({"false_positive_terminations", "actions",
          "terminations of sellers whose true rates met every rule of the reference standard"},
         [](const C& c) { return static_cast<double>(c.fp_terminations); });
  column({"wrongful_exits", "sellers",
          "sellers who left the marketplace after a false-positive suspension (no appeal, or "
          "the appeal refused) or a false-positive termination"},
         [](const C& c) { return static_cast<double>(c.wrongful_exits); });
  column({"wrongly_suspended_seller_days", "days",
          "days sellers spent suspended by false-positive suspensions during the horizon"},
         [](const C& c) { return static_cast<double>(c.wrongly_suspended_days); });
  column({"gmv_lost_wrongly_suspended", "currency",
          "what wrongly suspended sellers would have sold while suspended, each at its own GMV "
          "per listed day since it was created (the sellers' loss; the platform's is smaller, "
          "as buyers buy elsewhere, and shows in gmv)"},
         [](const C& c) { return static_cast<double>(c.gmv_lost_cents) / 100.0; });
  column({"declined_breachers", "sellers",
          "sellers whose performance decline during the horizon took their true rates across "
          "the reference standard"},
         [](const C& c) { return static_cast<double>(c.declined_breachers); });
  column({"declined_breachers_acted_on", "sellers",
          "of the declined breachers, those any policy acted on before the horizon ended"},
         [](const C& c) { return static_cast<double>(c.detected); });
  column({"detection_delay_days", "days",
          "mean days from a decline taking a seller across the reference standard to the "
          "first action on it, over the declined breachers; one never acted on counts its days "
          "to the end of the horizon or its exit (censored: compare arms over the same horizon); "
          "0 without declined breachers"},
         [](const C& c) { return c.mean_delay(); });
  return table;
}

// What a /timeseries outcome is computed from: the period's totals and the
// marketplace at the period's end.
struct PeriodFacts {
  const DayTotals& period;
  const Marketplace& market;
  std::int32_t days;  // days in the period: fewer than the step for a partial last period
};

// One seller cohort's integer sums over the horizon.
struct CohortSums {
  std::int64_t sellers = 0, gmv = 0, warnings = 0, suppressions = 0, suspensions = 0, fp = 0,
               fn = 0, exits = 0;
  std::array<std::int64_t, kCounterCount> counters{};
  const DsiWeights* weights = nullptr;
  EnforcementCosts costs;
  std::int64_t count(Counter c) const { return counters[static_cast<std::size_t>(c)]; }
};

// A metric of the metric table from counter sums.
double metric_of(Metric metric, const std::array<std::int64_t, kCounterCount>& counters,
                 const DsiWeights& weights) {
  const auto& d = metric_definition(metric);
  return metric_from_sums(metric, static_cast<double>(counters[idx(d.numerator)]),
                          static_cast<double>(counters[idx(d.denominator)]), weights);
}

// Each outcome once: name, unit, meaning and how it is computed. The order is
// the order of the columns.
// One column per metric of the metric table, after `table`'s own.
template <class Facts, class Value>
std::vector<Outcome<Facts>> with_metric_columns(std::vector<Outcome<Facts>> table,
                                                const char* scope, Value value) {
  for (const auto& d : kMetrics)
    table.push_back(
        {{std::string(enum_name(d.metric)), "rate", fmt::format("{}: {}", scope, d.meaning)},
         [metric = d.metric, value](const Facts& f) { return value(f, metric); }});
  return table;
}

const std::vector<Outcome<SummaryFacts>>& summary_table() {
  using F = SummaryFacts;
  static const std::vector<Outcome<F>> table = with_cost_columns<F>({
      {{"orders", "orders", "orders placed during the horizon"},
       [](const F& f) { return static_cast<double>(f.h.orders); }},
      {{"gmv", "currency", "gross merchandise value of orders not cancelled"},
       [](const F& f) { return static_cast<double>(f.h.gmv_cents) / 100.0; }},
      {{"active_buyers", "buyers", "buyers with an order in the last 90 days of the horizon"},
       [](const F& f) { return static_cast<double>(f.active); }},
      {{"mean_trust", "0-1", "mean trust of buyers present (not churned) at the end"},
       [](const F& f) { return mean_trust(f.market); }},
      {{"repeat_rate_30d", "share",
        "buyers whose first horizon order is >= 30 days before the end and who order again "
        "within 30 days"},
       [](const F& f) { return share(f.rep30, f.base30); }},
      {{"repeat_rate_90d", "share",
        "buyers whose first horizon order is >= 90 days before the end and who order again "
        "within 90 days"},
       [](const F& f) { return share(f.rep90, f.base90); }},
      {{"buyer_churn_rate", "share",
        "churn events during the horizon / buyers present at its start"},
       [](const F& f) { return share(f.h.churned, f.buyers_at_start); }},
      {{"buyer_returns", "buyers", "churned buyers who came back during the horizon"},
       [](const F& f) { return static_cast<double>(f.h.returned); }},
      {{"defects_per_1k_orders", "per 1000 orders",
        "orders with a problem the buyer lived through (cancelled, late, not as described or "
        "damaged, no CS answer within 24 h)"},
       [](const F& f) { return per_1k(f.h.defect_orders, f.h.orders); }},
      {{"odr_defects_per_1k_orders", "per 1000 orders",
        "orders with negative feedback, a claim or a chargeback (any cause)"},
       [](const F& f) { return per_1k(f.h.order_defects, f.h.orders); }},
      {{"seller_odr_defects_per_1k_orders", "per 1000 orders",
        "order defects charged to the seller (platform-caused excluded)"},
       [](const F& f) { return per_1k(f.h.seller_order_defects, f.h.orders); }},
      {{"late_deliveries_per_1k_orders", "per 1000 orders", "late deliveries"},
       [](const F& f) { return per_1k(f.h.late_deliveries, f.h.orders); }},
      {{"not_as_described_per_1k_orders", "per 1000 orders", "items not as described or damaged"},
       [](const F& f) { return per_1k(f.h.not_as_described, f.h.orders); }},
      {{"cancellations_per_1k_orders", "per 1000 orders", "seller cancellations"},
       [](const F& f) { return per_1k(f.h.cancelled, f.h.orders); }},
      {{"no_cs_response_per_1k_orders", "per 1000 orders",
        "customer-service contacts not answered within 24 h"},
       [](const F& f) { return per_1k(f.h.no_response_24h, f.h.orders); }},
      {{"unresolved_per_1k_orders", "per 1000 orders", "problems left unresolved"},
       [](const F& f) { return per_1k(f.h.unresolved, f.h.orders); }},
      {{"feedback_per_1k_orders", "per 1000 orders",
        "orders on which the buyer left seller feedback of any kind"},
       [](const F& f) { return per_1k(f.h.count(Counter::kFeedback), f.h.orders); }},
      {{"negative_feedback_per_1k_orders", "per 1000 orders", "orders with negative feedback"},
       [](const F& f) { return per_1k(f.h.count(Counter::kNegativeFeedback), f.h.orders); }},
      {{"percent_positive", "percent",
        "positive feedback per feedback left over the horizon, every seller (the platform's "
        "percent positive)"},
       [](const F& f) {
         return 100.0 * share(f.h.count(Counter::kPositiveFeedback), f.h.count(Counter::kFeedback));
       }},
      {{"rated_sellers_98_positive", "share",
        "of listed sellers with feedback in the rating window at the end, the share whose "
        "displayed rating is at least 98% positive"},
       [](const F& f) { return rated_share_at_least(f.market, 98.0); }},
      {{"searches_without_offer", "searches", "shopping events that found no listed offer"},
       [](const F& f) { return static_cast<double>(f.h.searches_without_offer); }},
      {{"searches_without_purchase", "searches",
        "shopping events that ended without buying (the outside option)"},
       [](const F& f) { return static_cast<double>(f.h.searches_without_purchase); }},
      {{"warnings", "actions", "warnings issued during the horizon"},
       [](const F& f) { return static_cast<double>(f.h.warnings); }},
      {{"suppressions", "actions", "listing suppressions during the horizon"},
       [](const F& f) { return static_cast<double>(f.h.suppressions); }},
      {{"suspensions", "actions", "suspensions during the horizon"},
       [](const F& f) { return static_cast<double>(f.h.suspensions); }},
      {{"reinstatements", "actions", "suspended sellers reinstated on appeal"},
       [](const F& f) { return static_cast<double>(f.h.reinstatements); }},
      {{"false_positive_suspensions", "actions",
        "suspensions of sellers whose true rates (at their effort then) met every rule of the "
        "reference standard (the baseline arm's rules unless reference_standard names another "
        "arm)"},
       [](const F& f) { return static_cast<double>(f.h.false_positive_suspensions); }},
      {{"false_negative_sellers", "sellers",
        "sellers with horizon orders whose true rates at the end breach the reference standard "
        "and on whom no policy acted during the horizon"},
       [](const F& f) { return static_cast<double>(f.false_negatives); }},
      {{"seller_exits", "sellers", "sellers who left during the horizon"},
       [](const F& f) { return static_cast<double>(f.h.seller_exits); }},
      {{"seller_entries", "sellers", "sellers who entered during the horizon"},
       [](const F& f) { return static_cast<double>(f.h.seller_entries); }},
      {{"seller_declines", "sellers",
        "sellers whose operations declined during the horizon (seller_behaviour.decline_hazard)"},
       [](const F& f) { return static_cast<double>(f.h.seller_declines); }},
      {{"listed_sellers_end", "sellers", "sellers with listed offers at the end"},
       [](const F& f) { return static_cast<double>(f.market.listed_sellers()); }},
      {{"top_quality_sales_share", "share",
        "share of horizon GMV sold by the best quarter of sellers by latent quality"},
       [](const F& f) { return top_quality_sales_share(f.market.sellers()); }},
      {{"worst_1pct_defect_share", "share",
        "share of the horizon's seller-charged order defects charged to the 1% of sellers "
        "present with the most of them (eBay: 1% of sellers caused 35% of bad experiences)"},
       [](const F& f) { return worst_sellers_defect_share(f.market.sellers(), 0.01); }},
      {{"sellers_above_1pct_odr", "share",
        "of sellers with at least 50 horizon orders, the share whose horizon seller-charged "
        "order defect rate is above 1% (the public ODR standard)"},
       [](const F& f) { return sellers_above_defect_rate(f.market.sellers(), 50, 0.01); }},
  });
  return table;
}

const std::vector<Outcome<PeriodFacts>>& timeseries_table() {
  using F = PeriodFacts;
  static const std::vector<Outcome<F>> table = with_metric_columns<F>(
      {
          {{"period_days", "days",
            "days in the period: the step (1 or 7), fewer for a last period the horizon cuts "
            "short (compare its counts per day)"},
           [](const F& f) { return static_cast<double>(f.days); }},
          {{"orders", "orders", "orders in the period"},
           [](const F& f) { return static_cast<double>(f.period.orders); }},
          {{"gmv", "currency", "GMV in the period"},
           [](const F& f) { return static_cast<double>(f.period.gmv_cents) / 100.0; }},
          {{"defects_per_1k_orders", "per 1000 orders", "buyer-experienced problems"},
           [](const F& f) { return per_1k(f.period.defect_orders, f.period.orders); }},
          {{"odr_defects_per_1k_orders", "per 1000 orders", "feedback, claims, chargebacks"},
           [](const F& f) { return per_1k(f.period.order_defects, f.period.orders); }},
          {{"mean_trust", "0-1", "mean trust of buyers present at the end of the period"},
           [](const F& f) { return mean_trust(f.market); }},
          {{"buyers_present", "buyers", "buyers not churned at the end of the period"},
           [](const F& f) { return static_cast<double>(f.market.buyers_present()); }},
          {{"churned_buyers", "buyers", "churn events in the period"},
           [](const F& f) { return static_cast<double>(f.period.churned); }},
          {{"repeat_order_share", "share",
            "orders in the period by returning buyers (who ordered in the 30 days before: the "
            "same day and the warm-up count) / orders in the period; the first 30 days of a run "
            "have no history and start low"},
           [](const F& f) { return share(f.period.repeat_orders, f.period.orders); }},
          {{"listed_sellers", "sellers", "sellers with listed offers at the end of the period"},
           [](const F& f) { return static_cast<double>(f.market.listed_sellers()); }},
          {{"suspended_sellers", "sellers", "sellers suspended at the end of the period"},
           [](const F& f) { return static_cast<double>(f.market.suspended_sellers()); }},
          {{"warnings", "actions", "warnings in the period"},
           [](const F& f) { return static_cast<double>(f.period.warnings); }},
          {{"suspensions", "actions", "suspensions in the period"},
           [](const F& f) { return static_cast<double>(f.period.suspensions); }},
      },
      "every seller's orders in the period", [](const F& f, Metric metric) {
        return metric_of(metric, f.period.counters, f.market.settings().dsi);
      });
  return table;
}

const std::vector<Outcome<CohortSums>>& cohort_table() {
  using F = CohortSums;
  static const std::vector<Outcome<F>> table = with_cost_columns<F>(with_metric_columns<F>(
      {
          {{"sellers", "sellers", "sellers present during the horizon"},
           [](const F& c) { return static_cast<double>(c.sellers); }},
          {{"orders", "orders", "horizon orders"},
           [](const F& c) { return static_cast<double>(c.count(Counter::kOrders)); }},
          {{"gmv", "currency", "horizon GMV"},
           [](const F& c) { return static_cast<double>(c.gmv) / 100.0; }},
          {{"seller_odr_defects_per_1k_orders", "per 1000 orders",
            "defects charged to the sellers"},
           [](const F& c) {
             return per_1k(c.count(Counter::kOrderDefects), c.count(Counter::kOrders));
           }},
          {{"warnings", "actions", "warnings"},
           [](const F& c) { return static_cast<double>(c.warnings); }},
          {{"suppressions", "actions", "listing suppressions"},
           [](const F& c) { return static_cast<double>(c.suppressions); }},
          {{"suspensions", "actions", "suspensions"},
           [](const F& c) { return static_cast<double>(c.suspensions); }},
          {{"false_positive_suspensions", "actions",
            "suspensions of sellers truly within threshold"},
           [](const F& c) { return static_cast<double>(c.fp); }},
          {{"false_negative_sellers", "sellers",
            "sellers breaching the reference standard never acted on"},
           [](const F& c) { return static_cast<double>(c.fn); }},
          {{"seller_exits", "sellers", "exits"},
           [](const F& c) { return static_cast<double>(c.exits); }},
      },
      "the cohort's horizon orders",
      [](const F& c, Metric metric) { return metric_of(metric, c.counters, *c.weights); }));
  return table;
}

}  // namespace

const std::vector<OutcomeDefinition>& summary_outcomes() {
  static const auto defs = definitions(summary_table());
  return defs;
}

const std::vector<OutcomeDefinition>& timeseries_outcomes() {
  static const auto defs = definitions(timeseries_table());
  return defs;
}

const std::vector<OutcomeDefinition>& cohort_outcomes() {
  static const auto defs = definitions(cohort_table());
  return defs;
}

std::vector<std::string> cohort_labels(const Scenario& scenario) {
  std::vector<std::string> labels;
  for (auto dim : scenario.settings.outputs.cohorts)
    for (auto& label : dimension_labels(dim)) labels.push_back(std::move(label));
  return labels;
}

void ArmAccumulator::add_day(Marketplace& market, const DayTotals& day, std::int32_t horizon_day,
                             TimeseriesStep step) {
  const bool in_horizon = horizon_day >= 0;
  if (in_horizon) horizon.add(day);
  period.add(day);
  if (period_first == kNoPeriod) period_first = horizon_day;
  const std::int32_t length = step == TimeseriesStep::kDaily ? 1 : 7;
  const bool last_day = horizon_day + 1 == market.settings().horizon_days;
  if (in_horizon) {
    const auto sampled = market.take_buyer_events();
    events.insert(events.end(), sampled.begin(), sampled.end());
    if (panel.threshold != 0 && ((horizon_day + 1) % 7 == 0 || last_day))
      panel.add_week(market, horizon_day, run.seller_panel);
  }
  // Periods are whole steps counted from the horizon's first day, backwards
  // into the warm-up; the first warm-up period and the last horizon period
  // may be shorter.
  if ((horizon_day + 1) % length != 0 && !last_day) return;
  run.period_start.push_back(period_first);
  const auto days = static_cast<std::int32_t>(horizon_day + 1 - period_first);
  const auto row = values(timeseries_table(), PeriodFacts{period, market, days});
  if (run.timeseries.empty()) run.timeseries.resize(row.size());
  for (std::size_t c = 0; c < row.size(); ++c) run.timeseries[c].push_back(row[c]);
  period = DayTotals{};
  period_first = kNoPeriod;
}

const std::vector<const char*>& steady_state_series() {
  static const std::vector<const char*> names = {"orders", "buyers_present", "listed_sellers",
                                                 "mean_trust"};
  return names;
}

void DailySeries::add(const Marketplace& market, const DayTotals& day) {
  values.resize(steady_state_series().size());
  values[0].push_back(static_cast<double>(day.orders));
  values[1].push_back(static_cast<double>(market.buyers_present()));
  values[2].push_back(static_cast<double>(market.listed_sellers()));
  values[3].push_back(mean_trust(market));
}

std::vector<std::int64_t> DailySeries::truncations() const {
  std::vector<std::int64_t> out;
  for (const auto& v : values) out.push_back(stats::mser(v).truncation);
  return out;
}

std::vector<double> DailySeries::drifts(std::size_t first) const {
  std::vector<double> out;
  for (const auto& v : values) {
    const std::span<const double> days(
        v.begin() + static_cast<std::ptrdiff_t>(std::min(first, v.size())), v.end());
    std::vector<double> day(days.size());
    std::iota(day.begin(), day.end(), 0.0);
    out.push_back(stats::relative_trend(day, days));
  }
  return out;
}

namespace {

// Sellers with horizon orders whose true rates at the end breach the
// reference standard and on whom no policy acted during the horizon.
std::vector<std::uint8_t> false_negatives(const Marketplace& market) {
  const auto& sellers = market.sellers();
  const auto& settings = market.settings();
  std::vector<std::uint8_t> flagged(sellers.size(), 0);
  // Each seller's verdict is independent and written to its own slot.
  const auto n = static_cast<std::int64_t>(sellers.size());
#pragma omp parallel for schedule(dynamic, 64)
  for (std::int64_t i = 0; i < n; ++i) {
    const auto s = static_cast<std::size_t>(i);
    if (sellers.status[s] == SellerStatus::kExited || sellers.tally[s].count(Counter::kOrders) == 0)
      continue;
    const auto rates = expected_rates(settings.order_model, sellers.profile[s],
                                      OrderConditions{sellers.effort[s], 0.0f}, settings.dsi);
    const auto& t = sellers.tally[s];
    const bool acted = t.warnings + t.suppressions + t.suspensions > 0;
    if (!acted && settings.reference.breached(rates, cohort_of(sellers, s), settings.dsi))
      flagged[s] = 1;
  }
  return flagged;
}

double top_quality_sales_share(const Sellers& sellers) {
  std::vector<std::uint32_t> present;
  for (std::size_t s = 0; s < sellers.size(); ++s)
    if (sellers.tally[s].present) present.push_back(static_cast<std::uint32_t>(s));
  if (present.empty()) return 0.0;
  std::sort(present.begin(), present.end(), [&](std::uint32_t a, std::uint32_t b) {
    return sellers.quality[a] != sellers.quality[b] ? sellers.quality[a] < sellers.quality[b]
                                                    : a < b;
  });
  std::int64_t top = 0, all = 0;
  const std::size_t quarter = (present.size() + 3) / 4;
  for (std::size_t i = 0; i < present.size(); ++i) {
    const auto gmv = sellers.tally[present[i]].gmv_cents;
    all += gmv;
    if (i < quarter) top += gmv;
  }
  return all > 0 ? static_cast<double>(top) / static_cast<double>(all) : 0.0;
}

// The share of the horizon's seller-charged order defects charged to the
// `seller_share` of present sellers (rounded up) with the most of them.
double worst_sellers_defect_share(const Sellers& sellers, double seller_share) {
  std::vector<std::int64_t> defects;
  for (std::size_t s = 0; s < sellers.size(); ++s)
    if (sellers.tally[s].present) defects.push_back(sellers.tally[s].count(Counter::kOrderDefects));
  if (defects.empty()) return 0.0;
  const auto worst =
      static_cast<std::size_t>(std::ceil(seller_share * static_cast<double>(defects.size())));
  std::sort(defects.begin(), defects.end(), std::greater<>());
  const std::int64_t all = std::accumulate(defects.begin(), defects.end(), std::int64_t{0});
  const std::int64_t top = std::accumulate(
      defects.begin(), defects.begin() + static_cast<std::ptrdiff_t>(worst), std::int64_t{0});
  return share(top, all);
}

// Of the sellers with at least `min_orders` horizon orders, the share whose
// horizon seller-charged order defect rate is above `rate`.
double sellers_above_defect_rate(const Sellers& sellers, std::int64_t min_orders, double rate) {
  std::int64_t counted = 0, above = 0;
  for (const auto& t : sellers.tally) {
    const std::int64_t orders = t.count(Counter::kOrders);
    if (orders < min_orders) continue;
    counted += 1;
    above +=
        static_cast<double>(t.count(Counter::kOrderDefects)) > rate * static_cast<double>(orders);
  }
  return share(above, counted);
}

}  // namespace

void ArmAccumulator::finish(const Marketplace& market, const std::vector<std::string>& labels,
                            const std::vector<CohortDimension>& dims) {
  const auto& h = horizon;
  const auto& buyers = market.buyers();
  const auto& sellers = market.sellers();
  const auto horizon_days = market.settings().horizon_days;
  // Active: an order in the horizon's last 90 days (buyers keep run days).
  const auto active_from = market.settings().warmup_days + std::max(0, horizon_days - 90);
  // Integer counts over every buyer: summed in any order, so in parallel.
  std::int64_t active = 0, base30 = 0, rep30 = 0, base90 = 0, rep90 = 0;
  const auto n_buyers = static_cast<std::int64_t>(buyers.size());
#pragma omp parallel for schedule(static) reduction(+ : active, base30, rep30, base90, rep90)
  for (std::int64_t i = 0; i < n_buyers; ++i) {
    const Buyer& b = buyers[static_cast<std::size_t>(i)];
    if (b.last_order_day >= active_from) ++active;
    const auto first = b.first_horizon_order_day;
    if (first < 0) continue;
    if (first + 30 <= horizon_days) ++base30, rep30 += b.repeat_flags & 1;
    if (first + 90 <= horizon_days) ++base90, rep90 += (b.repeat_flags >> 1) & 1;
  }
  const auto flagged = false_negatives(market);
  std::int64_t fn = 0;
  for (auto f : flagged) fn += f;
  EnforcementCosts costs;
  for (std::size_t s = 0; s < sellers.size(); ++s)
    if (sellers.tally[s].present) costs.add(sellers.tally[s]);
  run.policy_outcomes = market.policies().horizon_outcomes();
  run.summary = values(summary_table(), SummaryFacts{h, market, buyers_at_start, active, base30,
                                                     rep30, base90, rep90, fn, costs});

  // Per-cohort tallies: integer sums per label, then rates.
  std::vector<CohortSums> sums(labels.size());
  std::vector<std::size_t> dim_sizes;
  for (auto dim : dims) dim_sizes.push_back(dimension_labels(dim).size());
  for (auto& c : sums) c.weights = &market.settings().dsi;
  for (std::size_t s = 0; s < sellers.size(); ++s) {
    const auto& t = sellers.tally[s];
    if (!t.present) continue;
    const auto seller = cohort_of(sellers, s);
    std::size_t offset = 0;
    for (std::size_t d = 0; d < dims.size(); ++d) {
      const std::size_t value = seller.value(dims[d]);
      auto& c = sums[offset + value];
      c.sellers += 1;
      for (std::size_t k = 0; k < kCounterCount; ++k) c.counters[k] += t.counters[k];
      c.gmv += t.gmv_cents;
      c.warnings += t.warnings;
      c.suppressions += t.suppressions;
      c.suspensions += t.suspensions;
      c.fp += t.false_positive_suspensions;
      c.fn += flagged[s];
      c.exits += t.exited;
      c.costs.add(t);
      offset += dim_sizes[d];
    }
  }
  run.cohorts.clear();
  for (const auto& c : sums) run.cohorts.push_back(values(cohort_table(), c));
  if (!events.empty()) run.buyer_events = buyer_event_table(std::move(events));
}

}  // namespace trustsim
