// The contrasts table as the terminal shows it after `run` and in `summarize`.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/text.hpp"

namespace trustsim {
namespace {

const Table* find_table(const ResultFile& file, std::string_view path) {
  for (const auto& t : file.tables)
    if (t.path() == path) return &t;
  return nullptr;
}

const Table& table_at(const ResultFile& file, std::string_view path) {
  if (const Table* t = find_table(file, path)) return *t;
  throw InputError(fmt::format("result file has no table {}", path));
}

template <class T>
const std::vector<T>& column(const Table& t, const std::string& name) {
  const Column* c = t.find(name);
  if (!c || !std::holds_alternative<std::vector<T>>(c->data))
    throw InputError(fmt::format("table {} has no column '{}' of the expected type ({})", t.path(),
                                 name,
                                 std::is_same_v<T, std::string> ? "text"
                                 : std::is_same_v<T, double>    ? "floating-point numbers"
                                                                : "integers"));
  return std::get<std::vector<T>>(c->data);
}

std::string number(double x) {
  if (std::isnan(x)) return "n/a";
  const double a = std::abs(x);
  if (a != 0.0 && (a >= 1e7 || a < 1e-3)) return fmt::format("{:.3e}", x);
  if (a >= 1000.0) return fmt::format("{:.0f}", x);
  return fmt::format("{:.4g}", x);
}

template <class T>
T attribute_or(const ResultFile& file, std::string_view name, T fallback) {
  for (const auto& a : file.root_attributes)
    if (a.name == name && std::holds_alternative<T>(a.value)) return std::get<T>(a.value);
  return fallback;
}

std::map<std::int64_t, std::string> names_by_id(const Table& t, const std::string& id) {
  std::map<std::int64_t, std::string> names;
  const auto& ids = column<std::int64_t>(t, id);
  const auto& text = column<std::string>(t, t.find("key") ? "key" : "name");
  for (std::size_t i = 0; i < ids.size(); ++i) names[ids[i]] = text[i];
  return names;
}

// ": key=value, ..." of a sweep point, or nothing without a sweep.
std::string point_values(const ResultFile& file, std::int64_t point) {
  const Table* points = find_table(file, table_path::kPoints);
  if (!points) return {};
  std::string text;
  for (const auto& c : points->columns()) {
    if (c.name == "point_id") continue;
    const auto* values_of = std::get_if<std::vector<double>>(&c.data);
    if (values_of == nullptr)
      throw InputError(
          fmt::format("table /lookup/points: column '{}' does not hold numbers", one_line(c.name)));
    const auto& values = *values_of;
    if (point < 0 || static_cast<std::size_t>(point) >= values.size()) continue;
    text += fmt::format("{}{}={}", text.empty() ? ": " : ", ", c.name,
                        number(values[static_cast<std::size_t>(point)]));
  }
  return text;
}

// Precision targets: which were met, at how many replications.
std::string format_precision(const Table& t, std::map<std::int64_t, std::string>& arm_names,
                             std::map<std::int64_t, std::string>& metric_names) {
  const auto& point = column<std::int64_t>(t, "point_id");
  const auto& arm = column<std::int64_t>(t, "arm_id");
  const auto& metric = column<std::int64_t>(t, "metric_id");
  const auto& wanted = column<double>(t, "target_half_width");
  const auto& achieved = column<double>(t, "half_width");
  const auto& met = column<std::int64_t>(t, "met");
  const auto& n = column<std::int64_t>(t, "replications");
  std::size_t met_count = 0;
  for (auto m : met) met_count += m ? 1 : 0;
  std::string out = fmt::format("\nPrecision targets: {} of {} met\n", met_count, met.size());
  constexpr std::size_t kShown = 12;
  for (std::size_t i = 0; i < point.size() && i < kShown; ++i)
    out += fmt::format(
        "  point {:<3} {:<20} {:<34} half-width {:>10} (target {:>10}) at n = {:<5} "
        "{}\n",
        point[i], arm_names[arm[i]], metric_names[metric[i]], number(achieved[i]),
        number(wanted[i]), n[i], met[i] ? "met" : "NOT MET (max_replications)");
  if (point.size() > kShown)
    out += fmt::format("  ... {} more rows in /analysis/precision\n", point.size() - kShown);
  return out;
}

// Sobol indices of a few headline outcomes, per arm.
std::string format_sobol(const Table& t, const ResultFile& file,
                         std::map<std::int64_t, std::string>& arm_names,
                         std::map<std::int64_t, std::string>& metric_names) {
  const Table* params = find_table(file, table_path::kParameters);
  if (!params) return {};
  auto param_names = names_by_id(*params, "parameter_id");
  const auto& arm = column<std::int64_t>(t, "arm_id");
  const auto& metric = column<std::int64_t>(t, "metric_id");
  const auto& param = column<std::int64_t>(t, "parameter_id");
  const auto& s1 = column<double>(t, "first_order");
  const auto& st = column<double>(t, "total_order");
  const std::vector<std::string> headline = {"gmv",
                                             "mean_trust",
                                             "repeat_rate_90d",
                                             "suspensions",
                                             "false_positive_suspensions",
                                             "odr_defects_per_1k_orders"};
  std::string out =
      "\nSobol sensitivity indices of replication means (first order S / total ST; all "
      "outcomes in /analysis/sobol)\n";
  for (std::size_t i = 0; i < arm.size(); ++i) {
    const auto& name = metric_names[metric[i]];
    if (std::find(headline.begin(), headline.end(), name) == headline.end()) continue;
    if (param[i] == 0) out += fmt::format("  {:<20} {:<28}", arm_names[arm[i]], name);
    out += fmt::format("  {}: S {} ST {}", param_names[param[i]], number(s1[i]), number(st[i]));
    if (i + 1 == arm.size() || param[i + 1] == 0) out += "\n";
  }
  return out;
}

}  // namespace

std::string format_contrasts(const ResultFile& file) {
  const Table& arms = table_at(file, table_path::kArms);
  const Table& metrics = table_at(file, table_path::kMetrics);
  const Table& contrasts = table_at(file, table_path::kContrasts);
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
  const std::vector<double>* ratios = nullptr;  // optional: files before the column existed
  if (contrasts.find("variance_ratio")) ratios = &column<double>(contrasts, "variance_ratio");
  const std::string method = attribute_or<std::string>(file, "p_adjustment", "holm");
  const double confidence = attribute_or<double>(file, "confidence", 0.95);
  const bool independent = attribute_or<std::int64_t>(file, "independent_arms", 0) != 0;
  const auto level = fmt::format("{:g}% CI", 100 * confidence);

  const std::string baseline = arm_names.count(0) ? arm_names[0] : "baseline";
  if (point.empty())
    return fmt::format("Only one arm ('{}'): there is no candidate to compare.\n", baseline);
  std::string out;
  // Rows are stored point, metric, arm; shown grouped by point and arm.
  constexpr std::int64_t kPointsShown = 3;
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < point.size(); ++i)
    if (point[i] < kPointsShown) groups[{point[i], arm[i]}].push_back(i);
  for (const auto& [key, rows] : groups) {
    const auto [pt, a] = key;
    out += fmt::format("\n{} vs {} (point {}{}, n = {} {} replications)\n", arm_names[a], baseline,
                       pt, point_values(file, pt), n[rows.front()],
                       independent ? "independent" : "paired");
    out += fmt::format("  {:<34} {:>12} {:>12} {:>12}  {:<27} {:>8}  {:>9}\n", "metric", baseline,
                       arm_names[a], "difference", level, "p (" + method + ")", "var ratio");
    for (const auto i : rows) {
      const std::string ci = std::isnan(lo[i])
                                 ? std::string("n/a (needs >= 2 replications)")
                                 : fmt::format("[{}, {}]", number(lo[i]), number(hi[i]));
      const bool significant = !std::isnan(p_adj[i]) && p_adj[i] < 0.05;
      const double ratio = ratios ? (*ratios)[i] : std::nan("");
      out += fmt::format("  {:<34} {:>12} {:>12} {:>12}  {:<27} {:>8}{:2} {:>9}\n",
                         metric_names[metric[i]], number(mean_base[i]), number(mean_arm[i]),
                         number(diff[i]), ci,
                         std::isnan(p_adj[i]) ? "n/a" : fmt::format("{:.3g}", p_adj[i]),
                         significant ? " *" : "", number(ratio));
    }
  }
  if (!point.empty() && point.back() >= kPointsShown)
    out += fmt::format("\n... contrasts at {} more sweep points are in /analysis/contrasts\n",
                       point.back() + 1 - kPointsShown);
  out += fmt::format(
      "\n* adjusted p < 0.05. Differences are paired over replications ({});\n"
      "  p-values are {}-adjusted across candidate arms for each metric. var ratio = "
      "Var(difference) /\n  (Var(arm) + Var(baseline)): what pairing saves (1 = nothing).\n",
      independent ? "independent arms: no common random numbers" : "common random numbers", method);
  if (const Table* precision = find_table(file, table_path::kPrecision))
    out += format_precision(*precision, arm_names, metric_names);
  if (const Table* sobol = find_table(file, table_path::kSobol))
    out += format_sobol(*sobol, file, arm_names, metric_names);
  return out;
}

namespace {

std::string optional(const char* path) { return std::string(path) + "?"; }

// Every table `trustsim summarize` reads ('?': optional; read_result_file).
const std::vector<std::string> kSummarizedTables = {table_path::kArms,
                                                    table_path::kMetrics,
                                                    table_path::kCohorts,
                                                    table_path::kRuns,
                                                    table_path::kSummary,
                                                    table_path::kTimeseries,
                                                    table_path::kCohortSummary,
                                                    table_path::kContrasts,
                                                    optional(table_path::kPrecision),
                                                    optional(table_path::kSobol),
                                                    optional(table_path::kParameters),
                                                    optional(table_path::kPoints)};

}  // namespace

std::string summarize_result_file(const std::filesystem::path& path, bool verify_checksum) {
  const ResultFile file = read_result_file(path, kSummarizedTables, verify_checksum);
  // The whole report is built before anything is printed: a file that reads but does not
  // hold what a result file must gives an error, not half a table.
  std::string text;
  for (const auto& a : file.root_attributes)
    if (a.name == "scenario_name" || a.name == "created_utc" || a.name == "results_digest") {
      const auto* value = std::get_if<std::string>(&a.value);
      if (value == nullptr)
        throw InputError(fmt::format("cannot read results from '{}': attribute '{}' is not text",
                                     path.string(), a.name));
      text += fmt::format("{}: {}\n", a.name, one_line(*value));
    }
  try {
    text += format_contrasts(file);
  } catch (const InputError& e) {
    throw InputError(fmt::format("cannot read results from '{}': {}", path.string(), e.what()));
  }
  return text;
}

}  // namespace trustsim
