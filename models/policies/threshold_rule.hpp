// Policy kind "threshold_rule": a seller metric over a rolling window compared
// with a threshold, evaluated on a schedule once the window holds enough
// orders; each breach takes the next step of a ladder (warn -> suppress
// listings -> suspend) after a grace period, and a seller that recovers for
// the grace period has its warnings and suppression lapse. The public
// seller-performance standards are rules of this kind (policy-standards.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "trustsim/params.hpp"
#include "trustsim/policy.hpp"

namespace trustsim {

// The sellers a rule covers, by channel and cohort (empty lists: all).
struct RuleScope {
  std::vector<Channel> channels = {};
  std::vector<Tenure> tenures = {};
  std::vector<Category> categories = {};
  std::vector<Region> regions = {};
  template <class V>
  void visit(V& v) {
    v.choices("channels", channels, "channels the rule covers (empty: all)");
    v.choices("tenures", tenures,
              "tenure bands the rule covers, by the band a seller had when created, as "
              "/cohort_summary counts them (empty: all)");
    v.choices("categories", categories, "categories the rule covers (empty: all)");
    v.choices("regions", regions, "regions the rule covers (empty: all)");
  }
  CohortScope mask() const;
};

// A threshold for one cohort, in place of the rule's own (`cohort_thresholds`).
struct CohortThresholdParams {
  std::string cohort;
  double threshold = 0;
  template <class V>
  void visit(V& v) {
    v.text("cohort", cohort,
           "a cohort label as /lookup/cohorts writes it: tenure:new, category:heavy_bulky, "
           "region:cross_border, channel:seller_fulfilled, cs_provider:self, ...");
    v.value("threshold", threshold, bounds::kProbability,
            "the threshold for sellers of that cohort, compared as the rule's own (above or "
            "below)");
  }
};

// The parameters of a threshold rule (`policies[i]` with `kind: threshold_rule`).
struct EnforcementRule {
  Metric metric = Metric::kOrderDefectRate;
  std::uint64_t window_days = 60;
  Comparison comparison = Comparison::kAbove;
  double threshold = 0.01;
  std::uint64_t min_orders = 50;
  Schedule schedule = Schedule::kDaily;
  RuleScope scope = {};
  std::vector<Action> ladder{Action::kWarn, Action::kSuspend};
  std::uint64_t grace_days = 14;
  Evidence evidence = Evidence::kPoint;
  double evidence_level = 0.95;
  double prior_alpha = 1.0;
  double prior_beta = 1.0;
  std::vector<CohortThresholdParams> cohort_thresholds = {};
  std::vector<Action> repeat_ladder = {};
  double threshold_percentile = 0;
  bool learn_prior = false;
  std::uint64_t min_defects = 0;
  std::vector<CohortDimension> per_cohort = {};
  Schedule recompute_schedule = Schedule::kMonthly;
  AppealParams appeal = {};
  template <class V>
  void visit(V& v) {
    v.choice("metric", metric, "seller metric the rule watches", /*required=*/true);
    v.value("window_days", window_days, bounds::kDays, "rolling window of the metric");
    v.threshold(comparison, threshold, "breach when the metric is above/below this rate");
    v.value("min_orders", min_orders, bounds::kCount,
            "the rule applies only with at least this many orders (or shipments) in the window");
    v.value("min_defects", min_defects, bounds::kCount,
            "the rule applies only with at least this many defective orders or shipments in the "
            "window: the metric's own count for a defect rate, those without the good event for "
            "a good-event rate (eBay counts a rate only with >= 5 buyers with defects, "
            "policy-standards.md); 0: no floor");
    v.choice("schedule", schedule, "when the rule is evaluated (weekly: Mondays; monthly: day 1)");
    scope.visit(v);
    v.list("cohort_thresholds", cohort_thresholds,
           "thresholds for cohorts of sellers in place of the rule's own: the first entry whose "
           "cohort holds the seller applies (cohort-adjusted expectations, e.g. a looser late "
           "shipment rate for heavy & bulky sellers); the reference standard adjusts alike");
    v.value("threshold_percentile", threshold_percentile, bounds::kPercentile,
            "0: off. Otherwise the threshold is this percentile of the metric among the "
            "sellers the rule covers that have min_orders (above: the rule acts on sellers above "
            "the percentile, e.g. 95 the worst 5%; below: under 100 minus it), recomputed on "
            "recompute_schedule from the windows at the start of the day; above/below then "
            "only start it and set the reference standard");
    v.flag("learn_prior", learn_prior,
           "posterior rule: learn the Beta prior from the sellers the rule covers (each cohort "
           "of per_cohort apart) by the method of moments, on recompute_schedule, instead of "
           "prior_alpha and prior_beta (which start it)");
    v.choices("per_cohort", per_cohort,
              "percentile thresholds and learned priors per cohort of this dimension (tenure, "
              "category, region, channel or cs_provider; empty: one over every covered seller)");
    v.choice("recompute_schedule", recompute_schedule,
             "when percentile thresholds and learned priors are recomputed (weekly: Mondays; "
             "monthly: day 1)");
    v.choices("ladder", ladder,
              "actions taken on successive breaches, in order of severity (warn, "
              "suppress_listings, suspend, terminate; terminate only last)",
              /*min_items=*/1);
    appeal.visit(v);
    v.choices("repeat_ladder", repeat_ladder,
              "repeat-offence escalation: the ladder for a seller this rule has suspended before "
              "and who was reinstated on appeal (empty: the ladder again), e.g. [suspend, "
              "terminate]");
    v.value("grace_days", grace_days, bounds::kDaysOrZero,
            "days a seller has to recover before the next step of the ladder");
    v.choice("evidence", evidence,
             "how sure the rule must be that the seller breaches before it acts: point (the "
             "window's rate breaches the threshold), binomial_test (a one-sided exact binomial "
             "test rejects 'the true rate meets the threshold' at significance 1 - "
             "evidence_level) or posterior (the Beta posterior probability that the true rate "
             "breaches the threshold is at least evidence_level); the last two only for rates "
             "that are shares of orders or shipments, not fqi or csqi");
    v.value("evidence_level", evidence_level, bounds::kOpenProbability,
            "confidence the binomial_test and posterior rules need (0.95: a 5% test, or a 95% "
            "posterior probability)");
    v.value("prior_alpha", prior_alpha, bounds::kPositive,
            "posterior rule: the Beta prior's pseudo-count of the events the metric counts "
            "(defective orders for a defect rate, good events for valid_tracking_rate and other "
            "good-event rates); 1 and 1 is flat");
    v.value("prior_beta", prior_beta, bounds::kPositive,
            "posterior rule: the Beta prior's pseudo-count of the other orders or shipments");
  }
  std::vector<KeyProblem> check(const ModelParams& model) const;
  // The rule as a standard: its scope and its cohort thresholds, parsed.
  StandardRule standard() const;
};

// Whether `events` of `trials` in the window (the metric's numerator and
// denominator counts) are evidence enough, under `rule.evidence`, that the
// seller's true rate breaches the rule's threshold. For the binomial_test
// and posterior rules only (the point rule compares the rate itself).
// `threshold`: the seller's threshold (the rule's own, or its cohort's);
// `prior`: the posterior rule's Beta prior (alpha, beta), the rule's own or learned.
bool evidence_of_breach(const EnforcementRule& rule, double threshold,
                        std::pair<double, double> prior, std::uint32_t events,
                        std::uint32_t trials);
inline bool evidence_of_breach(const EnforcementRule& rule, std::uint32_t events,
                               std::uint32_t trials) {
  return evidence_of_breach(rule, rule.threshold, {rule.prior_alpha, rule.prior_beta}, events,
                            trials);
}

// A Beta prior fitted to sellers' counts by the method of moments: the mean
// of their rates, and their variance less the binomial noise of each
// seller's count, give alpha + beta = m (1 - m) / variance - 1, bounded to
// [kMinPriorStrength, kMaxPriorStrength] (a variance at or below the noise:
// the strongest). `counts`: (events, trials) per seller, trials >= 1.
inline constexpr double kMinPriorStrength = 1.0, kMaxPriorStrength = 1.0e4;
std::pair<double, double> moment_beta_prior(
    const std::vector<std::pair<std::uint32_t, std::uint32_t>>& counts);

// The parameters of policy entry `i` of a model, which must be a threshold rule
// (std::bad_any_cast otherwise).
inline EnforcementRule& threshold_rule(ModelParams& model, std::size_t i) {
  return std::any_cast<EnforcementRule&>(model.policies.at(i).parameters);
}
inline const EnforcementRule& threshold_rule(const ModelParams& model, std::size_t i) {
  return std::any_cast<const EnforcementRule&>(model.policies.at(i).parameters);
}

class ThresholdRule final : public Policy {
 public:
  using Parameters = EnforcementRule;
  static constexpr std::string_view kKind = "threshold_rule";
  static constexpr const char* kDoc =
      "a seller metric over a rolling window against a threshold, on a schedule, once the "
      "window holds min_orders; each breach after the grace period takes the next step of the "
      "ladder (warn, suppress_listings, suspend), and recovery lets warnings and suppression "
      "lapse";
  explicit ThresholdRule(const EnforcementRule& rule) : rule_(rule), standard_(rule.standard()) {
    reset_percentiles();
  }

  std::string_view kind() const override { return kKind; }
  std::unique_ptr<Policy> clone() const override { return std::make_unique<ThresholdRule>(*this); }
  void require_windows(RollingWindows& windows) const override;
  void bind_windows(const RollingWindows& windows) override;
  void resize(std::size_t count, std::size_t capacity) override;
  void begin_review(const Sellers& sellers, const RunSettings& settings, std::int32_t day) override;
  void evaluate_seller(SellerUnderReview& seller) override;
  void on_reinstated(std::size_t seller) override;
  std::vector<StandardRule> standards() const override { return {standard_}; }
  // The percentile thresholds now, one per cohort of per_cohort (one in all without).
  const std::vector<double>& percentile_thresholds() const { return percentile_thresholds_; }
  // The priors the posterior rule uses now, one per cohort of per_cohort.
  const std::vector<std::pair<double, double>>& priors() const { return priors_; }
  void take_parameters(const Policy& from) override;
  std::vector<OutcomeDefinition> outcome_columns() const override;
  std::vector<double> horizon_outcomes() const override;
  void begin_horizon() override;

  const EnforcementRule& rule() const { return rule_; }
  // Ladder steps taken against a seller (0: in good standing).
  std::uint8_t steps(std::size_t seller) const { return standing_[seller].step; }
  // Suspensions of the seller by this rule (which make the repeat ladder apply).
  std::uint8_t offences(std::size_t seller) const { return standing_[seller].offences; }
  bool suppressing(std::size_t seller) const { return standing_[seller].suppressing != 0; }
  bool acted_in_horizon(std::size_t seller) const { return standing_[seller].acted != 0; }

 private:
  bool by_percentile() const { return rule_.threshold_percentile > 0; }
  bool learns() const { return by_percentile() || rule_.learn_prior; }
  std::size_t cohort_index(const SellerCohort& cohort) const {
    return rule_.per_cohort.empty() ? 0 : cohort.value(rule_.per_cohort.front());
  }
  // The rule's own threshold for every cohort, to be recomputed at the next review.
  void reset_percentiles();
  // The ladder a seller climbs: the repeat ladder once this rule has suspended it.
  const std::vector<Action>& ladder_for(std::size_t seller) const {
    return standing_[seller].offences > 0 && !rule_.repeat_ladder.empty() ? rule_.repeat_ladder
                                                                          : rule_.ladder;
  }
  void act(SellerUnderReview& seller);

  EnforcementRule rule_;
  StandardRule standard_;  // rule_.standard(): scope and cohort thresholds
  std::vector<double> percentile_thresholds_;
  std::vector<std::pair<double, double>> priors_;
  bool percentiles_stale_ = true;  // recompute at the next review, whatever the schedule
  std::uint32_t numerator_ = 0, denominator_ = 0;  // window handles
  // A seller's standing with this rule, in one 8-byte record: a review
  // reads it as one stream instead of five (every seller, every day).
  struct Standing {
    std::int32_t step_day;     // day of the last step
    std::uint8_t step;         // ladder steps taken
    std::uint8_t suppressing;  // this rule holds the listings back
    std::uint8_t acted;        // this rule acted during the horizon
    std::uint8_t offences;     // suspensions by this rule (saturating)
  };
  std::vector<Standing> standing_;  // per seller
  // Horizon actions by this rule, per seller, by action.
  std::vector<std::array<std::uint16_t, enum_count<Action>()>> actions_;
};

}  // namespace trustsim
