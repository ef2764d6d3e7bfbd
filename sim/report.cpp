// The contrasts table as the terminal shows it after `run` and in `summarize`.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <string_view>
#include <variant>

#include <fmt/format.h>

#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/report.hpp"
#include "trustsim/result_tables.hpp"
#include "trustsim/text.hpp"

namespace trustsim {
namespace {

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

// A confidence interval as the tables show it, or `missing` without one.
std::string interval(double lo, double hi, const char* missing) {
  return std::isnan(lo) ? std::string(missing) : fmt::format("[{}, {}]", number(lo), number(hi));
}

std::string p_text(double p) { return std::isnan(p) ? "n/a" : fmt::format("{:.3g}", p); }

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

namespace {

// The contrasts of a file with every label joined, and the rows a summary shows.
struct Contrasts {
  std::map<std::int64_t, std::string> arm_names, metric_names, metric_units;
  const std::vector<std::int64_t>*point, *arm, *metric, *n;
  const std::vector<double>*mean_arm, *mean_base, *diff, *se, *lo, *hi, *p, *p_adj;
  const std::vector<double>* ratios = nullptr;  // optional: files before the column existed
  std::string baseline, method, level;
  double confidence = 0.95;
  bool independent = false;
  std::vector<std::size_t> rows;  // selected, in stored order (point, metric, arm)
};

std::vector<std::string> sorted_names(const std::map<std::int64_t, std::string>& names) {
  std::vector<std::string> out;
  for (const auto& [id, name] : names) out.push_back("'" + one_line(name) + "'");
  return out;
}

Contrasts read_contrasts(const ResultFile& file, const SummaryOptions& options) {
  const Table& arms = table_at(file, table_path::kArms);
  const Table& metrics = table_at(file, table_path::kMetrics);
  const Table& contrasts = table_at(file, table_path::kContrasts);
  Contrasts c;
  const auto& arm_ids = column<std::int64_t>(arms, "arm_id");
  const auto& arm_text = column<std::string>(arms, "name");
  for (std::size_t i = 0; i < arm_ids.size(); ++i) c.arm_names[arm_ids[i]] = arm_text[i];
  const auto& metric_ids = column<std::int64_t>(metrics, "metric_id");
  const auto& metric_text = column<std::string>(metrics, "name");
  const auto* units = metrics.find("unit") ? &column<std::string>(metrics, "unit") : nullptr;
  for (std::size_t i = 0; i < metric_ids.size(); ++i) {
    c.metric_names[metric_ids[i]] = metric_text[i];
    c.metric_units[metric_ids[i]] = units ? (*units)[i] : "";
  }
  c.point = &column<std::int64_t>(contrasts, "point_id");
  c.arm = &column<std::int64_t>(contrasts, "arm_id");
  c.metric = &column<std::int64_t>(contrasts, "metric_id");
  c.n = &column<std::int64_t>(contrasts, "n");
  c.mean_arm = &column<double>(contrasts, "mean_arm");
  c.mean_base = &column<double>(contrasts, "mean_baseline");
  c.diff = &column<double>(contrasts, "mean_diff");
  c.se = contrasts.find("se") ? &column<double>(contrasts, "se") : nullptr;
  c.lo = &column<double>(contrasts, "ci_lo");
  c.hi = &column<double>(contrasts, "ci_hi");
  c.p = contrasts.find("p_value") ? &column<double>(contrasts, "p_value") : nullptr;
  c.p_adj = &column<double>(contrasts, "p_adjusted");
  if (contrasts.find("variance_ratio")) c.ratios = &column<double>(contrasts, "variance_ratio");
  c.method = attribute_or<std::string>(file, "p_adjustment", "holm");
  c.confidence = attribute_or<double>(file, "confidence", 0.95);
  c.independent = attribute_or<std::int64_t>(file, "independent_arms", 0) != 0;
  c.level = fmt::format("{:g}% CI", 100 * c.confidence);
  c.baseline = c.arm_names.count(0) ? c.arm_names[0] : "baseline";

  // The selection: every name asked for must exist, so a typo is an error, not an empty table.
  const auto chosen = [](const std::vector<std::string>& wanted,
                         const std::map<std::int64_t, std::string>& names, const char* what) {
    std::set<std::int64_t> ids;
    for (const auto& w : wanted) {
      bool found = false;
      for (const auto& [id, name] : names)
        if (name == w) ids.insert(id), found = true;
      if (!found) {
        std::string known;
        for (const auto& name : sorted_names(names)) known += (known.empty() ? "" : ", ") + name;
        throw InputError(
            fmt::format("summarize: no {} '{}' in the file (it has {})", what, one_line(w), known));
      }
    }
    return ids;
  };
  const auto arms_wanted = chosen(options.arms, c.arm_names, "arm");
  if (arms_wanted.contains(0))
    throw InputError(
        fmt::format("summarize: '{}' is the baseline: contrasts compare the other arms with it",
                    one_line(c.baseline)));
  const auto metrics_wanted = chosen(options.metrics, c.metric_names, "metric");
  const std::set<std::int64_t> points_wanted(options.points.begin(), options.points.end());
  std::set<std::int64_t> points_present(c.point->begin(), c.point->end());
  for (const auto p : points_wanted)
    if (!points_present.contains(p))
      throw InputError(fmt::format("summarize: no sweep point {} in the file (points 0 to {})", p,
                                   points_present.empty() ? 0 : *points_present.rbegin()));
  for (std::size_t i = 0; i < c.point->size(); ++i) {
    if (!points_wanted.empty() && !points_wanted.contains((*c.point)[i])) continue;
    if (!arms_wanted.empty() && !arms_wanted.contains((*c.arm)[i])) continue;
    if (!metrics_wanted.empty() && !metrics_wanted.contains((*c.metric)[i])) continue;
    c.rows.push_back(i);
  }
  return c;
}

std::string format_contrasts_text(const ResultFile& file, Contrasts& c, bool every_point) {
  const auto& point = *c.point;
  const auto& arm = *c.arm;
  if (point.empty())
    return fmt::format("Only one arm ('{}'): there is no candidate to compare.\n", c.baseline);
  std::string out;
  // Rows are stored point, metric, arm; shown grouped by point and arm.
  constexpr std::int64_t kPointsShown = 3;
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::size_t>> groups;
  for (const auto i : c.rows)
    if (every_point || point[i] < kPointsShown) groups[{point[i], arm[i]}].push_back(i);
  for (const auto& [key, rows] : groups) {
    const auto [pt, a] = key;
    out += fmt::format("\n{} vs {} (point {}{}, n = {} {} replications)\n", c.arm_names[a],
                       c.baseline, pt, point_values(file, pt), (*c.n)[rows.front()],
                       c.independent ? "independent" : "paired");
    out += fmt::format("  {:<34} {:>12} {:>12} {:>12}  {:<27} {:>8}  {:>9}\n", "metric", c.baseline,
                       c.arm_names[a], "difference", c.level, "p (" + c.method + ")", "var ratio");
    for (const auto i : rows) {
      const auto& lo = *c.lo;
      const auto& p_adj = *c.p_adj;
      const std::string ci = interval(lo[i], (*c.hi)[i], "n/a (needs >= 2 replications)");
      const bool significant = !std::isnan(p_adj[i]) && p_adj[i] < 0.05;
      const double ratio = c.ratios ? (*c.ratios)[i] : std::nan("");
      out += fmt::format("  {:<34} {:>12} {:>12} {:>12}  {:<27} {:>8}{:2} {:>9}\n",
                         c.metric_names[(*c.metric)[i]], number((*c.mean_base)[i]),
                         number((*c.mean_arm)[i]), number((*c.diff)[i]), ci, p_text(p_adj[i]),
                         significant ? " *" : "", number(ratio));
    }
  }
  if (c.rows.empty()) out += "\nNo contrast matches the selection.\n";
  if (!every_point && !c.rows.empty() && point[c.rows.back()] >= kPointsShown)
    out += fmt::format(
        "\n... contrasts at {} more sweep points are in /analysis/contrasts (summarize "
        "--points)\n",
        point[c.rows.back()] + 1 - kPointsShown);
  out += fmt::format(
      "\n* adjusted p < 0.05. Differences are paired over replications ({});\n"
      "  p-values are {}-adjusted across candidate arms for each metric. var ratio = "
      "Var(difference) /\n  (Var(arm) + Var(baseline)): what pairing saves (1 = nothing).\n",
      c.independent ? "independent arms: no common random numbers" : "common random numbers",
      c.method);
  return out;
}

// One contrast's columns, in the order csv and json write them (a header needs no row).
constexpr std::array<const char*, 16> kContrastColumns = {
    "point_id", "point",         "arm",        "baseline",      "metric", "unit",
    "n",        "mean_baseline", "mean_arm",   "difference",    "se",     "ci_lo",
    "ci_hi",    "p_value",       "p_adjusted", "variance_ratio"};
using FieldValue = std::variant<std::string, std::int64_t, double>;

std::array<FieldValue, kContrastColumns.size()> contrast_values(const ResultFile& file,
                                                                Contrasts& c, std::size_t i) {
  const auto nan = std::nan("");
  const auto point = (*c.point)[i];
  const auto values = point_values(file, point);
  return {point,
          values.empty() ? std::string() : values.substr(2),
          c.arm_names[(*c.arm)[i]],
          c.baseline,
          c.metric_names[(*c.metric)[i]],
          c.metric_units[(*c.metric)[i]],
          (*c.n)[i],
          (*c.mean_base)[i],
          (*c.mean_arm)[i],
          (*c.diff)[i],
          c.se ? (*c.se)[i] : nan,
          (*c.lo)[i],
          (*c.hi)[i],
          c.p ? (*c.p)[i] : nan,
          (*c.p_adj)[i],
          c.ratios ? (*c.ratios)[i] : nan};
}

// Numbers in full (shortest text that reads back to the same double), for other tools.
std::string exact(double x) { return fmt::format("{}", x); }

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char ch : text) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

std::string json_string(std::string_view raw) {
  const std::string text = escape_invalid_utf8(raw);
  std::string out = "\"";
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '"')
      out += "\\\"";
    else if (ch == '\\')
      out += "\\\\";
    else if (byte < 0x20)
      out += fmt::format("\\u{:04x}", byte);
    else
      out += ch;
  }
  return out + "\"";
}

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (const char ch : one_line(text, 200))
    out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

// One value for csv or json: text through `quote`, numbers in full, `missing` for NaN (and,
// when `only_finite`, for infinities too).
std::string value_text(const FieldValue& value, std::string (*quote)(std::string_view),
                       const char* missing, bool only_finite) {
  if (const auto* text = std::get_if<std::string>(&value)) return quote(*text);
  if (const auto* count = std::get_if<std::int64_t>(&value)) return std::to_string(*count);
  const double x = std::get<double>(value);
  return std::isnan(x) || (only_finite && std::isinf(x)) ? missing : exact(x);
}

std::string format_contrasts_as(const ResultFile& file, Contrasts& c, SummaryFormat format) {
  std::string out;
  if (format == SummaryFormat::kCsv) {
    for (std::size_t f = 0; f < kContrastColumns.size(); ++f)
      out += (f ? "," : "") + std::string(kContrastColumns[f]);
    out += "\n";
    for (const auto i : c.rows) {
      const auto values = contrast_values(file, c, i);
      for (std::size_t f = 0; f < values.size(); ++f)
        out += (f ? "," : "") + value_text(values[f], csv_field, "", false);
      out += "\n";
    }
    return out;
  }
  if (format == SummaryFormat::kMarkdown) {
    // For documents: the columns a reader needs, numbers to 4 significant digits.
    out += fmt::format("| point | arm | metric | {} | arm | difference | {} | p ({}) |\n",
                       markdown_cell(c.baseline), c.level, c.method);
    out += "|---|---|---|---:|---:|---:|---|---:|\n";
    for (const auto i : c.rows) {
      const auto values = point_values(file, (*c.point)[i]);
      out += fmt::format("| {}{} | {} | {} | {} | {} | {} | {} | {} |\n", (*c.point)[i],
                         markdown_cell(values), markdown_cell(c.arm_names[(*c.arm)[i]]),
                         markdown_cell(c.metric_names[(*c.metric)[i]]), number((*c.mean_base)[i]),
                         number((*c.mean_arm)[i]), number((*c.diff)[i]),
                         interval((*c.lo)[i], (*c.hi)[i], "n/a"), p_text((*c.p_adj)[i]));
    }
    return out;
  }
  // JSON: the file's provenance, then one object per contrast; NaN is null.
  out += "{\n";
  for (const char* name :
       {"scenario_name", "results_digest", "engine_version", "master_seed", "config_sha256"})
    out += fmt::format("  {}: {},\n", json_string(name),
                       json_string(attribute_or<std::string>(file, name, "")));
  out += fmt::format("  \"confidence\": {},\n  \"p_adjustment\": {},\n  \"paired\": {},\n",
                     exact(c.confidence), json_string(c.method), c.independent ? "false" : "true");
  out += "  \"contrasts\": [";
  for (std::size_t k = 0; k < c.rows.size(); ++k) {
    out += k ? ",\n    {" : "\n    {";
    const auto values = contrast_values(file, c, c.rows[k]);
    for (std::size_t f = 0; f < values.size(); ++f)
      out += fmt::format("{}{}: {}", f ? ", " : "", json_string(kContrastColumns[f]),
                         value_text(values[f], json_string, "null", true));
    out += "}";
  }
  out += c.rows.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace

std::string format_contrasts(const ResultFile& file) {
  Contrasts c = read_contrasts(file, {});
  std::string out = format_contrasts_text(file, c, false);
  std::map<std::int64_t, std::string>& arm_names = c.arm_names;
  std::map<std::int64_t, std::string>& metric_names = c.metric_names;
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
  return summarize_result_file(path, SummaryOptions{}, verify_checksum);
}

std::string summarize_result_file(const std::filesystem::path& path, const SummaryOptions& options,
                                  bool verify_checksum) {
  const ResultFile file = read_result_file(path, kSummarizedTables, verify_checksum);
  check_schema_version(file, path.string());
  if (options.scenario) return file.scenario_yaml;
  // The whole report is built before anything is printed: a file that reads but does not
  // hold what a result file must gives an error, not half a table.
  try {
    const bool selected =
        !options.arms.empty() || !options.metrics.empty() || !options.points.empty();
    if (options.format != SummaryFormat::kText) {
      Contrasts c = read_contrasts(file, options);
      return format_contrasts_as(file, c, options.format);
    }
    std::string text;
    for (const auto& a : file.root_attributes)
      if (a.name == "scenario_name" || a.name == "created_utc" || a.name == "results_digest") {
        const auto* value = std::get_if<std::string>(&a.value);
        if (value == nullptr) throw InputError(fmt::format("attribute '{}' is not text", a.name));
        text += fmt::format("{}: {}\n", a.name, one_line(*value));
      }
    if (!selected) return text + format_contrasts(file);
    Contrasts c = read_contrasts(file, options);
    return text + format_contrasts_text(file, c, !options.points.empty());
  } catch (const InputError& e) {
    if (std::string_view(e.what()).starts_with("summarize:")) throw;
    throw InputError(fmt::format("cannot read results from '{}': {}", path.string(), e.what()));
  }
}

}  // namespace trustsim
