// The policy interface's shared parts: what a policy may do to a seller, the
// registry of kinds and the set of policies a marketplace owns (policy.hpp).
#include "trustsim/policy.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "trustsim/marketplace.hpp"

namespace trustsim {

const DsiWeights& SellerUnderReview::weights() const { return settings_.dsi; }

std::size_t SellerCohort::value(CohortDimension dimension) const {
  switch (dimension) {
    case CohortDimension::kTenure: return idx(tenure);
    case CohortDimension::kCategory: return idx(category);
    case CohortDimension::kRegion: return idx(region);
    case CohortDimension::kChannel: return idx(channel);
    case CohortDimension::kCsProvider: return idx(cs_provider);
  }
  return 0;
}

std::vector<std::string> dimension_labels(CohortDimension dimension) {
  std::vector<std::string> labels;
  auto add = [&](const auto& names) {
    for (auto name : names) labels.push_back(fmt::format("{}:{}", enum_name(dimension), name));
  };
  switch (dimension) {
    case CohortDimension::kTenure: add(EnumNames<Tenure>::names); break;
    case CohortDimension::kCategory: add(EnumNames<Category>::names); break;
    case CohortDimension::kRegion: add(EnumNames<Region>::names); break;
    case CohortDimension::kChannel: add(EnumNames<Channel>::names); break;
    case CohortDimension::kCsProvider: add(EnumNames<CsProvider>::names); break;
  }
  return labels;
}

std::optional<Cohort> Cohort::parse(std::string_view label) {
  for (std::size_t d = 0; d < enum_count<CohortDimension>(); ++d) {
    const auto dimension = static_cast<CohortDimension>(d);
    const auto labels = dimension_labels(dimension);
    for (std::size_t v = 0; v < labels.size(); ++v)
      if (labels[v] == label) return Cohort{dimension, v};
  }
  return std::nullopt;
}

std::string Cohort::every_label() {
  std::vector<std::string> all;
  for (std::size_t d = 0; d < enum_count<CohortDimension>(); ++d)
    for (auto& label : dimension_labels(static_cast<CohortDimension>(d))) all.push_back(label);
  return fmt::format("{}", fmt::join(all, ", "));
}

bool StandardRule::breached(const ExpectedRates& rates, const SellerCohort& seller,
                            const DsiWeights& weights) const {
  if (!scope.covers(seller)) return false;
  return breaches(comparison, rates.rate(metric, weights), threshold_for(seller));
}

ReferenceStandard ReferenceStandard::from(const ModelParams& params) {
  ReferenceStandard standard;
  const PolicySet policies(params);
  for (std::size_t i = 0; i < policies.size(); ++i)
    for (const auto& rule : policies[i].standards()) standard.rules.push_back(rule);
  return standard;
}

bool ReferenceStandard::breached(const ExpectedRates& rates, const SellerCohort& seller,
                                 const DsiWeights& weights) const {
  for (const auto& rule : rules)
    if (rule.breached(rates, seller, weights)) return true;
  return false;
}

bool meets_reference_standard(const Sellers& sellers, const RunSettings& settings, std::size_t s) {
  const auto rates = expected_rates(settings.order_model, sellers.profile[s],
                                    OrderConditions{sellers.effort[s], 0.0f}, settings.dsi);
  return !settings.reference.breached(rates, cohort_of(sellers, s), settings.dsi);
}

bool SellerUnderReview::meets_reference_standard() const {
  return trustsim::meets_reference_standard(sellers_, settings_, seller_);
}

void SellerUnderReview::note_action() {
  auto& since = sellers_.breach_since[seller_];
  if (since < 0) return;
  sellers_.tally[seller_].detected = 1;
  since = -1;
}

void SellerUnderReview::raise_effort(double share) {
  auto& effort = sellers_.effort[seller_];
  effort += static_cast<float>(share * (1.0 - effort));
}

void SellerUnderReview::warn() {
  note_action();
  totals_.warnings += 1;
  if (in_horizon_) ++sellers_.tally[seller_].warnings;
  raise_effort(settings_.params.seller_behaviour.effort_after_warning);
}

void SellerUnderReview::suppress_listings(bool newly) {
  note_action();
  if (newly) ++sellers_.suppressions[seller_];
  totals_.suppressions += 1;
  if (in_horizon_) ++sellers_.tally[seller_].suppressions;
  raise_effort(settings_.params.seller_behaviour.effort_after_warning);
}

void SellerUnderReview::lift_suppression() { --sellers_.suppressions[seller_]; }

void SellerUnderReview::suspend(const AppealTerms* terms) {
  note_action();
  const bool wrongly = meets_reference_standard();
  sellers_.status[seller_] = SellerStatus::kSuspended;
  sellers_.wrongly_held[seller_] = wrongly;
  sellers_.appeal_day[seller_] =
      day_ + static_cast<std::int32_t>(terms ? terms->appeal_days
                                             : settings_.params.seller_behaviour.appeal_days);
  sellers_.own_appeal[seller_] = terms != nullptr;
  if (terms)
    sellers_.appeal_odds[seller_] = {terms->appeal_probability, terms->reinstatement_probability,
                                     terms->effort_after_reinstatement};
  totals_.suspensions += 1;
  totals_.false_positive_suspensions += wrongly;
  if (in_horizon_) {
    ++sellers_.tally[seller_].suspensions;
    sellers_.tally[seller_].false_positive_suspensions += wrongly;
  }
  // No effort response: the seller is suspended.
}

void SellerUnderReview::terminate() {
  note_action();
  const bool wrongly = meets_reference_standard();
  sellers_.status[seller_] = SellerStatus::kExited;
  totals_.terminations += 1;
  totals_.false_positive_terminations += wrongly;
  totals_.seller_exits += 1;
  totals_.wrongful_exits += wrongly;
  if (in_horizon_) {
    auto& tally = sellers_.tally[seller_];
    ++tally.terminations;
    tally.false_positive_terminations += wrongly;
    tally.exited = 1;
    tally.wrongful_exit = wrongly;
  }
}

void SellerUnderReview::decide_appeal(PolicySet& policies) {
  const auto& beh = settings_.params.seller_behaviour;
  rng::Stream r(settings_.key, seller_, static_cast<std::uint64_t>(day_),
                rng::Purpose::kEnforcement);
  const bool own = sellers_.own_appeal[seller_] != 0;
  const auto& odds = sellers_.appeal_odds[seller_];
  const bool appealed = r.uniform() < (own ? odds[0] : beh.appeal_probability);
  const bool granted = r.uniform() < (own ? odds[1] : beh.reinstatement_probability);
  sellers_.own_appeal[seller_] = 0;
  sellers_.appeal_day[seller_] = -1;
  const bool wrongly = sellers_.wrongly_held[seller_] != 0;
  sellers_.wrongly_held[seller_] = 0;
  if (appealed && granted) {
    sellers_.status[seller_] = SellerStatus::kActive;
    sellers_.suppressions[seller_] = 0;  // every policy's warnings and suppressions lapse
    policies.on_reinstated(seller_);
    raise_effort(own ? odds[2] : beh.effort_after_reinstatement);
    totals_.reinstatements += 1;
    if (in_horizon_) ++sellers_.tally[seller_].reinstatements;
  } else {
    sellers_.status[seller_] = SellerStatus::kExited;
    totals_.seller_exits += 1;
    totals_.wrongful_exits += wrongly;
    if (in_horizon_) {
      sellers_.tally[seller_].exited = 1;
      sellers_.tally[seller_].wrongful_exit = wrongly;
    }
  }
}

// ---------------------------------------------------------------------------

void register_builtin_policy_kinds(PolicyRegistry& registry);  // sim/policy_kinds.cpp

PolicyRegistry& PolicyRegistry::instance() {
  static PolicyRegistry registry = [] {
    PolicyRegistry r;
    register_builtin_policy_kinds(r);
    return r;
  }();
  return registry;
}

void PolicyRegistry::add(std::string kind, Factory factory) {
  if (!factories_.emplace(std::move(kind), std::move(factory)).second)
    throw std::logic_error("a policy kind is registered twice");
}

std::unique_ptr<Policy> PolicyRegistry::create(const PolicyEntry& entry) const {
  const auto it = factories_.find(entry.kind);
  if (it == factories_.end())
    throw std::invalid_argument("unknown policy kind '" + entry.kind + "'");
  return it->second(entry);
}

std::vector<std::string> PolicyRegistry::kinds() const {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

// ---------------------------------------------------------------------------

PolicySet::PolicySet(const ModelParams& params) {
  for (const auto& entry : params.policies) {
    policies_.push_back(PolicyRegistry::instance().create(entry));
    names_.push_back(entry.name);
  }
  note_kinds();
}

PolicySet::PolicySet(const PolicySet& other) : names_(other.names_) {
  for (const auto& p : other.policies_) policies_.push_back(p->clone());
  note_kinds();
}

void PolicySet::note_kinds() {
  adjusts_ranking_ = std::any_of(policies_.begin(), policies_.end(),
                                 [](const auto& p) { return p->adjusts_ranking(); });
}

PolicySet& PolicySet::operator=(const PolicySet& other) {
  if (this != &other) *this = PolicySet(other);
  return *this;
}

void PolicySet::bind_windows(const RollingWindows& windows) {
  for (auto& p : policies_) p->bind_windows(windows);
}

void PolicySet::resize(std::size_t count, std::size_t capacity) {
  for (auto& p : policies_) p->resize(count, capacity);
}

void PolicySet::begin_review(const Sellers& sellers, const RunSettings& settings,
                             std::int32_t day) {
  for (auto& p : policies_) p->begin_review(sellers, settings, day);
}

void PolicySet::evaluate_seller(SellerUnderReview& seller) {
  for (auto& p : policies_) {
    if (!seller.active()) return;  // a suspension ends the review
    p->evaluate_seller(seller);
  }
}

void PolicySet::evaluate_sellers(std::vector<SellerUnderReview>& sellers) {
  for (auto& p : policies_)
    for (auto& seller : sellers)
      if (seller.active()) p->evaluate_seller(seller);  // a suspension ends its review
}

void PolicySet::adjust_ranking(const SellerUnderReview& seller, OfferStanding standing) {
  if (!adjusts_ranking_) return;
  for (auto& p : policies_)
    if (p->adjusts_ranking()) p->adjust_ranking(seller, standing);
}

void PolicySet::on_reinstated(std::size_t seller) {
  for (auto& p : policies_) p->on_reinstated(seller);
}

void PolicySet::begin_horizon() {
  for (auto& p : policies_) p->begin_horizon();
}

std::vector<double> PolicySet::horizon_outcomes() const {
  std::vector<double> values;
  for (const auto& p : policies_) {
    const auto mine = p->horizon_outcomes();
    values.insert(values.end(), mine.begin(), mine.end());
  }
  return values;
}

void PolicySet::take_parameters(const PolicySet& arm, std::size_t sellers, std::size_t capacity) {
  std::vector<std::unique_ptr<Policy>> taken;
  for (std::size_t j = 0; j < arm.size(); ++j) {
    std::size_t i = 0;
    while (i < size() &&
           !(policies_[i] && names_[i] == arm.names_[j] && policies_[i]->kind() == arm[j].kind()))
      ++i;
    if (i < size()) {  // the same policy: new parameters, its state carries on
      taken.push_back(std::move(policies_[i]));
      taken.back()->take_parameters(arm[j]);
    } else {  // the arm's own: fresh
      taken.push_back(arm[j].clone());
      taken.back()->resize(sellers, capacity);
    }
  }
  policies_ = std::move(taken);
  names_ = arm.names_;
  note_kinds();
}

}  // namespace trustsim
