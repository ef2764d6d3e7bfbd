// Calibration by the simulated method of moments (see include/trustsim/calibration.hpp).
#include "trustsim/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <Eigen/Dense>

#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/outcome_tables.hpp"
#include "trustsim/statistics.hpp"

namespace trustsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The search stops once every coordinate's spread is below this share of its range.
constexpr double kConvergedSpread = 1e-3;
// Identification: a parameter moved over a tenth of its range that moves no
// fitted moment by a tenth of its tolerance is not identified; a direction of
// the standardised sensitivity 100 times flatter than the steepest is a
// combination the targets cannot tell apart.
constexpr double kIdentifiedSensitivity = 0.1;
constexpr double kFlatDirection = 0.01;

std::size_t column_of(const std::vector<OutcomeDefinition>& defs, const std::string& name) {
  for (std::size_t i = 0; i < defs.size(); ++i)
    if (defs[i].name == name) return i;
  throw std::logic_error("calibration: unknown column " + name);  // validation refuses it first
}

// Type-7 quantile (linear between order statistics).
double quantile_of(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double h = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

// A horizon series reduced to one number, over the horizon's whole periods:
// warm-up rows (outputs.timeseries_warmup) are not horizon, and a shorter
// last period (a 365-day horizon ends with a 1-day "week") would weigh a
// flow such as orders at a seventh of its rate.
double reduce_series(const ArmRun& run, std::size_t column, const CalibrationMoment& m) {
  const auto& period_days = run.timeseries.at(column_of(timeseries_outcomes(), "period_days"));
  double whole = 0;
  for (std::size_t row = 0; row < run.period_start.size(); ++row)
    if (run.period_start[row] >= 0) whole = std::max(whole, period_days[row]);
  std::vector<double> day, value;
  for (std::size_t row = 0; row < run.period_start.size(); ++row)
    if (run.period_start[row] >= 0 && period_days[row] == whole) {
      day.push_back(static_cast<double>(run.period_start[row]));
      value.push_back(run.timeseries[column][row]);
    }
  if (value.empty()) return kNaN;
  const double n = static_cast<double>(value.size());
  const double mean = std::accumulate(value.begin(), value.end(), 0.0) / n;
  switch (m.reduce) {
    case SeriesReduce::kMean: return mean;
    case SeriesReduce::kQuantile: return quantile_of(value, m.quantile);
    case SeriesReduce::kTrend:
      // The fitted line's change from the first row to the last, relative.
      return stats::relative_trend(day, value);
  }
  return kNaN;
}

}  // namespace

std::vector<double> replication_moments(const Scenario& scenario, const ArmRun& baseline) {
  const auto& moments = scenario.settings.calibration.moments;
  std::vector<double> values(moments.size(), kNaN);
  std::map<std::string, double> by_name;
  for (std::size_t i = 0; i < moments.size(); ++i) {
    const auto& m = moments[i];
    if (!m.outcome.empty()) {
      values[i] = baseline.summary.at(column_of(summary_outcomes(), m.outcome));
    } else if (!m.series.empty()) {
      values[i] = reduce_series(baseline, column_of(timeseries_outcomes(), m.series), m);
    } else if (!m.cohort.empty()) {
      const auto labels = cohort_labels(scenario);
      const auto c = static_cast<std::size_t>(std::find(labels.begin(), labels.end(), m.cohort) -
                                              labels.begin());
      values[i] = baseline.cohorts.at(c).at(column_of(cohort_outcomes(), m.column));
    } else if (!m.panel.empty()) {
      const auto& column = baseline.seller_panel.at(column_of(seller_panel_columns(), m.panel));
      values[i] = column.empty() ? kNaN
                                 : std::accumulate(column.begin(), column.end(), 0.0) /
                                       static_cast<double>(column.size());
    }
    by_name[m.name] = values[i];
  }
  for (std::size_t i = 0; i < moments.size(); ++i)
    if (!moments[i].numerator.empty())
      values[i] = by_name.at(moments[i].numerator) / by_name.at(moments[i].denominator);
  return values;
}

MomentStats moment_stats(const std::vector<std::vector<double>>& by_replication) {
  MomentStats s;
  s.replications = by_replication.size();
  if (by_replication.empty()) return s;
  const auto k = by_replication.front().size();
  const double n = static_cast<double>(s.replications);
  s.mean.assign(k, 0.0);
  s.variance.assign(k, 0.0);
  s.se.assign(k, 0.0);
  for (const auto& row : by_replication)
    for (std::size_t i = 0; i < k; ++i) s.mean[i] += row[i] / n;
  if (s.replications < 2) return s;
  for (const auto& row : by_replication)
    for (std::size_t i = 0; i < k; ++i)
      s.variance[i] += (row[i] - s.mean[i]) * (row[i] - s.mean[i]) / (n - 1.0);
  for (std::size_t i = 0; i < k; ++i) s.se[i] = std::sqrt(s.variance[i] / n);
  return s;
}

double natural_value(const CalibrationParameter& p, double unit) {
  unit = std::clamp(unit, 0.0, 1.0);
  if (p.scale == ParameterScale::kLog)
    return std::exp(std::log(p.min) + unit * (std::log(p.max) - std::log(p.min)));
  return p.min + unit * (p.max - p.min);
}

double unit_value(const CalibrationParameter& p, double natural) {
  const double u = p.scale == ParameterScale::kLog
                       ? (std::log(natural) - std::log(p.min)) / (std::log(p.max) - std::log(p.min))
                       : (natural - p.min) / (p.max - p.min);
  return std::clamp(u, 0.0, 1.0);
}

const char* stage_name(CalibrationStage stage) {
  switch (stage) {
    case CalibrationStage::kStart: return "start";
    case CalibrationStage::kSearch: return "search";
    case CalibrationStage::kFinal: return "final";
    case CalibrationStage::kSensitivity: return "sensitivity";
  }
  return "?";
}

Calibration::Calibration(const CalibrationParams& params) : params_(params) {
  if (params_.parameters.empty() || params_.moments.empty())
    throw std::invalid_argument("Calibration: no parameters or no moments");
  for (const auto& p : params_.parameters)
    if (std::isnan(p.start)) throw std::invalid_argument("Calibration: start not resolved");
  for (const auto& m : params_.moments)
    weights_.push_back(m.fit && m.tolerance > 0 ? 1.0 / (m.tolerance * m.tolerance) : 0.0);
  std::vector<double> start;
  for (const auto& p : params_.parameters) start.push_back(p.start);
  set_pending(CalibrationStage::kStart, {start}, params_.replications);
}

std::vector<double> Calibration::natural(const std::vector<double>& unit) const {
  std::vector<double> values(unit.size());
  for (std::size_t i = 0; i < unit.size(); ++i)
    values[i] = natural_value(params_.parameters[i], unit[i]);
  return values;
}

std::vector<double> Calibration::unit(const std::vector<double>& natural) const {
  std::vector<double> values(natural.size());
  for (std::size_t i = 0; i < natural.size(); ++i)
    values[i] = unit_value(params_.parameters[i], natural[i]);
  return values;
}

void Calibration::set_pending(CalibrationStage stage, std::vector<std::vector<double>> points,
                              std::uint64_t replications) {
  CalibrationBatch batch;
  batch.stage = stage;
  batch.generation = stage == CalibrationStage::kSearch ? generations_ : 0;
  batch.first_task = next_task_;
  batch.replications = replications;
  batch.points = std::move(points);
  next_task_ += batch.points.size() * replications;
  pending_ = std::move(batch);
}

double Calibration::loss(const MomentStats& m) const {
  double total = 0;
  for (std::size_t i = 0; i < params_.moments.size(); ++i) {
    if (weights_[i] == 0.0) continue;
    const double d = m.mean[i] - params_.moments[i].target;
    if (std::isnan(d)) return kInf;
    total += weights_[i] * d * d;
  }
  return total;
}

void Calibration::record(const CandidateResult& r, std::size_t k) {
  const auto& batch = *pending_;
  HistoryRow row{
      batch.stage,
      batch.generation,
      k,
      batch.points[k],
      r.problem.empty() ? loss(r.moments) : kInf,
      r.problem.empty() ? r.moments.mean : std::vector<double>(params_.moments.size(), kNaN),
      r.problem};
  if (row.problem.empty() && std::isinf(row.loss)) {
    for (std::size_t i = 0; i < params_.moments.size(); ++i)
      if (weights_[i] > 0 && std::isnan(row.moments[i]))
        row.problem = fmt::format("moment '{}' is not a number", params_.moments[i].name);
  }
  history_.push_back(std::move(row));
}

void Calibration::tell(const std::vector<CandidateResult>& results) {
  if (!pending_ || results.size() != pending_->points.size())
    throw std::logic_error("Calibration::tell: one result per pending point");
  const auto stage = pending_->stage;
  if (stage != CalibrationStage::kSensitivity)
    for (std::size_t k = 0; k < results.size(); ++k) record(results[k], k);
  switch (stage) {
    case CalibrationStage::kStart: {
      const auto& start = results.front();
      if (!start.problem.empty())
        throw RunError("the calibration's start cannot run: " + start.problem);
      if (params_.weights == MomentWeights::kVariance)
        for (std::size_t i = 0; i < params_.moments.size(); ++i)
          if (params_.moments[i].fit && start.moments.variance[i] > 0)
            weights_[i] = 1.0 / start.moments.variance[i];
      history_.back().loss = loss(start.moments);
      fitted_ = pending_->points.front();
      fitted_moments_ = start.moments;
      fitted_loss_ = history_.back().loss;
      evaluations_ += 1;
      start_search();
      break;
    }
    case CalibrationStage::kSearch: {
      std::vector<double> losses;
      for (std::size_t k = 0; k < results.size(); ++k)
        losses.push_back(history_[history_.size() - results.size() + k].loss);
      search_->tell(losses);
      evaluations_ += results.size();
      ++generations_;
      converged_ = search_->converged(kConvergedSpread);
      next_generation();
      break;
    }
    case CalibrationStage::kFinal: {
      // The lower loss of the search's mean and its best candidate, each
      // evaluated afresh with the final replications (the best candidate's
      // search loss is optimistic: it won partly by noise).
      std::size_t chosen = results.size();
      for (std::size_t k = 0; k < results.size(); ++k) {
        const double l = history_[history_.size() - results.size() + k].loss;
        if (results[k].problem.empty() &&
            (chosen == results.size() ||
             l < history_[history_.size() - results.size() + chosen].loss))
          chosen = k;
      }
      if (chosen == results.size())
        throw RunError("the calibration's final evaluation cannot run: " + results.front().problem);
      fitted_ = pending_->points[chosen];
      fitted_candidate_ = chosen;
      fitted_moments_ = results[chosen].moments;
      fitted_loss_ = history_[history_.size() - results.size() + chosen].loss;
      fitted_from_ = generations_ == 0 ? "start" : chosen == 0 ? "search mean" : "best candidate";
      start_sensitivity();
      break;
    }
    case CalibrationStage::kSensitivity:
      finish_sensitivity(results);
      pending_.reset();
      break;
  }
}

void Calibration::start_search() {
  std::vector<double> start_unit;
  for (const auto& p : params_.parameters) start_unit.push_back(unit_value(p, p.start));
  search_.emplace(start_unit, params_.sigma, params_.seed, params_.population);
  next_generation();
}

void Calibration::next_generation() {
  if (converged_ || evaluations_ + search_->population() > params_.budget) {
    start_final();
    return;
  }
  std::vector<std::vector<double>> points;
  for (const auto& candidate : search_->ask()) points.push_back(natural(candidate));
  set_pending(CalibrationStage::kSearch, std::move(points), params_.replications);
}

void Calibration::start_final() {
  const std::uint64_t reps =
      params_.final_replications ? params_.final_replications : 2 * params_.replications;
  std::vector<std::vector<double>> points;
  if (generations_ == 0) {
    points.push_back(fitted_);  // no generation fitted in the budget: the start
  } else {
    points.push_back(natural(search_->mean()));
    const auto best = natural(search_->best());
    if (best != points.front()) points.push_back(best);
  }
  set_pending(CalibrationStage::kFinal, std::move(points), reps);
}

void Calibration::start_sensitivity() {
  const auto centre = unit(fitted_);
  std::vector<std::vector<double>> points;
  for (std::size_t j = 0; j < centre.size(); ++j)
    for (const double sign : {-1.0, 1.0}) {
      auto u = centre;
      u[j] = std::clamp(centre[j] + sign * params_.sensitivity_step, 0.0, 1.0);
      points.push_back(natural(u));
    }
  set_pending(CalibrationStage::kSensitivity, std::move(points), fitted_moments_.replications);
}

void Calibration::finish_sensitivity(const std::vector<CandidateResult>& results) {
  const auto n = params_.parameters.size();
  const auto k = params_.moments.size();
  const auto& points = pending_->points;
  sensitivity_.assign(k, std::vector<double>(n, kNaN));
  standardised_.assign(k, std::vector<double>(n, kNaN));
  for (std::size_t j = 0; j < n; ++j) {
    const auto& lo = results[2 * j];
    const auto& hi = results[2 * j + 1];
    const double dx = points[2 * j + 1][j] - points[2 * j][j];
    const auto& p = params_.parameters[j];
    const double du = unit_value(p, points[2 * j + 1][j]) - unit_value(p, points[2 * j][j]);
    if (!lo.problem.empty() || !hi.problem.empty() || dx == 0.0) {
      notes_.push_back(fmt::format("{}: no sensitivity (a step around the fitted value {}{})",
                                   p.key, "cannot run",
                                   lo.problem.empty() ? "" : ": " + lo.problem));
      continue;
    }
    for (std::size_t i = 0; i < k; ++i) {
      const double dm = hi.moments.mean[i] - lo.moments.mean[i];
      sensitivity_[i][j] = dm / dx;
      const double tol = params_.moments[i].tolerance;
      if (tol > 0) standardised_[i][j] = dm / du * 0.1 / tol;
    }
  }
  // Identification: per parameter, then the flattest direction of all.
  std::vector<std::size_t> fitted_rows;
  for (std::size_t i = 0; i < k; ++i)
    if (params_.moments[i].fit) fitted_rows.push_back(i);
  for (std::size_t j = 0; j < n; ++j) {
    double largest = 0;
    for (auto i : fitted_rows)
      if (!std::isnan(standardised_[i][j]))
        largest = std::max(largest, std::abs(standardised_[i][j]));
    if (largest < kIdentifiedSensitivity)
      notes_.push_back(fmt::format(
          "{} is not identified: moving it over a tenth of its range moves no fitted moment by "
          "more than {:.3g} of its tolerance",
          params_.parameters[j].key, largest));
  }
  if (n > 1 && fitted_rows.size() >= 1) {
    Eigen::MatrixXd s(static_cast<Eigen::Index>(fitted_rows.size()), static_cast<Eigen::Index>(n));
    for (std::size_t r = 0; r < fitted_rows.size(); ++r)
      for (std::size_t j = 0; j < n; ++j) {
        const double v = standardised_[fitted_rows[r]][j];
        s(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = std::isnan(v) ? 0.0 : v;
      }
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(s, Eigen::ComputeFullV);
    const auto& sv = svd.singularValues();
    const double top = sv.size() ? sv[0] : 0.0;
    // Fewer fitted moments than parameters leaves directions with no singular value at all.
    const double flattest = sv.size() < static_cast<Eigen::Index>(n) ? 0.0 : sv[sv.size() - 1];
    if (top > 0 && flattest < kFlatDirection * top) {
      const Eigen::VectorXd v = svd.matrixV().col(static_cast<Eigen::Index>(n) - 1);
      std::string direction;
      for (std::size_t j = 0; j < n; ++j)
        if (std::abs(v[static_cast<Eigen::Index>(j)]) >= 0.1)
          direction += fmt::format("{}{:+.2f} {}", direction.empty() ? "" : ", ",
                                   v[static_cast<Eigen::Index>(j)], params_.parameters[j].key);
      notes_.push_back(fmt::format(
          "the targets identify only combinations of the parameters: along ({}) in tenths of "
          "each range, the fitted moments move {:.3g} times less than along the steepest "
          "direction",
          direction, top > 0 ? flattest / top : 0.0));
    }
  }
}

std::string encode_batch(const CalibrationBatch& batch) {
  std::string text =
      fmt::format("{} {} {} {} {}\n", static_cast<int>(batch.stage), batch.generation,
                  batch.first_task, batch.replications, batch.points.size());
  for (const auto& point : batch.points) {
    for (std::size_t j = 0; j < point.size(); ++j)
      text += fmt::format("{}{:a}", j ? " " : "", point[j]);  // hexadecimal: exact
    text += "\n";
  }
  return text;
}

CalibrationBatch decode_batch(const std::string& text) {
  std::istringstream in(text);
  CalibrationBatch batch;
  int stage = -1;
  std::size_t points = 0;
  if (!(in >> stage >> batch.generation >> batch.first_task >> batch.replications >> points) ||
      stage < 0 || stage > static_cast<int>(CalibrationStage::kSensitivity))
    throw std::invalid_argument("calibration batch: malformed header");
  batch.stage = static_cast<CalibrationStage>(stage);
  std::string line;
  std::getline(in, line);
  for (std::size_t k = 0; k < points; ++k) {
    if (!std::getline(in, line)) throw std::invalid_argument("calibration batch: missing point");
    std::vector<double> values;
    std::istringstream fields(line);
    for (std::string field; fields >> field;) {
      char* end = nullptr;
      values.push_back(std::strtod(field.c_str(), &end));
      if (*end != '\0') throw std::invalid_argument("calibration batch: malformed value");
    }
    batch.points.push_back(std::move(values));
  }
  return batch;
}

Scenario calibration_world(Scenario scenario) {
  scenario.arms.resize(1);
  for (auto& point : scenario.points) point.arm_models.resize(1);
  scenario.settings.precision.targets.clear();
  scenario.settings.reference_standard.clear();
  return scenario;
}

BatchWorld batch_world(const Scenario& base, const std::string& text, const std::string& label,
                       const std::vector<std::string>& sets, const CalibrationBatch& batch) {
  const auto& params = base.settings.calibration.parameters;
  BatchWorld world{base, std::vector<std::string>(batch.points.size())};
  world.scenario.points.clear();
  for (std::size_t k = 0; k < batch.points.size(); ++k) {
    LoadOptions options;
    options.set_overrides = sets;
    options.check_memory = false;  // the run's scenario was checked; candidates change no sizes
    for (std::size_t j = 0; j < params.size(); ++j)
      options.set_overrides.push_back(
          fmt::format("{}={:.17g}", params[j].key, batch.points[k].at(j)));
    SweepPoint point;
    try {
      point.arm_models.push_back(load_scenario_text(text, label, options).arms.front().model);
    } catch (const InputError& e) {
      const std::string what = e.what();
      world.problems[k] = what.substr(0, what.find('\n'));
      point.arm_models.push_back(base.arms.front().model);
    }
    point.values = batch.points[k];
    world.scenario.points.push_back(std::move(point));
  }
  return world;
}

// Table::add_* returns storage that the next add_* may move: each column is
// built first and handed over whole.
std::vector<CandidateResult> batch_results(
    const Scenario& base, const CalibrationBatch& batch, const BatchWorld& world,
    const std::function<const TaskRun&(std::uint64_t id, std::size_t k, std::uint64_t r)>& task) {
  std::vector<CandidateResult> results(batch.points.size());
  for (std::size_t k = 0; k < batch.points.size(); ++k) {
    if (!world.problems[k].empty()) {
      results[k].problem = world.problems[k];
      continue;
    }
    std::vector<std::vector<double>> rows;
    for (std::uint64_t r = 0; r < batch.replications; ++r)
      rows.push_back(replication_moments(
          base, task(batch.first_task + k * batch.replications + r, k, r).arms.front()));
    results[k].moments = moment_stats(rows);
  }
  return results;
}

Calibration calibrate_in_process(const Scenario& base, const std::string& text,
                                 const std::string& label, const std::vector<std::string>& sets) {
  Calibration calibration(base.settings.calibration);
  while (const auto& batch = calibration.pending()) {
    const auto world = batch_world(base, text, label, sets, *batch);
    std::map<std::uint64_t, TaskRun> tasks;
    for (std::size_t k = 0; k < batch->points.size(); ++k)
      if (world.problems[k].empty())
        for (std::uint64_t r = 0; r < batch->replications; ++r) {
          const auto id = batch->first_task + k * batch->replications + r;
          tasks.emplace(id, run_task(world.scenario, {id, k, r}));
        }
    calibration.tell(batch_results(
        base, *batch, world, [&](std::uint64_t id, std::size_t, std::uint64_t) -> const TaskRun& {
          return tasks.at(id);
        }));
  }
  return calibration;
}

std::vector<Table> calibration_tables(const Calibration& c) {
  const auto& params = c.params();
  std::vector<Table> tables;
  {
    Table t("/calibration/parameters");
    std::vector<std::string> key, scale;
    std::vector<double> lo, hi, start;
    for (const auto& p : params.parameters) {
      key.push_back(p.key);
      lo.push_back(p.min);
      hi.push_back(p.max);
      scale.push_back(std::string(enum_name(p.scale)));
      start.push_back(p.start);
    }
    t.add_text("key", "", "scenario key path") = std::move(key);
    t.add_real("min", "", "lowest value searched") = std::move(lo);
    t.add_real("max", "", "highest value searched") = std::move(hi);
    t.add_text("scale", "", "linear or log") = std::move(scale);
    t.add_real("start", "", "the search's start") = std::move(start);
    t.add_real("fitted", "", "the fitted value") = c.fitted();
    tables.push_back(std::move(t));
  }
  {
    Table t("/calibration/moments");
    std::vector<std::string> name, source;
    std::vector<std::int64_t> fit;
    std::vector<double> target, tol, z;
    const auto& m = c.fitted_moments();
    for (std::size_t i = 0; i < params.moments.size(); ++i) {
      const auto& d = params.moments[i];
      name.push_back(d.name);
      source.push_back(d.source);
      fit.push_back(d.fit ? 1 : 0);
      target.push_back(d.target);
      tol.push_back(d.tolerance);
      z.push_back(d.tolerance > 0 ? (m.mean[i] - d.target) / d.tolerance : kNaN);
    }
    t.add_text("moment", "", "the moment's name") = std::move(name);
    t.add_int("fitted", "", "1: in the loss; 0: reported only") = std::move(fit);
    t.add_real("target", "", "the value the moment should take") = std::move(target);
    t.add_real("tolerance", "", "one unit of distance") = std::move(tol);
    t.add_real("weight", "", "weight in the loss") = c.weights();
    t.add_real("simulated", "", "mean over the final replications at the fit") = m.mean;
    t.add_real("se", "", "standard error of the simulated mean") = m.se;
    t.add_real("distance", "tolerances",
               "(simulated - target) / tolerance; NaN without a tolerance") = std::move(z);
    t.add_text("source", "", "where the target comes from, as the scenario says") =
        std::move(source);
    tables.push_back(std::move(t));
  }
  {
    Table t("/calibration/history");
    const auto& history = c.history();
    std::vector<std::string> stage, problem;
    std::vector<std::int64_t> generation, candidate;
    std::vector<double> loss;
    std::vector<std::vector<double>> values(params.parameters.size()),
        moments(params.moments.size());
    for (const auto& row : history) {
      stage.push_back(stage_name(row.stage));
      generation.push_back(static_cast<std::int64_t>(row.generation));
      candidate.push_back(static_cast<std::int64_t>(row.candidate));
      for (std::size_t j = 0; j < values.size(); ++j) values[j].push_back(row.values[j]);
      loss.push_back(row.loss);
      for (std::size_t i = 0; i < moments.size(); ++i) moments[i].push_back(row.moments[i]);
      problem.push_back(row.problem);
    }
    t.add_text("stage", "", "start, search or final") = std::move(stage);
    t.add_int("generation", "", "CMA-ES generation (search), else 0") = std::move(generation);
    t.add_int("candidate", "", "the candidate's place in its batch") = std::move(candidate);
    for (std::size_t j = 0; j < values.size(); ++j)
      t.add_real(params.parameters[j].key, "", "the candidate's value") = std::move(values[j]);
    t.add_real("loss", "", "weighted squared distance; inf: could not run") = std::move(loss);
    for (std::size_t i = 0; i < moments.size(); ++i)
      t.add_real("moment:" + params.moments[i].name, "", "the candidate's mean moment") =
          std::move(moments[i]);
    t.add_text("problem", "", "why the candidate could not run; empty if it ran") =
        std::move(problem);
    tables.push_back(std::move(t));
  }
  {
    Table t("/calibration/sensitivity");
    std::vector<std::string> moment, key;
    std::vector<double> derivative, standardised;
    for (std::size_t i = 0; i < params.moments.size(); ++i)
      for (std::size_t j = 0; j < params.parameters.size(); ++j) {
        moment.push_back(params.moments[i].name);
        key.push_back(params.parameters[j].key);
        derivative.push_back(c.sensitivity().at(i).at(j));
        standardised.push_back(c.standardised_sensitivity().at(i).at(j));
      }
    t.add_text("moment") = std::move(moment);
    t.add_text("parameter") = std::move(key);
    t.add_real("derivative", "moment per parameter unit",
               "d moment / d parameter at the fit (central difference)") = std::move(derivative);
    t.add_real("standardised", "tolerances per tenth of the range",
               "the moment's change, in tolerances, over a tenth of the parameter's (scaled) "
               "range") = std::move(standardised);
    tables.push_back(std::move(t));
  }
  {
    Table t("/calibration/notes");
    t.add_text("note", "", "parameters the targets do not identify, in words") =
        c.identification_notes();
    tables.push_back(std::move(t));
  }
  return tables;
}

namespace {

// A key path's parts: "policies[0].above" -> {"policies", "[0]", "above"}.
std::vector<std::string> key_parts(const std::string& key) {
  std::vector<std::string> parts;
  std::string part;
  for (const char ch : key) {
    if (ch == '.' || ch == '[') {
      if (!part.empty()) parts.push_back(part);
      part = ch == '[' ? "[" : "";
    } else if (ch == ']') {
      parts.push_back(part + "]");
      part.clear();
    } else {
      part += ch;
    }
  }
  if (!part.empty()) parts.push_back(part);
  return parts;
}

bool is_index(const std::string& part) { return !part.empty() && part.front() == '['; }

// The node of a resolved scenario at the first `n` parts of a key path.
YAML::Node node_at_parts(const YAML::Node& root, const std::vector<std::string>& parts,
                         std::size_t n) {
  YAML::Node node = root;
  for (std::size_t i = 0; i < n; ++i) {
    const YAML::Node& at = node;
    const YAML::Node next = is_index(parts[i]) ? at[std::stoul(parts[i].substr(1))] : at[parts[i]];
    if (!next.IsDefined())
      throw RunError(fmt::format("the calibrated world has no key {}", parts[i]));
    node.reset(next);
  }
  return node;
}

// Writes `value` into `fragment` at the first `n` parts (map keys only).
void put_at(YAML::Node fragment, const std::vector<std::string>& parts, std::size_t n,
            const YAML::Node& value) {
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (!fragment[parts[i]].IsMap()) fragment[parts[i]] = YAML::Node(YAML::NodeType::Map);
    fragment.reset(fragment[parts[i]]);
  }
  fragment[parts[n - 1]] = YAML::Clone(value);
}

std::string emit(const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

std::string calibration_fragment(const Calibration& c, const std::string& provenance,
                                 const std::string& text, const std::string& label,
                                 const std::vector<std::string>& sets) {
  const auto& params = c.params().parameters;
  LoadOptions options;
  options.check_memory = false;
  const auto world_with = [&](const std::vector<std::size_t>& keys) {
    auto o = options;
    o.set_overrides = sets;
    for (const auto j : keys)
      o.set_overrides.push_back(fmt::format("{}={:.17g}", params[j].key, c.fitted()[j]));
    return load_scenario_text(text, label, o).resolved_yaml;
  };
  // The resolved scenario with `fragment` laid over it; empty when it does
  // not load (a lone persona whose share is not 1, say).
  const auto laid_over = [&](const std::string& fragment) -> std::string {
    auto o = options;
    o.set_overrides = sets;
    try {
      return load_scenario_text(lay_over(text, fragment, label), label, o).resolved_yaml;
    } catch (const InputError&) {
      return {};
    }
  };
  // Each key on its own: the fewest parts of its path (deepest node) whose
  // copy, laid over the scenario, gives the world that key's fitted value
  // gives. A list element cannot be laid over a list: only the whole list.
  std::vector<std::size_t> all(params.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  YAML::Node fragment(YAML::NodeType::Map);
  const auto world_text = world_with(all);  // the calibrated world, every fitted key set
  const YAML::Node world = YAML::Load(world_text);
  for (std::size_t j = 0; j < params.size(); ++j) {
    const auto parts = key_parts(params[j].key);
    const auto expected = world_with({j});
    const YAML::Node world_j = YAML::Load(expected);
    std::size_t depth = 0;
    for (std::size_t n = parts.size(); n >= 1 && depth == 0; --n) {
      if (is_index(parts[n - 1])) continue;
      YAML::Node alone(YAML::NodeType::Map);
      put_at(alone, parts, n, node_at_parts(world_j, parts, n));
      if (laid_over(emit(alone)) == expected) depth = n;
    }
    if (depth == 0)
      throw RunError(
          fmt::format("the fitted value of {} cannot be written as a fragment that reproduces the "
                      "calibrated world",
                      params[j].key));
    put_at(fragment, parts, depth, node_at_parts(world, parts, depth));
  }
  const auto body = emit(fragment);
  if (laid_over(body) != world_text)
    throw RunError("the fragment of the fitted values does not reproduce the calibrated world");
  std::string head = "# Fitted by trustsim calibrate (" + provenance + ").\n";
  head += fmt::format("# Loss {:.6g} at the fit ({}), {} candidates in {} generations{}.\n",
                      c.fitted_loss(), c.fitted_from(), c.evaluations(), c.generations(),
                      c.converged() ? ", converged" : "");
  head +=
      "# Laid over the calibration's scenario (include it from a scenario that does not\n"
      "# set these keys), it reproduces the calibrated world; a key inside a named map or a\n"
      "# list is given with the whole map or list it belongs to.\n";
  return head + body;
}

std::string format_moment_table(const Calibration& c) {
  const auto& params = c.params();
  std::string text = fmt::format("\n{:<28} {:>12} {:>12} {:>12} {:>10} {:>9}\n", "moment", "target",
                                 "simulated", "+- SE", "tolerance", "distance");
  const auto& m = c.fitted_moments();
  for (std::size_t i = 0; i < params.moments.size(); ++i) {
    const auto& d = params.moments[i];
    const bool judged = d.tolerance > 0;  // a target to be measured against
    text += fmt::format(
        "{:<28} {:>12} {:>12.6g} {:>12.3g} {:>10} {:>9}\n", d.name + (d.fit ? "" : " (not fitted)"),
        judged ? fmt::format("{:.6g}", d.target) : "-", m.mean[i], m.se[i],
        judged ? fmt::format("{:.3g}", d.tolerance) : "-",
        judged ? fmt::format("{:+.2f}", (m.mean[i] - d.target) / d.tolerance) : "-");
  }
  text += fmt::format("\n{:<40} {:>14} {:>14}\n", "parameter", "start", "fitted");
  for (std::size_t j = 0; j < params.parameters.size(); ++j)
    text += fmt::format("{:<40} {:>14.6g} {:>14.6g}\n", params.parameters[j].key,
                        params.parameters[j].start, c.fitted()[j]);
  text += fmt::format(
      "\nloss {:.6g} at the fit ({}, {} replications); {} candidates, {} "
      "generations{}\n",
      c.fitted_loss(), c.fitted_from(), m.replications, c.evaluations(), c.generations(),
      c.converged() ? ", converged" : "");
  for (const auto& note : c.identification_notes()) text += "note: " + note + "\n";
  return text;
}

}  // namespace trustsim
