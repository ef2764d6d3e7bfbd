// Policy kind "threshold_rule" (see threshold_rule.hpp).
#include "policies/threshold_rule.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "trustsim/distributions.hpp"
#include "trustsim/marketplace.hpp"
#include "trustsim/metrics.hpp"

namespace trustsim {

namespace {
constexpr std::int32_t kNeverStepped = -1000000;
}  // namespace

CohortScope RuleScope::mask() const {
  CohortScope scope;
  scope.only(CohortDimension::kChannel, channels);
  scope.only(CohortDimension::kTenure, tenures);
  scope.only(CohortDimension::kCategory, categories);
  scope.only(CohortDimension::kRegion, regions);
  return scope;
}

StandardRule EnforcementRule::standard() const {
  StandardRule rule{metric, comparison, threshold, scope.mask(), {}};
  for (const auto& c : cohort_thresholds) {
    const auto cohort = Cohort::parse(c.cohort);
    if (!cohort) throw std::logic_error("a cohort threshold names no cohort (check() refuses it)");
    rule.cohort_thresholds.push_back({*cohort, c.threshold});
  }
  return rule;
}

std::pair<double, double> moment_beta_prior(
    const std::vector<std::pair<std::uint32_t, std::uint32_t>>& counts) {
  if (counts.empty()) return {1.0, 1.0};  // nothing to learn from: flat
  double n = 0, sum = 0, sum_sq = 0, inverse_trials = 0;
  for (const auto& [events, trials] : counts) {
    const double rate = static_cast<double>(events) / trials;
    n += 1;
    sum += rate;
    sum_sq += rate * rate;
    inverse_trials += 1.0 / trials;
  }
  const double m = std::clamp(sum / n, 1e-6, 1.0 - 1e-6);
  const double observed = std::max(sum_sq / n - (sum / n) * (sum / n), 0.0);
  const double noise = m * (1.0 - m) * inverse_trials / n;  // E[binomial variance of a rate]
  const double spread = observed - noise;
  const double strength =
      spread <= 0 ? kMaxPriorStrength
                  : std::clamp(m * (1.0 - m) / spread - 1.0, kMinPriorStrength, kMaxPriorStrength);
  return {m * strength, (1.0 - m) * strength};
}

bool evidence_of_breach(const EnforcementRule& rule, double threshold,
                        std::pair<double, double> prior, std::uint32_t events,
                        std::uint32_t trials) {
  if (trials == 0) return false;  // no orders, no evidence (whatever the prior says)
  const double k = events, n = trials, t = threshold;
  const bool above = rule.comparison == Comparison::kAbove;
  // Most sellers are far on the good side of the threshold, where no level
  // above one half can be reached: skip the incomplete beta for them. A
  // median of Binomial(n, t) lies in [floor(nt), ceil(nt)], so a count on
  // the good side of it has a p-value of at least 1/2 (one count of margin
  // for rounding in nt); a Beta(a, b) with a, b >= 1 has its median between
  // its mode and its mean, so a mean on the good side puts at most half the
  // posterior on the breaching side.
  const bool decisive = rule.evidence_level > 0.5 + 1e-9;
  if (rule.evidence == Evidence::kBinomialTest && decisive &&
      (above ? k <= std::floor(n * t) - 1.0 : k >= std::ceil(n * t) + 1.0))
    return false;
  if (rule.evidence == Evidence::kPosterior && decisive) {
    const double a = prior.first + k, b = prior.second + n - k;
    if (a >= 1.0 && b >= 1.0 && (above ? a <= b && a / (a + b) <= t : a >= b && a / (a + b) >= t))
      return false;
  }
  if (rule.evidence == Evidence::kBinomialTest) {
    // The p-value of "the true rate meets the threshold": the chance of a
    // count at least this far on the breaching side at the threshold rate,
    // P(X >= k) = I_t(k, n - k + 1) above, P(X <= k) = 1 - I_t(k + 1, n - k) below.
    double p_value = 1.0;
    if (above && events > 0)
      p_value = dist::beta_cdf(t, k, n - k + 1.0);
    else if (!above && events < trials)
      p_value = dist::beta_survival(t, k + 1.0, n - k);
    return p_value <= 1.0 - rule.evidence_level;
  }
  // Posterior Beta(alpha + k, beta + n - k): the probability that the true
  // rate is on the breaching side of the threshold.
  const double a = prior.first + k, b = prior.second + n - k;
  const double breaching = above ? dist::beta_survival(t, a, b) : dist::beta_cdf(t, a, b);
  return breaching >= rule.evidence_level;
}

void ThresholdRule::require_windows(RollingWindows& windows) const {
  const auto& metric = metric_definition(rule_.metric);
  windows.require(metric.numerator, static_cast<std::uint32_t>(rule_.window_days));
  windows.require(metric.denominator, static_cast<std::uint32_t>(rule_.window_days));
}

void ThresholdRule::bind_windows(const RollingWindows& windows) {
  const auto& metric = metric_definition(rule_.metric);
  const auto days = static_cast<std::uint32_t>(rule_.window_days);
  numerator_ = windows.find(metric.numerator, days);
  denominator_ = windows.find(metric.denominator, days);
}

void ThresholdRule::resize(std::size_t count, std::size_t capacity) {
  resize_within(standing_, count, capacity, Standing{kNeverStepped, 0, 0, 0, 0});
  resize_within(actions_, count, capacity, std::array<std::uint16_t, enum_count<Action>()>{});
}

void ThresholdRule::reset_percentiles() {
  const std::size_t cohorts =
      rule_.per_cohort.empty() ? 1 : dimension_labels(rule_.per_cohort.front()).size();
  percentile_thresholds_.assign(cohorts, rule_.threshold);
  priors_.assign(cohorts, {rule_.prior_alpha, rule_.prior_beta});
  percentiles_stale_ = true;
}

void ThresholdRule::begin_review(const Sellers& sellers, const RunSettings& settings,
                                 std::int32_t day) {
  if (!learns() || (!percentiles_stale_ && !due_on(rule_.recompute_schedule, day))) return;
  std::vector<std::vector<double>> rates(percentile_thresholds_.size());
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> counts(priors_.size());
  for (std::size_t s = 0; s < sellers.size(); ++s) {
    if (sellers.status[s] != SellerStatus::kActive) continue;
    const auto cohort = cohort_of(sellers, s);
    if (!standard_.scope.covers(cohort)) continue;
    const auto den = sellers.windows.sum(s, denominator_);
    const auto num = sellers.windows.sum(s, numerator_);
    // A prior is learned from every seller with an order in the window.
    if (rule_.learn_prior && den > 0) counts[cohort_index(cohort)].push_back({num, den});
    if (by_percentile() && den >= rule_.min_orders)
      rates[cohort_index(cohort)].push_back(window_metric(rule_.metric, num, den, settings.dsi));
  }
  for (std::size_t c = 0; c < counts.size(); ++c)
    if (counts[c].size() >= 2) {
      priors_[c] = moment_beta_prior(counts[c]);
      percentiles_stale_ = false;
    }
  if (!by_percentile()) return;
  // Nearest rank: the smallest rate with at least p% of the cohort at or below it.
  const double p = rule_.comparison == Comparison::kAbove ? rule_.threshold_percentile
                                                          : 100.0 - rule_.threshold_percentile;
  for (std::size_t c = 0; c < rates.size(); ++c) {
    auto& r = rates[c];
    if (r.empty()) continue;  // no seller to rank: the last threshold stays
    percentiles_stale_ = false;
    const auto rank = std::clamp<std::size_t>(
        static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(r.size()))), 1,
        r.size());
    std::nth_element(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(rank - 1), r.end());
    percentile_thresholds_[c] = r[rank - 1];
  }
}

void ThresholdRule::evaluate_seller(SellerUnderReview& seller) {
  const auto s = seller.seller();
  if (!due_on(rule_.schedule, seller.day())) return;
  // Most sellers are below the order floor: that check comes first.
  const auto den = seller.window_sum(denominator_);
  if (den < rule_.min_orders) return;  // too little evidence: the rule does not apply
  const auto num = seller.window_sum(numerator_);
  if (rule_.min_defects > 0 &&
      (metric_definition(rule_.metric).counts_defects() ? num : den - num) < rule_.min_defects)
    return;  // too few defective orders behind the rate
  const auto cohort = seller.cohort();
  if (!standard_.scope.covers(cohort)) return;
  const double threshold = by_percentile() ? percentile_thresholds_[cohort_index(cohort)]
                                           : standard_.threshold_for(cohort);
  const bool breach =
      rule_.evidence == Evidence::kPoint
          ? breaches(rule_.comparison, seller.metric(rule_.metric, num, den), threshold)
          : evidence_of_breach(rule_, threshold, priors_[cohort_index(cohort)], num, den);
  auto& standing = standing_[s];
  auto& step = standing.step;
  auto& step_day = standing.step_day;
  const bool grace_over = seller.day() - step_day >= static_cast<std::int32_t>(rule_.grace_days);
  const auto& ladder = ladder_for(s);
  if (breach) {
    if (step == 0 || (grace_over && step < ladder.size())) {
      act(seller);
      ++step;
      step_day = seller.day();
    } else if (grace_over && ladder.back() == Action::kWarn) {
      act(seller);  // a warning-only ladder warns again
      step_day = seller.day();
    }
  } else if (step > 0 && grace_over) {
    step = 0;  // recovered: the rule's warning and suppression lapse
    if (standing.suppressing) {
      standing.suppressing = 0;
      seller.lift_suppression();
    }
  }
}

void ThresholdRule::act(SellerUnderReview& seller) {
  const auto s = seller.seller();
  const auto& ladder = ladder_for(s);
  auto& standing = standing_[s];
  const Action action = ladder[std::min<std::size_t>(standing.step, ladder.size() - 1)];
  if (seller.in_horizon()) {
    standing.acted = 1;
    ++actions_[s][idx(action)];
  }
  switch (action) {
    case Action::kWarn: seller.warn(); break;
    case Action::kSuppressListings:
      seller.suppress_listings(standing.suppressing == 0);
      standing.suppressing = 1;
      break;
    case Action::kSuspend:
      if (standing.offences < 255) ++standing.offences;
      seller.suspend(rule_.appeal.own());
      break;
    case Action::kTerminate: seller.terminate(); break;
  }
}

void ThresholdRule::on_reinstated(std::size_t seller) {
  standing_[seller].step = 0;  // the day of the last step stays: grace runs from it
  standing_[seller].suppressing = 0;
}

void ThresholdRule::take_parameters(const Policy& from) {
  const auto& other = dynamic_cast<const ThresholdRule&>(from).rule_;
  const bool same_percentiles =
      other.threshold_percentile == rule_.threshold_percentile &&
      other.per_cohort == rule_.per_cohort && other.comparison == rule_.comparison &&
      other.learn_prior == rule_.learn_prior && other.prior_alpha == rule_.prior_alpha &&
      other.prior_beta == rule_.prior_beta;
  rule_ = other;
  standard_ = rule_.standard();
  if (!same_percentiles) reset_percentiles();
}

std::vector<OutcomeDefinition> ThresholdRule::outcome_columns() const {
  return {{"warnings", "actions", "warnings this rule issued during the horizon"},
          {"suppressions", "actions", "listing suppressions this rule imposed during the horizon"},
          {"suspensions", "actions", "suspensions this rule imposed during the horizon"},
          {"terminations", "actions", "terminations this rule imposed during the horizon"},
          {kActedOn, "sellers", "sellers this rule took any action on during the horizon"}};
}

std::vector<double> ThresholdRule::horizon_outcomes() const {
  std::array<std::int64_t, enum_count<Action>()> total{};
  std::int64_t sellers = 0;
  for (std::size_t s = 0; s < standing_.size(); ++s) {
    for (std::size_t a = 0; a < total.size(); ++a) total[a] += actions_[s][a];
    sellers += standing_[s].acted;
  }
  return {static_cast<double>(total[idx(Action::kWarn)]),
          static_cast<double>(total[idx(Action::kSuppressListings)]),
          static_cast<double>(total[idx(Action::kSuspend)]),
          static_cast<double>(total[idx(Action::kTerminate)]), static_cast<double>(sellers)};
}

void ThresholdRule::begin_horizon() {
  for (auto& standing : standing_) standing.acted = 0;
  std::fill(actions_.begin(), actions_.end(), std::array<std::uint16_t, enum_count<Action>()>{});
}

std::vector<KeyProblem> EnforcementRule::check(const ModelParams& model) const {
  std::vector<KeyProblem> problems;
  if (evidence != Evidence::kPoint &&
      metric_definition(metric).form != MetricDefinition::Form::kShare)
    problems.push_back(
        {"evidence",
         fmt::format("{} is an index, not a share of orders: there is no count to test",
                     enum_name(metric)),
         "evidence: point for fqi and csqi"});
  if (min_defects > 0 && metric_definition(metric).form != MetricDefinition::Form::kShare)
    problems.push_back(
        {"min_defects",
         fmt::format("{} is an index, not a share of orders: there is no count", enum_name(metric)),
         "min_defects: 0 for fqi and csqi"});
  if ((metric == Metric::kFqi || metric == Metric::kCsqi) &&
      window_days != model.signals.window_days)
    problems.push_back({"window_days",
                        fmt::format("{} is computed over signals.window_days = {}",
                                    enum_name(metric), model.signals.window_days),
                        "the same window as signals.window_days"});
  for (const auto& [key, steps] : {std::pair{"ladder", &ladder}, {"repeat_ladder", &repeat_ladder}})
    for (std::size_t i = 1; i < steps->size(); ++i)
      if ((*steps)[i] < (*steps)[i - 1] || (*steps)[i - 1] == Action::kTerminate) {
        problems.push_back(
            {fmt::format("{}[{}]", key, i),
             fmt::format("{} follows {}", enum_name((*steps)[i]), enum_name((*steps)[i - 1])),
             "steps in order of severity: warn, suppress_listings, suspend, "
             "terminate (terminate only last)"});
        break;
      }
  const bool suspends = std::find(ladder.begin(), ladder.end(), Action::kSuspend) != ladder.end();
  if (appeal.own() && !suspends)
    problems.push_back({"appeal", "the rule's own appeal has no effect: its ladder never suspends",
                        "a ladder with a suspend step, or appeal: marketplace"});
  if (!repeat_ladder.empty() &&
      std::find(ladder.begin(), ladder.end(), Action::kSuspend) == ladder.end())
    problems.push_back({"repeat_ladder",
                        "applies to sellers this rule has suspended, and its ladder never suspends",
                        "a ladder with a suspend step, or no repeat_ladder"});
  if (per_cohort.size() > 1)
    problems.push_back({"per_cohort", "more than one dimension", "one cohort dimension (or none)"});
  if (threshold_percentile > 0 && !cohort_thresholds.empty())
    problems.push_back({"threshold_percentile", "with cohort_thresholds: which threshold applies?",
                        "threshold_percentile or cohort_thresholds, not both"});
  if (threshold_percentile == 0 && !learn_prior && !per_cohort.empty())
    problems.push_back({"per_cohort",
                        "without threshold_percentile or learn_prior it has no effect",
                        "a threshold_percentile above 0 or learn_prior, or no per_cohort"});
  if (learn_prior && evidence != Evidence::kPosterior)
    problems.push_back({"learn_prior", "only the posterior rule has a prior",
                        "evidence: posterior, or no learn_prior"});
  const auto covered = scope.mask();
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < cohort_thresholds.size(); ++i) {
    const auto& label = cohort_thresholds[i].cohort;
    const auto key = fmt::format("cohort_thresholds[{}].cohort", i);
    const auto cohort = Cohort::parse(label);
    if (!cohort) {
      problems.push_back({key, fmt::format("'{}' names no cohort", label),
                          fmt::format("one of: {}", Cohort::every_label())});
    } else if (((covered.covered[idx(cohort->dimension)] >> cohort->value) & 1u) == 0) {
      problems.push_back({key, fmt::format("{} is outside the rule's scope", label),
                          "a cohort the rule covers (its channels, tenures, categories and "
                          "regions)"});
    } else if (std::find(seen.begin(), seen.end(), label) != seen.end()) {
      problems.push_back({key, fmt::format("{} has a threshold already", label),
                          "each cohort once (the first entry would always apply)"});
    }
    seen.push_back(label);
  }
  return problems;
}

std::vector<PolicyEntry> default_policies() {
  // The public seller-performance standards (src: policy-standards.md).
  const std::vector<EnforcementRule> standards{
      {Metric::kOrderDefectRate,
       60,
       Comparison::kAbove,
       0.01,
       50,
       Schedule::kDaily,
       {},
       {Action::kWarn, Action::kSuspend},
       14},
      {Metric::kLateShipmentRate,
       30,
       Comparison::kAbove,
       0.04,
       50,
       Schedule::kDaily,
       {{Channel::kSellerFulfilled, Channel::kSellerFulfilledPremium}},
       {Action::kWarn, Action::kSuppressListings},
       14},
      {Metric::kCancelRate,
       7,
       Comparison::kAbove,
       0.025,
       20,
       Schedule::kDaily,
       {},
       {Action::kWarn},
       14},
      {Metric::kValidTrackingRate,
       30,
       Comparison::kBelow,
       0.95,
       50,
       Schedule::kDaily,
       {{Channel::kSellerFulfilled}},
       {Action::kWarn, Action::kSuppressListings},
       14}};
  const char* names[] = {"odr", "late_shipment", "cancel", "valid_tracking"};
  std::vector<PolicyEntry> entries;
  for (std::size_t i = 0; i < standards.size(); ++i)
    entries.push_back({std::string(ThresholdRule::kKind), standards[i], names[i]});
  return entries;
}

}  // namespace trustsim
