// The contrasts table as the terminal shows it after `run` and in `summarize`.
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"

namespace trustsim {
namespace {

const Table& table_at(const ResultFile& file, std::string_view path) {
  for (const auto& t : file.tables)
    if (t.path() == path) return t;
  throw InputError(fmt::format("result file has no table {}", path));
}

template <class T>
const std::vector<T>& column(const Table& t, const std::string& name) {
  const Column* c = t.find(name);
  if (!c || !std::holds_alternative<std::vector<T>>(c->data))
    throw InputError(
        fmt::format("table {} has no column '{}' of the expected type", t.path(), name));
  return std::get<std::vector<T>>(c->data);
}

std::string number(double x) {
  if (std::isnan(x)) return "n/a";
  const double a = std::abs(x);
  if (a != 0.0 && (a >= 1e7 || a < 1e-3)) return fmt::format("{:.3e}", x);
  if (a >= 1000.0) return fmt::format("{:.0f}", x);
  return fmt::format("{:.4g}", x);
}

}  // namespace

std::string format_contrasts(const ResultFile& file) {
  const Table& arms = table_at(file, "/lookup/arms");
  const Table& metrics = table_at(file, "/lookup/metrics");
  const Table& contrasts = table_at(file, "/analysis/contrasts");
  std::map<std::int64_t, std::string> arm_names, metric_names;
  const auto& arm_ids = column<std::int64_t>(arms, "arm_id");
  const auto& arm_text = column<std::string>(arms, "name");
  for (std::size_t i = 0; i < arm_ids.size(); ++i) arm_names[arm_ids[i]] = arm_text[i];
  const auto& metric_ids = column<std::int64_t>(metrics, "metric_id");
  const auto& metric_text = column<std::string>(metrics, "name");
  for (std::size_t i = 0; i < metric_ids.size(); ++i) metric_names[metric_ids[i]] = metric_text[i];

  const auto& point = column<std::int64_t>(contrasts, "point_id");
  const auto& arm = column<std::int64_t>(contrasts, "arm_id");
  const auto& metric = column<std::int64_t>(contrasts, "metric_id");
  const auto& n = column<std::int64_t>(contrasts, "n");
  const auto& mean_arm = column<double>(contrasts, "mean_arm");
  const auto& mean_base = column<double>(contrasts, "mean_baseline");
  const auto& diff = column<double>(contrasts, "mean_diff");
  const auto& lo = column<double>(contrasts, "ci_lo");
  const auto& hi = column<double>(contrasts, "ci_hi");
  const auto& p_adj = column<double>(contrasts, "p_adjusted");

  const std::string baseline = arm_names.count(0) ? arm_names[0] : "baseline";
  if (point.empty())
    return fmt::format("Only one arm ('{}'): there is no candidate to compare.\n", baseline);
  std::string out;
  std::int64_t shown_arm = -1, shown_point = -1;
  for (std::size_t i = 0; i < point.size(); ++i) {
    if (arm[i] != shown_arm || point[i] != shown_point) {
      shown_arm = arm[i];
      shown_point = point[i];
      out += fmt::format("\n{} vs {} (point {}, n = {} paired replications)\n", arm_names[arm[i]],
                         baseline, point[i], n[i]);
      out += fmt::format("  {:<34} {:>12} {:>12} {:>12}  {:<27} {:>8}\n", "metric", baseline,
                         arm_names[arm[i]], "difference", "95% CI", "p (Holm)");
    }
    const std::string ci = std::isnan(lo[i])
                               ? std::string("n/a (needs >= 2 replications)")
                               : fmt::format("[{}, {}]", number(lo[i]), number(hi[i]));
    const bool significant = !std::isnan(p_adj[i]) && p_adj[i] < 0.05;
    out += fmt::format("  {:<34} {:>12} {:>12} {:>12}  {:<27} {:>8}{}\n", metric_names[metric[i]],
                       number(mean_base[i]), number(mean_arm[i]), number(diff[i]), ci,
                       std::isnan(p_adj[i]) ? "n/a" : fmt::format("{:.3g}", p_adj[i]),
                       significant ? " *" : "");
  }
  out +=
      "\n* adjusted p < 0.05. Differences are paired over replications (common random "
      "numbers);\n  p-values are Holm-adjusted across candidate arms for each metric.\n";
  return out;
}

}  // namespace trustsim
