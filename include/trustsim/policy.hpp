// Seller-performance policies as plug-ins. A policy kind is one class deriving
// from Policy, in its own file under models/policies/, registered by name in
// the PolicyRegistry (as LAMMPS registers a fix style and OpenMC builds a
// filter from its type name). A kind declares the rolling sums it reads,
// keeps its own per-seller state, and acts through the hooks of the day:
//
//   day loop (Marketplace::step_day)
//     arrivals -> calendar -> shopping -> closing sellers -> offer tables
//                                            |
//     every policy's begin_review() (serial: what it computes over all
//       sellers, e.g. a cohort percentile), then
//     for each block of sellers (blocks in parallel): close every seller's
//       day (windows, signal, effort, exit); decide the appeals of the day
//       (when one is granted, every policy's on_reinstated() lets its
//       warnings and suppressions lapse); then every policy in scenario
//       order calls evaluate_seller() on each seller of the block that was
//       active before the policies, while it stays active (policy-major:
//       each seller meets the policies in the same order as alone, until
//       one suspends it).
//     A seller still active then has its ranking for tomorrow's offer tables
//     adjusted by every policy that adjusts_ranking() (a badge's boost, a
//     demotion).
//   false positives and negatives are judged against the run's reference
//     standard (RunSettings::reference): the standards() rules of the
//     reference arm's policies, the baseline's unless the scenario's
//     reference_standard names another arm, so every arm is judged alike.
//
// A policy acts on a seller only through SellerUnderReview (warn, suppress
// listings, suspend), which keeps the marketplace's tallies and the seller's
// effort response in one place. Hooks touch only the seller they are given,
// so sellers are evaluated in parallel.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trustsim/enums.hpp"
#include "trustsim/metrics.hpp"
#include "trustsim/order_outcome.hpp"
#include "trustsim/outcome_definition.hpp"
#include "trustsim/params.hpp"
#include "trustsim/rolling_windows.hpp"

namespace trustsim {

struct Sellers;
struct RunSettings;
struct DayTotals;
struct ModelParams;

// Whether a rate is on the breaching side of a threshold (strictly above or below it).
inline bool breaches(Comparison comparison, double rate, double threshold) {
  return comparison == Comparison::kAbove ? rate > threshold : rate < threshold;
}

// What a rule may scope itself to and adjust its threshold by: the seller's
// cohorts, as /cohort_summary breaks results down (the tenure band is the
// band at creation).
struct SellerCohort {
  Tenure tenure = Tenure::kNew;
  Category category = Category::kStandard;
  Region region = Region::kDomestic;
  Channel channel = Channel::kPlatformFulfilled;
  CsProvider cs_provider = CsProvider::kPlatform;
  // The seller's value on one dimension, as the enum's index.
  std::size_t value(CohortDimension dimension) const;
};

// The labels of one dimension's cohorts, "dimension:value" in value order,
// as /lookup/cohorts writes them.
std::vector<std::string> dimension_labels(CohortDimension dimension);

// One cohort: a dimension and one of its values, written as /lookup/cohorts
// labels it ("tenure:new", "category:heavy_bulky").
struct Cohort {
  CohortDimension dimension = CohortDimension::kTenure;
  std::size_t value = 0;
  bool contains(const SellerCohort& seller) const { return seller.value(dimension) == value; }
  // The cohort a label names; none for a label that names no cohort.
  static std::optional<Cohort> parse(std::string_view label);
  static std::string every_label();  // "tenure:new, tenure:established, ..."
};

// The sellers a rule covers: for each dimension, bit v set covers value v
// (every bit set: the whole dimension).
struct CohortScope {
  std::array<std::uint32_t, enum_count<CohortDimension>()> covered;
  CohortScope() { covered.fill(~std::uint32_t{0}); }
  // Covers only the listed values of E's dimension (all of them when the list is empty).
  template <class E>
  void only(CohortDimension dimension, const std::vector<E>& values) {
    if (values.empty()) return;
    std::uint32_t bits = 0;
    for (auto v : values) bits |= 1u << idx(v);
    covered[idx(dimension)] = bits;
  }
  bool covers(const SellerCohort& seller) const {
    for (std::size_t d = 0; d < covered.size(); ++d)
      if (((covered[d] >> seller.value(static_cast<CohortDimension>(d))) & 1u) == 0) return false;
    return true;
  }
};

// A threshold that applies to one cohort instead of the rule's own.
struct CohortThreshold {
  Cohort cohort;
  double threshold = 0;
};

// One rule of a reference standard: a metric's true rate against a
// threshold, for the sellers it covers; the first cohort threshold whose
// cohort holds the seller replaces the threshold.
struct StandardRule {
  Metric metric = Metric::kOrderDefectRate;
  Comparison comparison = Comparison::kAbove;
  double threshold = 0;
  CohortScope scope = {};
  std::vector<CohortThreshold> cohort_thresholds = {};
  double threshold_for(const SellerCohort& seller) const {
    for (const auto& c : cohort_thresholds)
      if (c.cohort.contains(seller)) return c.threshold;
    return threshold;
  }
  bool breached(const ExpectedRates& rates, const SellerCohort& seller,
                const DsiWeights& weights) const;
};

// The standard a seller's true rates are judged against for false positives
// (suspended while meeting every rule) and false negatives (breaching a rule,
// never acted on). One per run, the same for every arm.
struct ReferenceStandard {
  std::vector<StandardRule> rules;
  // The standards() of each policy of `params`, in order.
  static ReferenceStandard from(const ModelParams& params);
  bool breached(const ExpectedRates& rates, const SellerCohort& seller,
                const DsiWeights& weights) const;
};

// A rule's own appeal terms: a suspended seller appeals with a plan of action
// with appeal_probability, the appeal is decided appeal_days after the
// suspension, and granted with reinstatement_probability; a reinstated
// seller's effort rises by effort_after_reinstatement of what it lacks.
// The defaults are seller_behaviour's (stylised there).
struct AppealTerms {
  double appeal_probability = 0.6;
  std::uint64_t appeal_days = 14;
  double reinstatement_probability = 0.5;
  double effort_after_reinstatement = 0.3;
};

// Which appeal a policy's suspensions carry (`appeal: marketplace | own`)
// and, for its own, the terms: the keys of every policy kind that suspends.
struct AppealParams {
  AppealProcess process = AppealProcess::kMarketplace;
  AppealTerms terms = {};
  template <class V>
  void visit(V& v) {
    v.choice("appeal", process,
             "the appeal a suspension by this policy carries: the marketplace's "
             "(seller_behaviour.appeal_probability, appeal_days, reinstatement_probability, "
             "effort_after_reinstatement) or the policy's own (those keys here)");
    v.value("appeal_probability", terms.appeal_probability, bounds::kProbability,
            "appeal: own: probability a seller this policy suspends appeals with a plan of "
            "action (stylised, as seller_behaviour's)");
    v.value("appeal_days", terms.appeal_days, bounds::kDays,
            "appeal: own: days from this policy's suspension to the appeal decision");
    v.value("reinstatement_probability", terms.reinstatement_probability, bounds::kProbability,
            "appeal: own: probability the appeal is granted; otherwise the seller exits");
    v.value("effort_after_reinstatement", terms.effort_after_reinstatement, bounds::kProbability,
            "appeal: own: share of its missing effort a reinstated seller gains, as its plan of "
            "action takes effect (stylised, as seller_behaviour's)");
  }
  // The terms a suspension carries to SellerUnderReview::suspend.
  const AppealTerms* own() const { return process == AppealProcess::kOwn ? &terms : nullptr; }
};

// One seller at the end of one day, as a policy sees it and acts on it.
class SellerUnderReview {
 public:
  SellerUnderReview(Sellers& sellers, const RunSettings& settings, DayTotals& totals,
                    std::size_t seller, std::int32_t day, bool in_horizon)
      : sellers_(sellers),
        settings_(settings),
        totals_(totals),
        seller_(seller),
        day_(day),
        in_horizon_(in_horizon) {}

  std::size_t seller() const { return seller_; }
  std::int32_t day() const { return day_; }
  bool in_horizon() const { return in_horizon_; }
  bool active() const;
  SellerCohort cohort() const;
  // A rolling sum of this seller's counters (handle from RollingWindows::find).
  std::uint32_t window_sum(std::uint32_t handle) const;
  // A metric's value from its window sums (window_metric in metrics.hpp).
  double metric(Metric metric, std::uint32_t numerator, std::uint32_t denominator) const {
    return window_metric(metric, numerator, denominator, weights());
  }
  // The seller's exact expected rates now (effort as it is, normal load)
  // meet every rule of the reference standard: the truth a suspension is
  // judged against.
  bool meets_reference_standard() const;

  // Actions. Each is counted in the day's totals and, in the horizon, the
  // seller's tallies; warnings and suppressions raise the seller's effort.
  void warn();
  // `newly`: the listings were not already held back by this policy.
  void suppress_listings(bool newly);
  void lift_suppression();  // this policy's suppression lapses
  // Counted as a false positive when the seller meets the reference standard.
  // `terms`: the suspending rule's own appeal terms; none: the marketplace's
  // (seller_behaviour), read when the appeal is decided.
  void suspend(const AppealTerms* terms = nullptr);
  // For good, without appeal: the seller leaves the marketplace. Counted as a
  // false positive like a suspension, and as a seller exit.
  void terminate();

  // A suspended seller on its appeal day: appeals (appeal_probability) and is
  // reinstated (reinstatement_probability), every policy's warnings and
  // suppressions lapsing, or exits. Draws from the seller's enforcement
  // stream of the day.
  void decide_appeal(class PolicySet& policies);

 private:
  void raise_effort(double share);  // by `share` of the effort the seller lacks
  // Any action: the first one on a seller a decline took across the
  // reference standard ends its detection delay.
  void note_action();
  const DsiWeights& weights() const;
  Sellers& sellers_;
  const RunSettings& settings_;
  DayTotals& totals_;
  std::size_t seller_;
  std::int32_t day_;
  bool in_horizon_;
};

// How an active seller's offers will rank in tomorrow's offer tables: the
// ranking score (higher ranks first) and the signal the featured-offer
// eligibility reads (ranking.featured_min_signal). The marketplace computes
// both afresh each day; a policy's adjust_ranking() may change them.
struct OfferStanding {
  float& rank_score;
  float& signal;
};

// Whether a rule on `schedule` is evaluated on `day`: daily; weekly on
// Mondays (days divisible by 7); monthly on day 1 (days divisible by 30).
inline bool due_on(Schedule schedule, std::int32_t day) {
  switch (schedule) {
    case Schedule::kDaily: return true;
    case Schedule::kWeekly: return day % 7 == 0;
    case Schedule::kMonthly: return day % 30 == 0;
  }
  return true;
}

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view kind() const = 0;
  virtual std::unique_ptr<Policy> clone() const = 0;

  // Needs: registers the rolling sums it reads (before sellers exist), and
  // finds their handles (again after every change of parameters).
  virtual void require_windows(RollingWindows& windows) const = 0;
  virtual void bind_windows(const RollingWindows& windows) = 0;
  // Per-seller state for sellers [0, count), laid out once for `capacity`.
  virtual void resize(std::size_t count, std::size_t capacity) = 0;

  // Hook, end of day, before any seller is closed (serially, on the
  // windows as yesterday closed them): what a policy computes over all
  // sellers, e.g. a cohort's percentile. Nothing by default.
  virtual void begin_review(const Sellers& /*sellers*/, const RunSettings& /*settings*/,
                            std::int32_t /*day*/) {}
  // Hook, end of day: an active seller whose day has closed.
  virtual void evaluate_seller(SellerUnderReview& seller) = 0;
  // Hook, end of day, after every policy's evaluate_seller: a seller still
  // active, its standing in tomorrow's offer tables. Called only for kinds
  // whose adjusts_ranking() is true, in scenario order.
  virtual bool adjusts_ranking() const { return false; }
  virtual void adjust_ranking(const SellerUnderReview& /*seller*/, OfferStanding& /*standing*/) {}
  // Hook: a suspended seller was reinstated after an appeal.
  virtual void on_reinstated(std::size_t seller) = 0;
  // The rules this policy holds sellers to that a reference standard can use
  // (a metric's true rate against a threshold); none for a kind without any.
  virtual std::vector<StandardRule> standards() const { return {}; }

  // An arm's parameters for this policy (a policy of the same kind, made
  // from the arm's scenario) replace these at the start of the horizon;
  // the per-seller state carries on.
  virtual void take_parameters(const Policy& from) = 0;

  // The outcome columns this kind adds to /policy_outcomes (the same for
  // every entry of the kind), and their values over the horizon, read after
  // it. A kind that acts on sellers names one column kActedOn: the run warns
  // when a candidate arm's policy acted on no seller in any replication.
  static constexpr const char* kActedOn = "sellers_acted_on";
  virtual std::vector<OutcomeDefinition> outcome_columns() const = 0;
  virtual std::vector<double> horizon_outcomes() const = 0;
  // Marks the start of the horizon: what the policy counts for its outcomes
  // starts from zero (the warm-up's actions are not the arm's).
  virtual void begin_horizon() = 0;
};

// Policy kinds by name. Every built-in kind is listed once, in
// sim/policy_kinds.cpp, which registers its behaviour here and its parameters
// with the scenario reader and writers (a static library would drop a kind's
// file whose only job were to register itself at start-up).
class PolicyRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Policy>(const PolicyEntry&)>;
  static PolicyRegistry& instance();  // every built-in kind registered
  void add(std::string kind, Factory factory);
  // A policy of the entry's kind; std::invalid_argument for an unknown kind.
  std::unique_ptr<Policy> create(const PolicyEntry& entry) const;
  std::vector<std::string> kinds() const;

 private:
  std::map<std::string, Factory, std::less<>> factories_;
};

// The policies of one marketplace: owned, copied with it (arms fork from
// the warm state), in scenario order.
class PolicySet {
 public:
  PolicySet() = default;
  explicit PolicySet(const ModelParams& params);
  PolicySet(const PolicySet& other);
  PolicySet& operator=(const PolicySet& other);
  PolicySet(PolicySet&&) noexcept = default;
  PolicySet& operator=(PolicySet&&) noexcept = default;

  std::size_t size() const { return policies_.size(); }
  const std::string& name(std::size_t i) const { return names_[i]; }
  Policy& operator[](std::size_t i) { return *policies_[i]; }
  const Policy& operator[](std::size_t i) const { return *policies_[i]; }

  void bind_windows(const RollingWindows& windows);
  void resize(std::size_t count, std::size_t capacity);
  void begin_review(const Sellers& sellers, const RunSettings& settings, std::int32_t day);
  // Every policy in order, while the seller stays active.
  void evaluate_seller(SellerUnderReview& seller);
  // The same for a block of sellers, policy-major: each policy takes every
  // seller of the block still active before the next policy does. A seller
  // meets the policies in the same order as alone (policies act on their
  // own seller only), and each policy reads its windows and records as a
  // forward stream instead of one seller's scattered rows at a time.
  void evaluate_sellers(std::vector<SellerUnderReview>& sellers);
  bool adjusts_ranking() const { return adjusts_ranking_; }
  // Every policy that adjusts ranking, in order (nothing when none does).
  void adjust_ranking(const SellerUnderReview& seller, OfferStanding standing);
  void on_reinstated(std::size_t seller);
  // An arm's policies, at the start of the horizon, in the arm's order:
  // where the arm has a policy of the same name and kind, its parameters
  // replace these and the per-seller state carries on; a policy the arm adds
  // starts fresh (for `sellers` sellers, laid out for `capacity`); a policy
  // the arm drops goes, leaving any suppression it holds in force until a
  // reinstatement.
  void take_parameters(const PolicySet& arm, std::size_t sellers, std::size_t capacity);
  void begin_horizon();
  // Every policy's horizon outcomes, in policy order then column order.
  std::vector<double> horizon_outcomes() const;

 private:
  std::vector<std::unique_ptr<Policy>> policies_;
  std::vector<std::string> names_;  // the entries' names, in the same order
  bool adjusts_ranking_ = false;    // some policy adjusts ranking (else that hook is skipped)
  void note_kinds();
};

}  // namespace trustsim
