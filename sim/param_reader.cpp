// Non-template parts of the YAML parameter reader.
#include "param_reader.hpp"

#include <charconv>

#include "policy_kinds.hpp"
#include "trustsim/text.hpp"

namespace trustsim::config {

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", one_line(node.Scalar(), 60));
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined value";
  }
}

std::string key_text(const YAML::Node& key) {
  return key.IsScalar() ? key.Scalar() : "<" + describe_node(key) + ">";
}

bool Reader::parse_whole(const std::string& text, std::uint64_t& out) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, last, out);
  if (ec == std::errc() && ptr == last) return true;
  // Also accept whole numbers written as decimals or exponents (2e3, 10.0).
  double x = 0.0;
  if (!parse_number(text, x) || x != std::floor(x) || x < 0.0 || x >= 0x1p53) return false;
  out = static_cast<std::uint64_t>(x);
  return true;
}

bool Reader::parse_number(const std::string& text, double& out) {
  // from_chars: locale-independent and strict (whole token must be a number).
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last && std::isfinite(out);
}

YAML::Node Reader::lookup(const YAML::Node& map, const std::string& key, const std::string& path) {
  if (auto it = overlay_.entries.find(path); it != overlay_.entries.end()) {
    overlay_.consumed.insert(path);
    return it->second;
  }
  if (map.IsMap()) {
    const YAML::Node& const_map = map;  // const access: a missing key is not inserted
    YAML::Node n = const_map[key];
    if (n.IsDefined()) return n;
  }
  if (overlay_.has_prefix(path)) return YAML::Node(YAML::NodeType::Map);
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node Reader::child(const char* key, bool required, const std::string& expected) {
  used_.insert(key);
  YAML::Node n = lookup(node_, key, join_path(path_, key));
  if (!n.IsDefined()) {
    if (required && !over_defaults_)
      problems_.add(origins_.mark_of(node_), join_path(path_, key), "missing required value",
                    expected);
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return n;
}

void Reader::finish() {
  std::string known;
  for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
  std::set<std::string> seen;
  for (const auto& kv : node_) {
    const auto key = key_text(kv.first);
    if (!seen.insert(key).second) {
      // yaml-cpp keeps the first of duplicate keys silently: refuse instead.
      problems_.add(origins_.mark_of(kv.first), join_path(path_, key),
                    "duplicate key (an earlier line sets it too)", "each key once per mapping");
    } else if (!used_.count(key)) {
      problems_.add(origins_.mark_of(kv.first), join_path(path_, key), "unknown key",
                    "one of: " + known);
    }
  }
}

void Reader::flag(const char* key, bool& field, const char*) {
  const YAML::Node n = child(key, false);
  if (!n) return;
  if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
    field = n.Scalar() == "true";
    return;
  }
  problems_.add(origins_.mark_of(n), join_path(path_, key), fmt::format("got {}", describe_node(n)),
                "true or false");
}

void Reader::text(const char* key, std::string& field, const char*) {
  const YAML::Node n = child(key, false);
  if (!n) return;
  if (n.IsScalar()) {
    field = n.Scalar();
    return;
  }
  problems_.add(origins_.mark_of(n), join_path(path_, key), fmt::format("got {}", describe_node(n)),
                "text");
}

void Reader::numbers(const char* key, std::vector<double>& field, Bound bound,
                     std::size_t min_items, std::size_t max_items, const char*) {
  const YAML::Node n = child(key, false);
  if (!n) return;
  const auto path = join_path(path_, key);
  const auto expected = fmt::format("a list of {} to {} {}", min_items, max_items, bound.expected);
  if (!n.IsSequence() || n.size() < min_items || n.size() > max_items) {
    problems_.add(origins_.mark_of(n), path, fmt::format("got {}", describe_node(n)), expected);
    return;
  }
  std::vector<double> out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    double x = 0.0;
    if (!n[i].IsScalar() || !parse_number(n[i].Scalar(), x) || x < bound.lo || x > bound.hi) {
      problems_.add(origins_.mark_of(n[i]), fmt::format("{}[{}]", path, i),
                    fmt::format("got {}", describe_node(n[i])), bound.expected);
      return;
    }
    out.push_back(x);
  }
  field = std::move(out);
}

void Reader::threshold(Comparison& comparison, double& threshold, const char*) {
  used_.insert("above");
  used_.insert("below");
  const YAML::Node above = lookup(node_, "above", join_path(path_, "above"));
  const YAML::Node below = lookup(node_, "below", join_path(path_, "below"));
  if (over_defaults_ && !above.IsDefined() && !below.IsDefined()) return;
  if (above.IsDefined() == below.IsDefined()) {
    problems_.add(origins_.mark_of(node_), join_path(path_, "above"),
                  above.IsDefined() ? "both 'above' and 'below' given" : "missing threshold",
                  "exactly one of 'above: RATE' or 'below: RATE'");
    return;
  }
  const YAML::Node n = above.IsDefined() ? above : below;
  double x = 0.0;
  if (!n.IsScalar() || !parse_number(n.Scalar(), x) || x < 0.0 || x > 1.0) {
    problems_.add(origins_.mark_of(n), join_path(path_, above.IsDefined() ? "above" : "below"),
                  fmt::format("got {}", describe_node(n)), "a rate between 0 and 1");
    return;
  }
  comparison = above.IsDefined() ? Comparison::kAbove : Comparison::kBelow;
  threshold = x;
}

void Reader::read_policy_entry(PolicyEntry& entry) {
  used_.insert("kind");
  text("name", entry.name, "");
  const auto* kind = find_policy_kind(entry.kind);
  if (kind == nullptr) return;  // reported by the caller
  if (!node_.IsMap()) {
    problems_.add(origins_.mark_of(node_), path_, fmt::format("got {}", describe_node(node_)),
                  "a mapping with a kind and that kind's keys");
    return;
  }
  kind->read(*this, entry.parameters);
  finish();
}

// Gives unnamed entries their default name and reports a name used twice.
void Reader::name_policy_entries(std::vector<PolicyEntry>& entries, const std::string& path) {
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (entries[i].name.empty()) entries[i].name = fmt::format("{}_{}", entries[i].kind, i);
  for (std::size_t i = 0; i < entries.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (entries[j].name == entries[i].name) {
        const YAML::Node n = child(path.substr(path.rfind('.') + 1).c_str(), false);
        problems_.add(origins_.mark_of(n), fmt::format("{}[{}].name", path, i),
                      fmt::format("'{}' also names {}[{}]", entries[i].name, path, j),
                      "a name no other entry of the list has");
        break;
      }
}

void Reader::policies(const char* key, std::vector<PolicyEntry>& field, const char* /*doc*/) {
  const YAML::Node n = child(key, false);
  if (!n) return;
  const auto path = join_path(path_, key);
  const auto expected = fmt::format(
      "a list of policy entries, each a mapping with kind: one of {} and that kind's keys",
      policy_kind_names());
  if (overlay_only(n, path)) {  // overrides of entries of the default list
    for (std::size_t i = 0; i < field.size(); ++i)
      Reader(YAML::Node(YAML::NodeType::Map), fmt::format("{}[{}]", path, i), origins_, problems_,
             overlay_)
          .over_defaults()
          .read_policy_entry(field[i]);
    return;
  }
  if (n.IsMap() && n["enforcement"]) {
    problems_.add(origins_.mark_of(n), path,
                  "'policies: enforcement: [...]' is the old form: policies is now a list of "
                  "entries, each with a kind (policies.enforcement[i] is now policies[i], with "
                  "kind: threshold_rule)",
                  expected);
    return;
  }
  if (!n.IsSequence()) {
    problems_.add(origins_.mark_of(n), path, fmt::format("got {}", describe_node(n)), expected);
    return;
  }
  std::vector<PolicyEntry> out;
  bool ok = true;
  for (std::size_t i = 0; i < n.size(); ++i) {
    Reader entry_reader(n[i], fmt::format("{}[{}]", path, i), origins_, problems_, overlay_);
    const YAML::Node kind_node =
        n[i].IsMap() ? entry_reader.child("kind", true, "one of: " + policy_kind_names())
                     : YAML::Node(YAML::NodeType::Undefined);
    if (!n[i].IsMap()) {
      problems_.add(origins_.mark_of(n[i]), entry_reader.path_,
                    fmt::format("got {}", describe_node(n[i])),
                    "a mapping with a kind and that kind's keys");
      ok = false;
      continue;
    }
    if (!kind_node) {
      ok = false;
      continue;
    }
    const auto* kind = kind_node.IsScalar() ? find_policy_kind(kind_node.Scalar()) : nullptr;
    if (kind == nullptr) {
      problems_.add(origins_.mark_of(kind_node), entry_reader.path_ + ".kind",
                    fmt::format("got {}", describe_node(kind_node)),
                    "one of: " + policy_kind_names());
      ok = false;
      continue;
    }
    PolicyEntry entry{kind->kind, kind->defaults()};
    entry_reader.read_policy_entry(entry);
    out.push_back(std::move(entry));
  }
  name_policy_entries(out, path);
  if (ok) field = std::move(out);
}

}  // namespace trustsim::config
