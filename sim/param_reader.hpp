// Reads a parameter struct from a YAML node through the struct's `visit`
// list, checking types and ranges and collecting one InputProblem per
// mistake (unknown keys included) instead of stopping at the first.
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "trustsim/enums.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/params.hpp"

namespace trustsim::config {

// Where nodes came from: the scenario file, or a --set override.
struct Origins {
  std::string file;
  std::vector<std::pair<YAML::Node, SourceMark>> overrides;  // value node -> its origin

  SourceMark mark_of(const YAML::Node& node) const {
    for (const auto& [value, mark] : overrides)
      if (value.is(node)) return mark;
    const auto m = node.Mark();
    if (m.is_null()) return {file, 0, 0};
    return {file, m.line + 1, m.column + 1};
  }
};

// Values that replace (or add to) what the file says, by full key path:
// `--set KEY.PATH=VALUE` and an arm's overrides. Each must be consumed by a
// read, or it names a key that does not exist.
struct Overlay {
  std::map<std::string, YAML::Node> entries;
  std::set<std::string> consumed;
  bool has_prefix(const std::string& path) const {
    const auto it = entries.lower_bound(path + ".");
    const auto it2 = entries.lower_bound(path + "[");
    return (it != entries.end() && it->first.starts_with(path + ".")) ||
           (it2 != entries.end() && it2->first.starts_with(path + "["));
  }
};

struct Problems {
  std::vector<InputProblem> list;
  void add(SourceMark mark, std::string path, std::string message, std::string expected = {}) {
    list.push_back({std::move(mark), std::move(path), std::move(message), std::move(expected)});
  }
};

template <class E>
std::string names_of() {
  std::string text;
  for (auto n : EnumNames<E>::names) text += (text.empty() ? "" : ", ") + std::string(n);
  return text;
}

std::string describe_node(const YAML::Node& node);
// A mapping key as text; keys that are not scalars (e.g. `[a, b]: 1`) are
// described instead, so they are reported as unknown keys, never thrown on.
std::string key_text(const YAML::Node& key);
std::string join_path(const std::string& parent, const std::string& key);

class Reader {
 public:
  Reader(const YAML::Node& node, std::string path, const Origins& origins, Problems& problems,
         Overlay& overlay)
      : node_(node),
        path_(std::move(path)),
        origins_(origins),
        problems_(problems),
        overlay_(overlay) {}

  // Reads on top of values already in the struct (overrides of a default
  // list entry): nothing is required, an absent threshold keeps its value.
  Reader& over_defaults() {
    over_defaults_ = true;
    return *this;
  }

  // A key read elsewhere (e.g. `arms`): not reported as unknown.
  void skip(const char* key) { used_.insert(key); }

  // Reads `target` from this map node and reports keys nobody asked for.
  template <class S>
  void read_struct(S& target) {
    if (!node_.IsMap()) {
      problems_.add(origins_.mark_of(node_), path_, fmt::format("got {}", describe_node(node_)),
                    "a mapping of keys to values");
      return;
    }
    target.visit(*this);
    finish();
  }

  template <class T>
  void value(const char* key, T& field, Bound bound, const char* /*doc*/, bool required = false) {
    static_assert(std::is_same_v<T, double> || std::is_same_v<T, std::uint64_t>);
    const YAML::Node n = child(key, required, bound.expected);
    if (!n) return;
    const auto path = join_path(path_, key);
    double parsed = 0.0;
    if (!n.IsScalar() || !parse_number(n.Scalar(), parsed)) {
      problems_.add(origins_.mark_of(n), path, fmt::format("got {}", describe_node(n)),
                    bound.expected);
      return;
    }
    if (!(parsed >= bound.lo && parsed <= bound.hi)) {
      problems_.add(origins_.mark_of(n), path, fmt::format("{} is out of range", n.Scalar()),
                    bound.expected);
      return;
    }
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      // Whole numbers are parsed as integers: a seed must keep all 64 bits.
      std::uint64_t whole = 0;
      if (!parse_whole(n.Scalar(), whole)) {
        problems_.add(origins_.mark_of(n), path,
                      fmt::format("{} is not a whole number", n.Scalar()), bound.expected);
        return;
      }
      field = whole;
    } else {
      field = parsed;
    }
  }

  void flag(const char* key, bool& field, const char* doc);
  void text(const char* key, std::string& field, const char* doc);

  template <class E>
  void choice(const char* key, E& field, const char* /*doc*/, bool required = false) {
    const YAML::Node n = child(key, required, fmt::format("one of: {}", names_of<E>()));
    if (!n) return;
    if (auto e = parse_enum<E>(n, join_path(path_, key))) field = *e;
  }

  template <class E>
  void choices(const char* key, std::vector<E>& field, const char* /*doc*/,
               std::size_t min_items = 0) {
    const YAML::Node n = child(key, false);
    if (!n) return;
    const auto path = join_path(path_, key);
    if (!n.IsSequence() || n.size() < min_items) {
      problems_.add(origins_.mark_of(n), path, fmt::format("got {}", describe_node(n)),
                    fmt::format("a list of at least {} of: {}", min_items, names_of<E>()));
      return;
    }
    std::vector<E> out;
    bool ok = true;
    for (std::size_t i = 0; i < n.size(); ++i) {
      const auto item_path = fmt::format("{}[{}]", path, i);
      const auto e = parse_enum<E>(n[i], item_path);
      if (!e) {
        ok = false;
      } else if (std::find(out.begin(), out.end(), *e) != out.end()) {
        problems_.add(origins_.mark_of(n[i]), item_path,
                      fmt::format("'{}' is listed twice", enum_name(*e)), "each name once");
        ok = false;
      } else {
        out.push_back(*e);
      }
    }
    if (ok) field = std::move(out);
  }

  template <class E>
  void shares(const char* key, Shares<E>& field, const char* /*doc*/) {
    const YAML::Node n = child(key, false);
    if (!n) return;
    const auto path = join_path(path_, key);
    if (!n.IsMap()) {
      problems_.add(origins_.mark_of(n), path, fmt::format("got {}", describe_node(n)),
                    fmt::format("shares by name: {}", names_of<E>()));
      return;
    }
    Shares<E> out{};
    bool ok = reject_unknown_names<E>(n, path);
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::string name(EnumNames<E>::names[i]);
      const YAML::Node item = lookup(n, name, join_path(path, name));
      if (!item) continue;  // an absent name has share 0
      double share = 0.0;
      if (!item.IsScalar() || !parse_number(item.Scalar(), share) || share < 0.0 || share > 1.0) {
        problems_.add(origins_.mark_of(item), join_path(path, name),
                      fmt::format("got {}", describe_node(item)), bounds::kShare.expected);
        ok = false;
        continue;
      }
      out[i] = share;
    }
    if (!ok) return;
    double total = 0.0;
    for (double s : out) total += s;
    if (std::abs(total - 1.0) > 1e-6) {
      problems_.add(origins_.mark_of(n), path, fmt::format("shares sum to {:.6g}", total),
                    "shares that sum to 1");
      return;
    }
    field = out;
  }

  template <class S>
  void section(const char* key, S& field, const char* /*doc*/) {
    const YAML::Node n = child(key, false);
    if (!n) return;
    Reader(n, join_path(path_, key), origins_, problems_, overlay_).read_struct(field);
  }

  // A map of user-chosen names to structs (e.g. personas). Replaces the default.
  template <class S>
  void named(const char* key, std::vector<std::pair<std::string, S>>& field, const char* /*doc*/) {
    const YAML::Node n = child(key, false);
    if (!n) return;
    const auto path = join_path(path_, key);
    if (overlay_only(n, path)) {  // overrides of entries of the default mapping
      for (auto& [name, item] : field)
        Reader(YAML::Node(YAML::NodeType::Map), join_path(path, name), origins_, problems_,
               overlay_)
            .over_defaults()
            .read_struct(item);
      return;
    }
    if (!n.IsMap() || n.size() == 0) {
      problems_.add(origins_.mark_of(n), path, fmt::format("got {}", describe_node(n)),
                    "a non-empty mapping of names to settings");
      return;
    }
    std::vector<std::pair<std::string, S>> out;
    for (const auto& kv : n) {
      const auto name = key_text(kv.first);
      S item{};
      Reader(kv.second, join_path(path, name), origins_, problems_, overlay_).read_struct(item);
      out.emplace_back(name, item);
    }
    field = std::move(out);
  }

  // A list of structs (e.g. enforcement rules). Replaces the default list.
  template <class S>
  void list(const char* key, std::vector<S>& field, const char* /*doc*/) {
    const YAML::Node n = child(key, false);
    if (!n) return;
    const auto path = join_path(path_, key);
    if (overlay_only(n, path)) {  // overrides of entries of the default list
      for (std::size_t i = 0; i < field.size(); ++i)
        Reader(YAML::Node(YAML::NodeType::Map), fmt::format("{}[{}]", path, i), origins_, problems_,
               overlay_)
            .over_defaults()
            .read_struct(field[i]);
      return;
    }
    if (!n.IsSequence()) {
      problems_.add(origins_.mark_of(n), path, fmt::format("got {}", describe_node(n)), "a list");
      return;
    }
    std::vector<S> out(n.size());
    for (std::size_t i = 0; i < n.size(); ++i)
      Reader(n[i], fmt::format("{}[{}]", path, i), origins_, problems_, overlay_)
          .read_struct(out[i]);
    field = std::move(out);
  }

  // The policy entries (a list of maps, each with a `kind` naming a registered
  // policy kind and that kind's keys). Replaces the default list.
  void policies(const char* key, std::vector<PolicyEntry>& field, const char* doc);

  // One struct per enum value, keyed by the value's name; absent names keep defaults.
  template <class S, std::size_t N>
  void per_enum(const char* key, std::array<S, N>& field, const char* doc) {
    per_enum_impl(key, field, doc);
  }

  void numbers(const char* key, std::vector<double>& field, Bound bound, std::size_t min_items,
               std::size_t max_items, const char* doc);
  void threshold(Comparison& comparison, double& threshold, const char* doc);

 private:
  template <class S, std::size_t N>
  void per_enum_impl(const char* key, std::array<S, N>& field, const char*);

  YAML::Node child(const char* key, bool required, const std::string& expected = {});
  // The value at `map[key]` (full path `path`), an overlay entry replacing it,
  // or an empty mapping when only overlay entries below it exist.
  YAML::Node lookup(const YAML::Node& map, const std::string& key, const std::string& path);
  // True when `n` is the empty mapping lookup() makes for overrides below a
  // key that the file does not write: they then apply to the defaults.
  bool overlay_only(const YAML::Node& n, const std::string& path) const {
    return n.IsMap() && n.size() == 0 && n.Mark().is_null() && overlay_.has_prefix(path);
  }

  template <class E>
  bool reject_unknown_names(const YAML::Node& map, const std::string& path) {
    bool ok = true;
    for (const auto& kv : map)
      if (!enum_from_name<E>(key_text(kv.first))) {
        problems_.add(origins_.mark_of(kv.first), join_path(path, key_text(kv.first)),
                      "unknown name", fmt::format("one of: {}", names_of<E>()));
        ok = false;
      }
    return ok;
  }
  void finish();
  // Reads one policy entry's keys (its kind already known) from this map node.
  void read_policy_entry(PolicyEntry& entry);
  void name_policy_entries(std::vector<PolicyEntry>& entries, const std::string& path);
  static bool parse_number(const std::string& text, double& out);
  static bool parse_whole(const std::string& text, std::uint64_t& out);

  template <class E>
  std::optional<E> parse_enum(const YAML::Node& n, const std::string& path) {
    if (n.IsScalar())
      if (auto e = enum_from_name<E>(n.Scalar())) return e;
    problems_.add(origins_.mark_of(n), path, fmt::format("got {}", describe_node(n)),
                  fmt::format("one of: {}", names_of<E>()));
    return std::nullopt;
  }

  YAML::Node node_;
  std::string path_;
  const Origins& origins_;
  Problems& problems_;
  Overlay& overlay_;
  std::set<std::string> used_;
  bool over_defaults_ = false;
};

template <class S, std::size_t N>
void Reader::per_enum_impl(const char* key, std::array<S, N>& field, const char*) {
  using E = typename PerEnumKey<S>::type;
  const YAML::Node n = child(key, false);
  if (!n) return;
  const auto path = join_path(path_, key);
  if (!n.IsMap()) {
    problems_.add(origins_.mark_of(n), path, fmt::format("got {}", describe_node(n)),
                  fmt::format("settings by name: {}", names_of<E>()));
    return;
  }
  reject_unknown_names<E>(n, path);
  for (std::size_t i = 0; i < N; ++i) {
    const std::string name(EnumNames<E>::names[i]);
    const YAML::Node item = lookup(n, name, join_path(path, name));
    if (item)
      Reader(item, join_path(path, name), origins_, problems_, overlay_).read_struct(field[i]);
  }
}

}  // namespace trustsim::config
