// Policy kind "account_health" (see account_health.hpp).
#include "policies/account_health.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "trustsim/marketplace.hpp"
#include "trustsim/metrics.hpp"

namespace trustsim {

namespace {
enum Count : std::size_t { kViolations, kWarnings, kSuspensions };
}  // namespace

std::vector<KeyProblem> AccountHealthParams::check(const ModelParams& model) const {
  std::vector<KeyProblem> problems;
  if (violations.empty())
    problems.push_back(
        {"violations", "no violations: the score could never fall", "at least one violation"});
  for (std::size_t i = 0; i < violations.size(); ++i) {
    const auto& v = violations[i];
    if ((v.metric == Metric::kFqi || v.metric == Metric::kCsqi) &&
        v.window_days != model.signals.window_days)
      problems.push_back({fmt::format("violations[{}].window_days", i),
                          fmt::format("{} is computed over signals.window_days = {}",
                                      enum_name(v.metric), model.signals.window_days),
                          "the same window as signals.window_days"});
  }
  if (!(suspend_below <= at_risk_below))
    problems.push_back({"suspend_below",
                        fmt::format("{} is above at_risk_below = {}", suspend_below, at_risk_below),
                        "suspend_below <= at_risk_below <= start_score"});
  if (!(at_risk_below <= start_score))
    problems.push_back(
        {"at_risk_below",
         fmt::format("{} is above start_score = {}: every seller would start at risk",
                     at_risk_below, start_score),
         "suspend_below <= at_risk_below <= start_score"});
  return problems;
}

void AccountHealth::require_windows(RollingWindows& windows) const {
  for (const auto& v : params_.violations) {
    const auto& metric = metric_definition(v.metric);
    windows.require(metric.numerator, static_cast<std::uint32_t>(v.window_days));
    windows.require(metric.denominator, static_cast<std::uint32_t>(v.window_days));
  }
}

void AccountHealth::bind_windows(const RollingWindows& windows) {
  numerators_.clear();
  denominators_.clear();
  for (const auto& v : params_.violations) {
    const auto& metric = metric_definition(v.metric);
    const auto days = static_cast<std::uint32_t>(v.window_days);
    numerators_.push_back(windows.find(metric.numerator, days));
    denominators_.push_back(windows.find(metric.denominator, days));
  }
}

void AccountHealth::resize(std::size_t count, std::size_t capacity) {
  resize_within(recorded_, count * items(), capacity * items(), std::int32_t{-1});
  resize_within(at_risk_, count, capacity, std::uint8_t{0});
  resize_within(counts_, count, capacity, std::array<std::uint16_t, 3>{});
  resize_within(acted_, count, capacity, std::uint8_t{0});
}

double AccountHealth::score(std::size_t seller) const {
  double lost = 0;
  for (std::size_t i = 0; i < items(); ++i)
    if (recorded_[seller * items() + i] >= 0) lost += params_.violations[i].points;
  return params_.start_score - lost;
}

void AccountHealth::evaluate_seller(SellerUnderReview& seller) {
  if (!due_on(params_.schedule, seller.day()) || !scope_.covers(seller.cohort())) return;
  const auto s = seller.seller();
  const auto day = seller.day();
  for (std::size_t i = 0; i < items(); ++i) {
    auto& recorded = recorded_[s * items() + i];
    if (recorded >= 0 && day - recorded >= static_cast<std::int32_t>(params_.expiry_days))
      recorded = -1;              // expired
    if (recorded >= 0) continue;  // still counting: the same violation is not recorded twice
    const auto& v = params_.violations[i];
    const auto den = seller.window_sum(denominators_[i]);
    if (den < v.min_orders) continue;
    const double rate = seller.metric(v.metric, seller.window_sum(numerators_[i]), den);
    if (breaches(v.comparison, rate, v.threshold)) {
      recorded = day;
      if (seller.in_horizon()) ++counts_[s][kViolations];
    }
  }
  const double now = score(s);
  auto act = [&](Count what) {
    if (!seller.in_horizon()) return;
    ++counts_[s][what];
    acted_[s] = 1;
  };
  if (now < params_.suspend_below) {
    act(kSuspensions);
    seller.suspend(params_.appeal.own());
  } else if (now < params_.at_risk_below) {
    if (at_risk_[s] == 0) {
      act(kWarnings);
      seller.warn();
      at_risk_[s] = 1;
    }
  } else {
    at_risk_[s] = 0;  // healthy again
  }
}

void AccountHealth::on_reinstated(std::size_t seller) {
  // A granted plan of action resolves the violations.
  std::fill_n(recorded_.begin() + static_cast<std::ptrdiff_t>(seller * items()), items(), -1);
  at_risk_[seller] = 0;
}

std::vector<StandardRule> AccountHealth::standards() const {
  std::vector<StandardRule> rules;
  for (const auto& v : params_.violations)
    rules.push_back({v.metric, v.comparison, v.threshold, scope_, {}});
  return rules;
}

void AccountHealth::take_parameters(const Policy& from) {
  const auto& other = dynamic_cast<const AccountHealth&>(from);
  const std::size_t sellers = at_risk_.size();
  const bool same_items = other.items() == items();
  params_ = other.params_;
  scope_ = other.scope_;
  // Other violations mean other records: the arm's score starts clean.
  if (!same_items) recorded_.assign(sellers * items(), -1);
}

std::vector<OutcomeDefinition> AccountHealth::outcome_columns() const {
  return {{"violations", "violations", "violations the score recorded during the horizon"},
          {"warnings", "actions", "at-risk warnings during the horizon"},
          {"suspensions", "actions", "suspensions for an unhealthy score during the horizon"},
          {kActedOn, "sellers", "sellers the score warned or suspended during the horizon"}};
}

std::vector<double> AccountHealth::horizon_outcomes() const {
  std::array<std::int64_t, 3> total{};
  std::int64_t sellers = 0;
  for (std::size_t s = 0; s < counts_.size(); ++s) {
    for (std::size_t c = 0; c < total.size(); ++c) total[c] += counts_[s][c];
    sellers += acted_[s];
  }
  return {static_cast<double>(total[kViolations]), static_cast<double>(total[kWarnings]),
          static_cast<double>(total[kSuspensions]), static_cast<double>(sellers)};
}

void AccountHealth::begin_horizon() {
  std::fill(counts_.begin(), counts_.end(), std::array<std::uint16_t, 3>{});
  std::fill(acted_.begin(), acted_.end(), std::uint8_t{0});
}

}  // namespace trustsim
