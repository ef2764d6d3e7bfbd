// Two result files compared table by table (see include/trustsim/compare.hpp).
#include "trustsim/compare.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <variant>

#include <fmt/format.h>

#include "trustsim/errors.hpp"
#include "trustsim/result_file.hpp"
#include "trustsim/result_tables.hpp"
#include "trustsim/text.hpp"

namespace trustsim {
namespace {

// A column's values if it exists with that type (foreign files may lack it).
template <class T>
const std::vector<T>* values_of(const Table* table, const std::string& name) {
  const Column* c = table ? table->find(name) : nullptr;
  return c ? std::get_if<std::vector<T>>(&c->data) : nullptr;
}

std::string attribute_text(const ResultFile& file, std::string_view name) {
  const auto* a = find_attribute(file, name);
  if (!a) return "?";
  if (const auto* text = std::get_if<std::string>(&a->value)) return *text;
  if (const auto* number = std::get_if<std::int64_t>(&a->value)) return std::to_string(*number);
  return fmt::format("{}", std::get<double>(a->value));
}

// What the lookups call each id, so rows are matched by meaning, not by
// numbering: arm, metric and cohort names, a policy outcome's arm, policy
// and column, and a task's point and replication.
class Labels {
 public:
  explicit Labels(const ResultFile& file) {
    names(file, table_path::kArms, "arm_id", arms_);
    names(file, table_path::kMetrics, "metric_id", metrics_);
    names(file, table_path::kCohorts, "cohort_id", cohorts_);
    const Table* outcomes = find_table(file, table_path::kPolicyOutcomesLookup);
    const auto* ids = values_of<std::int64_t>(outcomes, "policy_outcome_id");
    const auto* arm = values_of<std::int64_t>(outcomes, "arm_id");
    const auto* policy = values_of<std::int64_t>(outcomes, "policy");
    const auto* name = values_of<std::string>(outcomes, "name");
    if (ids && arm && policy && name)
      for (std::size_t i = 0; i < ids->size(); ++i)
        policy_outcomes_[(*ids)[i]] = fmt::format("{} policies[{}].{}", label("arm_id", (*arm)[i]),
                                                  (*policy)[i], one_line((*name)[i]));
    const Table* runs = find_table(file, table_path::kRuns);
    const auto* task = values_of<std::int64_t>(runs, "task_id");
    const auto* point = values_of<std::int64_t>(runs, "point_id");
    const auto* replication = values_of<std::int64_t>(runs, "replication");
    if (task && point && replication)  // a task is a replication at a point, for every arm
      for (std::size_t i = 0; i < task->size(); ++i)
        tasks_[(*task)[i]] = fmt::format("point {} replication {}", (*point)[i], (*replication)[i]);
  }

  std::string label(const std::string& column, std::int64_t id) const {
    const std::map<std::int64_t, std::string>* names = nullptr;
    if (column == "arm_id") names = &arms_;
    if (column == "metric_id") names = &metrics_;
    if (column == "cohort_id") names = &cohorts_;
    if (column == "policy_outcome_id") names = &policy_outcomes_;
    if (column == "task_id") names = &tasks_;
    if (names)
      if (const auto it = names->find(id); it != names->end()) return it->second;
    return std::to_string(id);
  }

 private:
  static void names(const ResultFile& file, const char* path, const std::string& id_column,
                    std::map<std::int64_t, std::string>& out) {
    const Table* table = find_table(file, path);
    const auto* ids = values_of<std::int64_t>(table, id_column);
    const auto* names = values_of<std::string>(table, "name");
    if (ids && names)
      for (std::size_t i = 0; i < ids->size() && i < names->size(); ++i)
        out[(*ids)[i]] = "'" + one_line((*names)[i]) + "'";
  }
  std::map<std::int64_t, std::string> arms_, metrics_, cohorts_, policy_outcomes_, tasks_;
};

// Columns that say which row a row is, not what was measured there.
bool is_key(const std::string& column) {
  static const std::set<std::string> keys = {"replication", "day",    "week",  "seller",
                                             "buyer",       "series", "policy"};
  return column.ends_with("_id") || keys.contains(column);
}

std::string cell_text(const Column& c, std::size_t row) {
  return std::visit(
      [row](const auto& values) -> std::string {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, std::string>)
          return "'" + one_line(values[row]) + "'";
        else
          return fmt::format("{}", values[row]);
      },
      c.data);
}

// Each row's key: its key columns, ids as labels ("arm='baseline', day=7").
std::vector<std::string> row_keys(const Table& table, const Labels& labels) {
  std::vector<std::string> keys(table.rows());
  // A task is its point and replication: said once where the table has both.
  const bool task_said = table.find("point_id") && table.find("replication");
  for (const auto& c : table.columns()) {
    if (!is_key(c.name) || (task_said && c.name == "task_id")) continue;
    for (std::size_t r = 0; r < keys.size(); ++r) {
      std::string value;
      if (const auto* ints = std::get_if<std::vector<std::int64_t>>(&c.data))
        value = labels.label(c.name, (*ints)[r]);
      else
        value = cell_text(c, r);
      const auto name = c.name.ends_with("_id") ? c.name.substr(0, c.name.size() - 3) : c.name;
      keys[r] += fmt::format("{}{}={}", keys[r].empty() ? "" : ", ", name, value);
    }
  }
  return keys;
}

std::optional<double> number_at(const Column& c, std::size_t row) {
  if (const auto* d = std::get_if<std::vector<double>>(&c.data)) return (*d)[row];
  if (const auto* i = std::get_if<std::vector<std::int64_t>>(&c.data))
    return static_cast<double>((*i)[row]);
  return std::nullopt;
}

struct Tolerance {
  double rtol = 0, atol = 0;
  bool exact() const { return rtol == 0 && atol == 0; }
};

// Whether two cells agree; `deviation` gets |b - a| when both are finite numbers.
bool cells_agree(const Column& ca, std::size_t ra, const Column& cb, std::size_t rb,
                 const Tolerance& tol, double& deviation) {
  deviation = 0;
  const auto* ta = std::get_if<std::vector<std::string>>(&ca.data);
  const auto* tb = std::get_if<std::vector<std::string>>(&cb.data);
  if (ta || tb) return ta && tb && (*ta)[ra] == (*tb)[rb];
  const auto* ia = std::get_if<std::vector<std::int64_t>>(&ca.data);
  const auto* ib = std::get_if<std::vector<std::int64_t>>(&cb.data);
  if (ia && ib && (*ia)[ra] == (*ib)[rb]) return true;
  const double a = *number_at(ca, ra), b = *number_at(cb, rb);
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  deviation = std::abs(b - a);
  // Exact: the same bits (so 0.0 and -0.0 differ, as they do in the digest).
  if (tol.exact()) return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
  return deviation <= tol.atol + tol.rtol * std::abs(a);
}

struct TableResult {
  bool agree = true;
  std::string verdict;
};

class Comparer {
 public:
  Comparer(const ResultFile& a, const ResultFile& b, const CompareOptions& options)
      : labels_a_(a), labels_b_(b), options_(options), tol_{options.rtol, options.atol} {}

  TableResult compare(const Table& a, const Table& b) {
    if (table_digest(a) == table_digest(b)) return {true, "identical"};
    std::size_t differing = 0, only_a = 0, only_b = 0;
    std::string column_notes;
    for (const auto& c : a.columns())
      if (!b.find(c.name)) {
        column_notes += fmt::format("; column '{}' only in A", c.name);
        list(fmt::format("{}: column '{}' is only in A", a.path(), c.name));
      }
    for (const auto& c : b.columns())
      if (!a.find(c.name)) {
        column_notes += fmt::format("; column '{}' only in B", c.name);
        list(fmt::format("{}: column '{}' is only in B", a.path(), c.name));
      }
    // Rows by key; without a unique key (or any key column), in order.
    const auto keys_a = row_keys(a, labels_a_), keys_b = row_keys(b, labels_b_);
    std::map<std::string, std::size_t> rows_b;
    bool unique = !keys_a.empty() && !keys_a.front().empty();
    for (std::size_t r = 0; r < keys_b.size() && unique; ++r)
      unique = rows_b.emplace(keys_b[r], r).second;
    std::set<std::string> seen_a;
    for (std::size_t r = 0; r < keys_a.size() && unique; ++r)
      unique = seen_a.insert(keys_a[r]).second;
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    if (unique) {
      for (std::size_t r = 0; r < keys_a.size(); ++r) {
        const auto it = rows_b.find(keys_a[r]);
        if (it == rows_b.end()) {
          ++only_a;
          list(fmt::format("{} [{}]: row only in A", a.path(), keys_a[r]));
        } else {
          pairs.emplace_back(r, it->second);
        }
      }
      for (std::size_t r = 0; r < keys_b.size(); ++r)
        if (!seen_a.contains(keys_b[r])) {
          ++only_b;
          list(fmt::format("{} [{}]: row only in B", a.path(), keys_b[r]));
        }
    } else {
      for (std::size_t r = 0; r < std::min(a.rows(), b.rows()); ++r) pairs.emplace_back(r, r);
      only_a = a.rows() > b.rows() ? a.rows() - b.rows() : 0;
      only_b = b.rows() > a.rows() ? b.rows() - a.rows() : 0;
      if (only_a + only_b > 0)
        list(fmt::format("{}: {} rows in A, {} in B (compared in order: no unique row key)",
                         a.path(), a.rows(), b.rows()));
    }
    double largest = 0;
    std::string largest_at;
    bool in_order = true;
    for (const auto& ca : a.columns()) {
      const Column* cb = b.find(ca.name);
      if (!cb || is_key(ca.name)) continue;
      for (const auto& [ra, rb] : pairs) {
        in_order = in_order && ra == rb;
        double deviation = 0;
        const bool same = cells_agree(ca, ra, *cb, rb, tol_, deviation);
        if (deviation > largest) {
          largest = deviation;
          largest_at = fmt::format("{} at [{}]", ca.name, keys_a[ra]);
        }
        if (same) continue;
        ++differing;
        const auto a_value = cell_text(ca, ra), b_value = cell_text(*cb, rb);
        const auto a_number = number_at(ca, ra);
        const std::string relative =
            a_number && *a_number != 0 && deviation > 0
                ? fmt::format(", relative {:.3g}", deviation / std::abs(*a_number))
                : std::string();
        list(fmt::format("{} [{}] {}: {} vs {}{}", a.path(), keys_a[ra], ca.name, a_value, b_value,
                         deviation > 0 ? fmt::format(" (|diff| {:.3g}{})", deviation, relative)
                                       : std::string()));
      }
    }
    if (differing == 0 && only_a == 0 && only_b == 0 && column_notes.empty()) {
      if (largest == 0)
        return {true, in_order ? "the same values (stored differently)"
                               : "the same values in another row order"};
      return {true,
              fmt::format("within tolerance (largest |diff| {:.3g}: {})", largest, largest_at)};
    }
    std::string verdict = fmt::format("DIFFERS: {} value{}", differing, differing == 1 ? "" : "s");
    if (only_a + only_b > 0)
      verdict +=
          fmt::format(", {} row{} only in A, {} only in B", only_a, only_a == 1 ? "" : "s", only_b);
    return {false, verdict + column_notes};
  }

  void list(std::string line) {
    ++listed_total_;
    if (listed_.size() < options_.max_listed) listed_.push_back(std::move(line));
  }
  const std::vector<std::string>& listed() const { return listed_; }
  std::size_t listed_total() const { return listed_total_; }

 private:
  Labels labels_a_, labels_b_;
  const CompareOptions& options_;
  Tolerance tol_;
  std::vector<std::string> listed_;
  std::size_t listed_total_ = 0;
};

std::string describe(const char* which, const std::filesystem::path& path, const ResultFile& f) {
  const auto digest = attribute_text(f, "results_digest");
  return fmt::format("{}: {}  scenario '{}', engine {} ({}), results digest {}\n", which,
                     path.string(), one_line(attribute_text(f, "scenario_name")),
                     one_line(attribute_text(f, "engine_version")),
                     one_line(attribute_text(f, "git_sha")), one_line(digest));
}

std::string normalised(std::string path) {
  if (!path.starts_with('/')) path.insert(0, 1, '/');
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  return path;
}

}  // namespace

CompareResult compare_result_files(const std::filesystem::path& path_a,
                                   const std::filesystem::path& path_b,
                                   const CompareOptions& options) {
  if (!(options.rtol >= 0) || !(options.atol >= 0) || std::isinf(options.rtol) ||
      std::isinf(options.atol))
    throw InputError("compare: --rtol and --atol must be finite and not negative");
  const ResultFile a = read_result_file(path_a, {kEveryTable});
  check_schema_version(a, path_a.string());
  const ResultFile b = read_result_file(path_b, {kEveryTable});
  check_schema_version(b, path_b.string());

  std::vector<std::string> paths;
  if (options.tables.empty()) {
    std::set<std::string> all;
    for (const auto* f : {&a, &b})
      for (const auto& t : f->tables)
        if (t.path() != table_path::kTiming) all.insert(t.path());
    paths.assign(all.begin(), all.end());
  } else {
    for (const auto& name : options.tables) {
      const auto path = normalised(name);
      if (!find_table(a, path) && !find_table(b, path)) {
        std::string known;
        for (const auto& t : a.tables) known += (known.empty() ? "" : ", ") + t.path();
        throw InputError(
            fmt::format("compare: table '{}' is in neither file (the first file has: {})",
                        one_line(name), known));
      }
      if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
    }
  }

  CompareResult result;
  std::string& out = result.text;
  out += describe("A", path_a, a) + describe("B", path_b, b);
  const auto config_a = attribute_text(a, "config_sha256"),
             config_b = attribute_text(b, "config_sha256");
  out += config_a == config_b
             ? fmt::format("scenarios: the same (config_sha256 {})\n", config_a.substr(0, 12))
             : fmt::format(
                   "scenarios: DIFFERENT (config_sha256 {} vs {}): not runs of the same "
                   "resolved scenario\n",
                   config_a.substr(0, 12), config_b.substr(0, 12));
  out += options.rtol == 0 && options.atol == 0
             ? "agreement: bit for bit\n"
             : fmt::format("agreement: |b - a| <= atol + rtol * |a|, rtol {:g}, atol {:g}\n",
                           options.rtol, options.atol);

  Comparer comparer(a, b, options);
  std::size_t width = 5;
  for (const auto& p : paths) width = std::max(width, p.size());
  out += fmt::format("\n{:<{}}  {:>8}  {:>8}  {:<12}  {:<12}  {}\n", "table", width, "rows A",
                     "rows B", "digest A", "digest B", "verdict");
  std::vector<std::string> differing;
  for (const auto& path : paths) {
    const Table* ta = find_table(a, path);
    const Table* tb = find_table(b, path);
    const auto rows = [](const Table* t) { return t ? std::to_string(t->rows()) : "-"; };
    const auto digest = [](const Table* t) { return t ? table_digest(*t).substr(0, 12) : "-"; };
    TableResult verdict;
    if (!ta || !tb) {
      verdict = {false, fmt::format("DIFFERS: only in {}", ta ? "A" : "B")};
      comparer.list(fmt::format("{}: the table is only in {}", path, ta ? "A" : "B"));
    } else {
      verdict = comparer.compare(*ta, *tb);
    }
    if (!verdict.agree) differing.push_back(path);
    out += fmt::format("{:<{}}  {:>8}  {:>8}  {:<12}  {:<12}  {}\n", path, width, rows(ta),
                       rows(tb), digest(ta), digest(tb), verdict.verdict);
  }
  if (!comparer.listed().empty()) {
    out += fmt::format("\nWhat differs{}:\n",
                       comparer.listed_total() > comparer.listed().size()
                           ? fmt::format(" (the first {} of {})", comparer.listed().size(),
                                         comparer.listed_total())
                           : std::string());
    for (const auto& line : comparer.listed()) out += "  " + line + "\n";
  }
  result.agree = differing.empty();
  if (result.agree) {
    out += fmt::format("\nthe runs agree: {} table{} compared\n", paths.size(),
                       paths.size() == 1 ? "" : "s");
  } else {
    std::string names;
    for (const auto& p : differing) names += (names.empty() ? "" : ", ") + p;
    out += fmt::format("\nthe runs DIFFER in {} of {} tables: {}\n", differing.size(), paths.size(),
                       names);
  }
  return result;
}

}  // namespace trustsim
