// Scenario loading: YAML text -> validated Scenario with one model per arm.
//
// The file is read once; `--set` overrides and each arm's overrides are an
// overlay of key paths consulted while reading, so every value keeps the
// file position (or command-line argument) it came from for error messages.
#include "trustsim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include <unistd.h>

#include "param_reader.hpp"
#include "param_writer.hpp"
#include "policy_kinds.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/replication_plan.hpp"
#include "trustsim/sweep_design.hpp"
#include "trustsim/text.hpp"

namespace trustsim {
namespace {

using config::Origins;
using config::Overlay;
using config::Problems;
using config::Reader;

// Keys an arm may not override: arms share one marketplace and one calendar.
constexpr std::string_view kFixedAcrossArms[] = {"name",
                                                 "description",
                                                 "seed",
                                                 "warmup_days",
                                                 "horizon_days",
                                                 "replications",
                                                 "population",
                                                 "outputs",
                                                 "arms",
                                                 "analysis",
                                                 "independent_arms",
                                                 "precision",
                                                 "sweep",
                                                 "reference_standard",
                                                 "calibration"};
// Keys a sweep may not vary: they define the experiment, not the marketplace.
constexpr std::string_view kFixedAcrossPoints[] = {"name",
                                                   "description",
                                                   "seed",
                                                   "warmup_days",
                                                   "horizon_days",
                                                   "replications",
                                                   "outputs",
                                                   "independent_arms",
                                                   "precision",
                                                   "sweep",
                                                   "analysis",
                                                   "arms",
                                                   "reference_standard",
                                                   "calibration"};

bool starts_with_key(const std::string& path, std::string_view key) {
  return path.starts_with(key) &&
         (path.size() == key.size() || path[key.size()] == '.' || path[key.size()] == '[');
}

// Semantic checks that span several values.
// The node at a key path ("a.b[2].c"), or the deepest node on the way that
// exists (the root when nothing does).
YAML::Node node_at(const YAML::Node& root, const std::string& path, bool* complete = nullptr) {
  YAML::Node node = root;
  if (complete) *complete = false;
  std::size_t start = 0;
  while (start < path.size()) {
    auto end = path.find_first_of(".[", start);
    const std::string key = path.substr(start, end == std::string::npos ? end : end - start);
    const YAML::Node& const_node = node;
    if (!key.empty()) {
      if (!node.IsMap() || !const_node[key].IsDefined()) return node;
      node.reset(const_node[key]);
    }
    while (end != std::string::npos && path[end] == '[') {
      const auto close = path.find(']', end);
      std::size_t index = 0;
      try {
        index = std::stoul(path.substr(end + 1, close - end - 1));
      } catch (const std::exception&) {
        return node;
      }
      const YAML::Node& list = node;
      if (close == std::string::npos || !node.IsSequence() || index >= node.size()) return node;
      node.reset(list[index]);
      end = close + 1 < path.size() ? close + 1 : std::string::npos;
    }
    if (end == std::string::npos) {
      if (complete) *complete = true;
      return node;
    }
    start = end + 1;
  }
  if (complete) *complete = true;
  return node;
}

// The position of the node at a key path, or of the deepest node on the way
// that the file writes.
SourceMark mark_at(const YAML::Node& root, const Origins& origins, const std::string& path) {
  return origins.mark_of(node_at(root, path));
}

void check_model(const ModelParams& m, const Origins& origins, const YAML::Node& root,
                 Problems& problems) {
  auto mark = [&](const std::string& path) { return mark_at(root, origins, path); };
  double persona_total = 0.0;
  for (const auto& [name, persona] : m.population.buyers.personas) persona_total += persona.share;
  if (std::abs(persona_total - 1.0) > 1e-6)
    problems.add(mark("population.buyers.personas"), "population.buyers.personas",
                 fmt::format("persona shares sum to {:.6g}", persona_total),
                 "shares that sum to 1");
  double search_total = 0.0;
  for (const auto& c : m.categories) search_total += c.search_share;
  if (std::abs(search_total - 1.0) > 1e-6)
    problems.add(mark("categories"), "categories",
                 fmt::format("search_share values sum to {:.6g}", search_total),
                 "shares that sum to 1");
  if (m.trust.churn_low_trust >= m.trust.churn_high_trust)
    problems.add(mark("trust.churn_low_trust"), "trust.churn_low_trust",
                 "the low-trust anchor is not below the high-trust anchor",
                 "churn_low_trust < churn_high_trust");
  if (m.trust.churn_hazard_low_trust <= 0.0 || m.trust.churn_hazard_high_trust <= 0.0)
    problems.add(mark("trust.churn_hazard_low_trust"), "trust.churn_hazard_low_trust",
                 "a churn hazard is zero", "hazards > 0 (log-linear interpolation)");
  // Negative, neutral and positive feedback share one draw: in each
  // situation their probabilities must leave room for silence.
  const auto& o = m.orders;
  const struct {
    const char* situation;
    const char* key;
    double total;
  } feedback[] = {
      {"a good order", "orders.positive_feedback",
       o.negative_feedback + o.neutral_feedback + o.positive_feedback},
      {"a resolved problem", "orders.positive_feedback_if_resolved",
       o.negative_feedback_if_resolved + o.neutral_feedback_if_problem +
           o.positive_feedback_if_resolved},
      {"an unresolved problem", "orders.neutral_feedback_if_problem",
       o.negative_feedback_if_problem + o.neutral_feedback_if_problem},
  };
  for (const auto& f : feedback)
    if (f.total > 1.0 + 1e-12)
      problems.add(
          mark(f.key), f.key,
          fmt::format("feedback probabilities after {} sum to {:.6g}", f.situation, f.total),
          "negative + neutral + positive feedback probabilities <= 1");
  for (std::size_t i = 0; i < m.policies.size(); ++i) {
    const auto* kind = config::find_policy_kind(m.policies[i].kind);
    for (const auto& p : kind->check(m.policies[i].parameters, m)) {
      const auto path = fmt::format("policies[{}].{}", i, p.key);
      problems.add(mark(path), path, p.message, p.expected);
    }
  }
}

struct ParsedDocument {
  YAML::Node root;
  Origins origins;
};

// The 1-based line and column of byte `offset` of `text`.
std::pair<int, int> line_and_column(std::string_view text, std::size_t offset) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// Every mapping key that appears twice in one mapping (YAML forbids it, yaml-cpp keeps both
// and a reader would silently take one), in document order.
// Deeper than any scenario: a walk stops here rather than run out of stack.
constexpr std::size_t kMaxScenarioDepth = 64;

// Repeated keys in any mapping, aliases that make a node contain itself
// (`a: &x {b: *x}`: yaml-cpp builds a cycle, which every later walk of the
// tree would follow for ever) and nesting deeper than kMaxScenarioDepth.
// Returns false when the tree cannot be walked safely (a cycle or too deep).
// `where`: the mark a problem with `node` is reported at (its key's, or its
// list's: an alias node carries its anchor's mark, not its own).
bool check_tree(const YAML::Node& node, const SourceMark& where, const Origins& origins,
                const std::string& path, Problems& problems, std::vector<YAML::Node>& ancestors) {
  if (!node.IsMap() && !node.IsSequence()) return true;
  for (const auto& a : ancestors)
    if (a.is(node)) {
      problems.add(where, path, "this alias refers to a mapping or list that contains it (a cycle)",
                   "an alias to a node outside itself, or the value written out");
      return false;
    }
  if (ancestors.size() >= kMaxScenarioDepth) {
    problems.add(where, path, fmt::format("nested more than {} levels deep", kMaxScenarioDepth),
                 "a scenario of the documented keys");
    return false;
  }
  ancestors.push_back(node);
  bool walkable = true;
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const auto key = config::key_text(kv.first);
      const auto child = config::join_path(path, key);
      if (kv.first.IsScalar() && !seen.insert(key).second)
        problems.add(origins.mark_of(kv.first), child, "this key appears twice in one mapping",
                     "each key once (YAML does not allow repeated keys)");
      const auto at = origins.mark_of(kv.first);
      walkable = check_tree(kv.first, at, origins, child, problems, ancestors) && walkable;
      walkable = walkable && check_tree(kv.second, at, origins, child, problems, ancestors);
      if (!walkable) break;
    }
  } else {
    for (std::size_t i = 0; i < node.size() && walkable; ++i)
      walkable =
          check_tree(node[i], where, origins, fmt::format("{}[{}]", path, i), problems, ancestors);
  }
  ancestors.pop_back();
  return walkable;
}

bool find_duplicate_keys(const YAML::Node& node, const Origins& origins, const std::string& path,
                         Problems& problems) {
  std::vector<YAML::Node> ancestors;
  return check_tree(node, origins.mark_of(node), origins, path, problems, ancestors);
}

ParsedDocument parse_document(const std::string& text, const std::string& label) {
  ParsedDocument doc;
  doc.origins.file = label;
  if (const auto bad = invalid_utf8_at(text); bad != std::string::npos) {
    const auto [line, column] = line_and_column(text, bad);
    throw InputError({InputProblem{
        {label, line, column},
        "",
        fmt::format("byte 0x{:02X} is not UTF-8 text", static_cast<unsigned char>(text[bad])),
        "a scenario saved as UTF-8 (YAML's encoding)"}});
  }
  try {
    doc.root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw InputError({InputProblem{
        {label, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax: " + e.msg, "valid YAML"}});
  }
  if (!doc.root.IsMap())
    throw InputError({InputProblem{{label, 1, 1},
                                   "",
                                   "the scenario is not a mapping of keys",
                                   "keys such as seed, population, policies, arms"}});
  Problems problems;
  find_duplicate_keys(doc.root, doc.origins, "", problems);
  if (!problems.list.empty()) throw InputError(problems.list);
  return doc;
}

// Every node of an included document remembers its file, line and column,
// so problems in it are reported there.
void mark_included(const YAML::Node& node, const std::string& file, Origins& origins) {
  const auto m = node.Mark();
  origins.overrides.emplace_back(
      node, m.is_null() ? SourceMark{file, 0, 0} : SourceMark{file, m.line + 1, m.column + 1});
  if (node.IsMap()) {
    for (const auto& kv : node) {
      mark_included(kv.first, file, origins);
      mark_included(kv.second, file, origins);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) mark_included(item, file, origins);
  }
}

// `over` laid on `base`: maps merge key by key, anything else replaces. New
// keys keep their own key nodes (and so their file positions).
void merge_into(YAML::Node base, const YAML::Node& over) {
  for (const auto& kv : over) {
    const auto key = config::key_text(kv.first);
    const YAML::Node& const_base = base;
    const YAML::Node existing = const_base[key];
    if (!existing.IsDefined())
      base.force_insert(kv.first, kv.second);
    else if (existing.IsMap() && kv.second.IsMap())
      merge_into(existing, kv.second);
    else
      base[key] = kv.second;
  }
}

constexpr int kMaxIncludeDepth = 8;

// `include: PATH` or `include: [PATH, ...]` (relative to the including file):
// the included documents, merged in order, lie beneath the including one.
// `chain` holds the files being included, to refuse a cycle.
void expand_includes(YAML::Node& root, const std::string& label, Origins& origins,
                     std::vector<std::string>& chain) {
  const YAML::Node& const_root = root;
  const YAML::Node include = const_root["include"];
  if (!include.IsDefined()) return;
  const auto refuse = [&](const YAML::Node& at, const std::string& why,
                          const std::string& expected) {
    throw InputError({InputProblem{origins.mark_of(at), "include", why, expected}});
  };
  std::vector<YAML::Node> entries;
  if (include.IsScalar()) {
    entries.push_back(include);
  } else if (include.IsSequence()) {
    for (const auto& item : include) entries.push_back(item);
  }
  for (const auto& entry : entries)
    if (!entry.IsScalar() || entry.Scalar().empty()) entries.clear();
  if (entries.empty())
    refuse(include, fmt::format("got {}", config::describe_node(include)),
           "a scenario file path, or a list of them, relative to this file");
  if (chain.size() > static_cast<std::size_t>(kMaxIncludeDepth))
    refuse(include, fmt::format("includes nested more than {} deep", kMaxIncludeDepth),
           "a shallower chain of included files");
  YAML::Node merged(YAML::NodeType::Map);
  for (const auto& entry : entries) {
    std::filesystem::path path = entry.Scalar();
    if (path.is_relative()) path = std::filesystem::path(label).parent_path() / path;
    const std::string file = path.lexically_normal().string();
    if (std::find(chain.begin(), chain.end(), file) != chain.end()) {
      std::string cycle;
      for (const auto& c : chain) cycle += c + " -> ";
      refuse(entry, "an include cycle: " + cycle + file, "files that do not include each other");
    }
    std::string text;
    try {
      text = read_scenario_text(path);
    } catch (const InputError& e) {
      refuse(entry, e.what(), "a readable scenario file");
    }
    auto doc = parse_document(text, file);
    mark_included(doc.root, file, origins);
    for (auto& o : doc.origins.overrides) origins.overrides.push_back(o);
    chain.push_back(file);
    expand_includes(doc.root, file, origins, chain);
    chain.pop_back();
    merge_into(merged, doc.root);
  }
  root.remove("include");
  merge_into(merged, root);
  root = merged;
}

// --set KEY.PATH=VALUE -> overlay entry; VALUE is YAML (0.008, [warn, suspend], ...).
void add_set_overrides(const std::vector<std::string>& sets, Overlay& overlay, Origins& origins,
                       Problems& problems) {
  for (const auto& arg : sets) {
    const SourceMark arg_mark{"--set '" + arg + "'", 1, 1};
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.add(arg_mark, "", eq == 0 ? "missing key path before '='" : "missing '='",
                   "--set KEY.PATH=VALUE");
      continue;
    }
    const auto path = arg.substr(0, eq);
    if (starts_with_key(path, "arms")) {
      problems.add(arg_mark, path, "arms cannot be changed with --set",
                   "a key path outside arms (it then applies to every arm)");
      continue;
    }
    if (const auto bad = invalid_utf8_at(arg); bad != std::string::npos) {
      problems.add(
          {arg_mark.file, 1, static_cast<int>(bad) + 1}, "",
          fmt::format("byte 0x{:02X} is not UTF-8 text", static_cast<unsigned char>(arg[bad])),
          "UTF-8 text");
      continue;
    }
    YAML::Node value;
    try {
      value = YAML::Load(arg.substr(eq + 1));
    } catch (const YAML::ParserException& e) {
      problems.add({arg_mark.file, 1, static_cast<int>(eq) + 2 + e.mark.column}, path,
                   "YAML syntax in value: " + e.msg, "a YAML value");
      continue;
    }
    if (!value.IsDefined() || value.IsNull()) value = YAML::Node(std::string());
    // A value whose aliases make a cycle (or nests absurdly deep) cannot be walked.
    if (Problems walk; !find_duplicate_keys(value, origins, path, walk)) {
      problems.add(arg_mark, path, walk.list.front().message, walk.list.front().expected);
      continue;
    }
    // Every node of the value points at its place in the --set argument, so a problem deep
    // inside a structured value names the --set, not the scenario file.
    const auto mark_all = [&](const auto& self, const YAML::Node& node) -> void {
      const auto m = node.Mark();
      const int column = static_cast<int>(eq) + 2 + (m.is_null() ? 0 : m.column);
      origins.overrides.emplace_back(node, SourceMark{arg_mark.file, 1, column});
      if (node.IsMap())
        for (const auto& kv : node) {
          self(self, kv.first);
          self(self, kv.second);
        }
      if (node.IsSequence())
        for (const auto& item : node) self(self, item);
    };
    mark_all(mark_all, value);
    find_duplicate_keys(value, origins, path, problems);
    overlay.entries[path] = value;
  }
}

void report_unconsumed(const Overlay& overlay, const Origins& origins, Problems& problems) {
  for (const auto& [path, value] : overlay.entries)
    if (!overlay.consumed.count(path))
      problems.add(origins.mark_of(value), path, "no such key or list entry to override",
                   "a key path such as policies[0].above");
}

ScenarioSettings read_settings(const YAML::Node& root, const Origins& origins, Overlay& overlay,
                               Problems& problems) {
  ScenarioSettings settings;
  Reader reader(root, "", origins, problems, overlay);
  reader.skip("arms");  // read separately by read_arms
  reader.read_struct(settings);
  return settings;
}

std::string emit_resolved(ScenarioSettings settings, const std::vector<Arm>& arms) {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << YAML::BeginMap;
  config::YamlWriter writer(out);
  settings.model = arms.front().model;
  settings.visit(writer);
  out << YAML::Key << "arms" << YAML::Value << YAML::BeginMap;
  for (const auto& arm : arms) {
    config::write_key(out, arm.name);
    out << YAML::Value << YAML::BeginMap;
    for (const auto& o : arm.overrides) {
      const auto eq = o.find('=');
      config::write_key(out, o.substr(0, eq));
      out << YAML::Value << YAML::Load(o.substr(eq + 1));
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

// A model's keys as YAML (the resolved scenario's form).
YAML::Node model_node(ModelParams model) {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << YAML::BeginMap;
  config::YamlWriter writer(out);
  model.visit(writer);
  out << YAML::EndMap;
  return YAML::Load(out.c_str());
}

std::string flow_text(const YAML::Node& node) {
  YAML::Node copy = YAML::Clone(node);
  copy.SetStyle(YAML::EmitterStyle::Flow);
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << copy;
  return out.c_str();
}

// Every leaf where `arm` differs from `base`, as "PATH: VALUE" lines. Policy
// entries are matched by name and written as arms edit them
// (policies.NAME.KEY, policies.NAME for an entry of another kind or added,
// "(removed)").
void differences(const YAML::Node& base, const YAML::Node& arm, const std::string& path,
                 std::vector<std::string>& out);

void entry_differences(const YAML::Node& base, const YAML::Node& arm, const std::string& path,
                       std::vector<std::string>& out) {
  auto find = [](const YAML::Node& list, const std::string& name) -> std::optional<YAML::Node> {
    for (const auto& e : list)
      if (e["name"] && e["name"].Scalar() == name) return YAML::Node(e);
    return std::nullopt;
  };
  for (const auto& e : arm) {
    const auto name = e["name"].Scalar();
    const auto before = find(base, name);
    const auto at = path + "." + name;
    if (!before || (*before)["kind"].Scalar() != e["kind"].Scalar())
      out.push_back(at + ": " + flow_text(e));
    else
      differences(*before, e, at, out);
  }
  for (const auto& e : base)
    if (!find(arm, e["name"].Scalar()))
      out.push_back(path + "." + e["name"].Scalar() + ": (removed)");
}

void differences(const YAML::Node& base, const YAML::Node& arm, const std::string& path,
                 std::vector<std::string>& out) {
  if (!base.IsDefined()) {  // a key the baseline does not write (a kind's own key)
    out.push_back(path + ": " + flow_text(arm));
    return;
  }
  if (base.IsMap() && arm.IsMap()) {
    for (const auto& kv : arm) {
      const auto key = kv.first.Scalar();
      const YAML::Node in_base = base[key];  // const access: undefined when absent
      differences(in_base, kv.second, path.empty() ? key : path + "." + key, out);
    }
    return;
  }
  if (path == "policies" && base.IsSequence() && arm.IsSequence()) {
    entry_differences(base, arm, path, out);
    return;
  }
  if (flow_text(base) != flow_text(arm)) out.push_back(path + ": " + flow_text(arm));
}

std::string node_text(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << YAML::Flow << node;
  return out.c_str();
}

// Keys whose value no order can ever read under `model`, with the reason: an
// arm that set one would run bit-identical to its baseline. A channel whose
// orders the platform ships has no late shipments and no tracking of the
// seller's: its late_shipment, invalid_tracking and
// late_delivery_if_shipped_late are never drawn.
std::optional<std::string> inert_key_reason(const ModelParams& model, const std::string& path) {
  constexpr std::string_view kPrefix = "channels.";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  const auto dot = path.find('.', kPrefix.size());
  if (dot == std::string::npos) return std::nullopt;
  const auto channel = path.substr(kPrefix.size(), dot - kPrefix.size());
  const auto field = path.substr(dot + 1);
  if (field != "late_shipment" && field != "invalid_tracking" &&
      field != "late_delivery_if_shipped_late")
    return std::nullopt;
  for (std::size_t c = 0; c < enum_count<Channel>(); ++c)
    if (EnumNames<Channel>::names[c] == channel && !model.channels[c].seller_ships)
      return fmt::format(
          "has no effect: the platform ships this channel's orders (channels.{}.seller_ships is "
          "false), so they have no late shipments or tracking of the seller's",
          channel);
  return std::nullopt;
}

// Every leaf key path an override sets ("channels: {x: {y: 1}}" sets channels.x.y).
void leaf_paths(const std::string& path, const YAML::Node& value,
                std::vector<std::pair<std::string, YAML::Node>>& out) {
  if (!value.IsMap()) {
    out.emplace_back(path, value);
    return;
  }
  for (const auto& kv : value) leaf_paths(path + "." + config::key_text(kv.first), kv.second, out);
}

// Refuses an arm's overrides of keys that cannot act under the arm's model.
void check_arm_keys_act(const Arm& arm, const YAML::Node& body, const Origins& origins,
                        Problems& problems) {
  std::vector<std::pair<std::string, YAML::Node>> leaves;
  for (const auto& o : body) leaf_paths(config::key_text(o.first), o.second, leaves);
  for (const auto& [path, node] : leaves)
    if (const auto why = inert_key_reason(arm.model, path))
      problems.add(origins.mark_of(node), "arms." + arm.name + "." + path,
                   fmt::format("the arm sets '{}', which {}", path, *why),
                   "a key that acts in this arm (or seller_ships: true in the same arm)");
}

// An arm's edits of the policies list by entry name: `policies.NAME.KEY`
// sets a key of the entry named NAME; `policies.NAME: {kind: ...}` replaces
// that entry; `policies-: NAME` (or a list of names) removes entries;
// `policies+: {kind: ...}` (or a list) appends entries. Key paths are
// translated to `policies[i].KEY` against the scenario's own list; whole
// entries are edited after the arm's keys are read: replacements, then
// removals, then additions.
struct PolicyEdits {
  std::vector<std::pair<std::string, YAML::Node>> replace;
  std::vector<std::pair<std::string, YAML::Node>> remove;  // name, its node
  std::vector<YAML::Node> add;

  // The overlay path for an arm key ("" when the key is a list edit kept here).
  std::string take(const std::string& key, const YAML::Node& value,
                   const std::vector<PolicyEntry>& base, const Origins& origins,
                   const std::string& arm, Problems& problems) {
    if (key == "policies-") {
      std::vector<YAML::Node> nodes;
      if (value.IsSequence())
        for (const auto& n : value) nodes.push_back(n);
      else
        nodes.push_back(value);
      for (const auto& n : nodes) remove.emplace_back(n.IsScalar() ? n.Scalar() : std::string(), n);
      return "";
    }
    if (key == "policies+") {
      if (value.IsSequence())
        for (const auto& n : value) add.push_back(n);
      else
        add.push_back(value);
      return "";
    }
    if (!key.starts_with("policies.")) return key;
    const auto rest = key.substr(std::string_view("policies.").size());
    const auto dot = rest.find('.');
    const auto name = rest.substr(0, dot);
    if (dot == std::string::npos) {
      replace.emplace_back(name, value);
      return "";
    }
    for (std::size_t i = 0; i < base.size(); ++i)
      if (base[i].name == name) return fmt::format("policies[{}]{}", i, rest.substr(dot));
    problems.add(origins.mark_of(value), "arms." + arm + "." + key,
                 fmt::format("no policy entry is named '{}'", name),
                 "the name of an entry of the scenario's policies: " + names(base));
    return "";
  }

  void apply(std::vector<PolicyEntry>& policies, const std::string& arm_path,
             const Origins& origins, Problems& problems) const {
    for (const auto& [name, node] : replace) {
      const auto at = find(policies, name);
      auto read = read_entries({node}, arm_path, "policies." + name, origins, problems);
      if (at == policies.size())
        problems.add(origins.mark_of(node), arm_path + ".policies." + name,
                     fmt::format("no policy entry is named '{}'", name),
                     "the name of an entry of the scenario's policies: " + names(policies));
      else if (read.size() == 1)
        policies[at] = std::move(read.front()), policies[at].name = name;
    }
    for (const auto& [name, node] : remove) {
      const auto at = find(policies, name);
      if (at == policies.size())
        problems.add(origins.mark_of(node), arm_path + ".policies-",
                     fmt::format("no policy entry is named '{}'", name),
                     "names of entries of the scenario's policies: " + names(policies));
      else
        policies.erase(policies.begin() + static_cast<std::ptrdiff_t>(at));
    }
    if (add.empty()) return;
    auto added = read_entries(add, arm_path, "policies+", origins, problems);
    for (std::size_t i = 0; i < added.size(); ++i) {
      if (!add[i]["name"]) added[i].name = fmt::format("{}_{}", added[i].kind, policies.size());
      for (const auto& entry : policies)
        if (entry.name == added[i].name)
          problems.add(origins.mark_of(add[i]), arm_path + ".policies+",
                       fmt::format("an entry named '{}' is already in the list", entry.name),
                       "a name no other entry of the list has");
      policies.push_back(std::move(added[i]));
    }
  }

 private:
  static std::size_t find(const std::vector<PolicyEntry>& policies, const std::string& name) {
    std::size_t at = 0;
    while (at < policies.size() && policies[at].name != name) ++at;
    return at;
  }
  static std::string names(const std::vector<PolicyEntry>& policies) {
    std::string text;
    for (const auto& e : policies) text += (text.empty() ? "" : ", ") + e.name;
    return text;
  }
  // Entries written in an arm, read as a policies list would be.
  // (problems name them ARM_PATH.KEY[i]...).
  static std::vector<PolicyEntry> read_entries(const std::vector<YAML::Node>& nodes,
                                               const std::string& arm_path, const std::string& key,
                                               const Origins& origins, Problems& problems) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& n : nodes) list.push_back(n);
    YAML::Node holder(YAML::NodeType::Map);
    holder[key] = list;
    Overlay none;
    std::vector<PolicyEntry> entries;
    Reader(holder, arm_path, origins, problems, none).policies(key.c_str(), entries, "");
    return entries;
  }
};

// `baseline_read` is true when the scenario's baseline was read with the
// same overlay (its problems are reported already).
std::vector<Arm> read_arms(const YAML::Node& root, const Origins& origins,
                           const Overlay& set_overlay, Problems& problems, bool baseline_read) {
  std::vector<Arm> arms;
  const YAML::Node& const_root = root;
  const YAML::Node arms_node = const_root["arms"];
  if (!arms_node.IsDefined()) {
    Overlay overlay = set_overlay;
    Problems baseline_problems;
    arms.push_back(
        {"baseline", read_settings(root, origins, overlay, baseline_problems).model, {}});
    if (!baseline_read) {
      report_unconsumed(overlay, origins, baseline_problems);
      check_model(arms.back().model, origins, root, baseline_problems);
      problems.list.insert(problems.list.end(), baseline_problems.list.begin(),
                           baseline_problems.list.end());
    }
    return arms;
  }
  if (!arms_node.IsMap() || arms_node.size() == 0) {
    problems.add(origins.mark_of(arms_node), "arms",
                 arms_node.IsMap() ? std::string("no arms given")
                                   : "got " + config::describe_node(arms_node),
                 "a mapping of arm names to overrides, the first being the baseline");
    return arms;
  }
  // The scenario's own policy entries (file and --set): arms name them.
  Overlay base_overlay = set_overlay;
  Problems base_problems;  // reported with the baseline
  const auto base_policies =
      read_settings(root, origins, base_overlay, base_problems).model.policies;
  for (const auto& kv : arms_node) {
    const auto arm_name = config::key_text(kv.first);
    Overlay overlay = set_overlay;
    Arm arm{arm_name, {}, {}};
    const auto& body = kv.second;
    if (!(body.IsMap() || body.IsNull())) {
      problems.add(origins.mark_of(body), "arms." + arm_name, "got " + config::describe_node(body),
                   "a mapping of KEY.PATH: VALUE overrides (or {} for none)");
      continue;
    }
    bool arm_ok = true;
    PolicyEdits edits;
    if (body.IsMap())
      for (const auto& o : body) {
        const auto key = config::key_text(o.first);
        arm.overrides.push_back(key + "=" + node_text(o.second));
        const auto path = edits.take(key, o.second, base_policies, origins, arm_name, problems);
        if (path.empty()) continue;  // an edit of the policies list, applied below
        for (auto fixed : kFixedAcrossArms)
          if (starts_with_key(path, fixed)) {
            problems.add(origins.mark_of(o.first), "arms." + arm_name + "." + path,
                         "arms share one marketplace and calendar; this key cannot differ",
                         "a policy, ranking, trust, channel or behaviour parameter");
            arm_ok = false;
          }
        overlay.entries[path] = o.second;
      }
    if (!arm_ok) continue;
    Problems arm_problems;
    arm.model = read_settings(root, origins, overlay, arm_problems).model;
    edits.apply(arm.model.policies, "arms." + arm_name, origins, arm_problems);
    report_unconsumed(overlay, origins, arm_problems);
    check_model(arm.model, origins, root, arm_problems);
    if (body.IsMap()) check_arm_keys_act(arm, body, origins, arm_problems);
    // Overrides are read against the whole file: say which arm a problem is in.
    for (auto& p : arm_problems.list) p.message += fmt::format(" in arm '{}'", arm_name);
    problems.list.insert(problems.list.end(), arm_problems.list.begin(), arm_problems.list.end());
    arms.push_back(std::move(arm));
  }
  return arms;
}

std::uint64_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<std::uint64_t>(pages) * page_size : 0;
}

void check_memory(const Scenario& scenario, const YAML::Node& root, const Origins& origins,
                  Problems& problems) {
  const auto estimate = estimate_memory(scenario);
  const auto tasks = ReplicationPlan(scenario).max_tasks();
  const auto results = estimate_results_memory(scenario, tasks);
  const auto available = available_memory_bytes();
  const double total = static_cast<double>(estimate.total_bytes) + static_cast<double>(results);
  if (available == 0 || total <= static_cast<double>(available)) return;
  constexpr double kGiB = 1u << 30;
  const auto what = fmt::format(
      "the run needs about {:.1f} GiB: {:.1f} GiB for the population ({} B per buyer, {} B "
      "per seller, all arms of a replication at once) and {:.1f} GiB on rank 0 for the results "
      "of up to {} tasks; {:.1f} GiB is available",
      total / kGiB, static_cast<double>(estimate.total_bytes) / kGiB, estimate.bytes_per_buyer,
      estimate.bytes_per_seller, static_cast<double>(results) / kGiB, tasks,
      static_cast<double>(available) / kGiB);
  if (results > estimate.total_bytes) {
    const auto key =
        scenario.settings.precision.targets.empty() ? "replications" : "precision.max_replications";
    problems.add(mark_at(root, origins, key), key, what,
                 "fewer replications or sweep points, or weekly time series");
  } else {
    problems.add(mark_at(root, origins, "population"), "population", what,
                 "a population that fits in memory");
  }
}

// Checks of the precision section against the arms.
void check_precision(const Scenario& scenario, bool replications_given, const YAML::Node& root,
                     const Origins& origins, Problems& problems) {
  auto mark = [&](const std::string& path) { return mark_at(root, origins, path); };
  const auto& precision = scenario.settings.precision;
  if (!precision.targets.empty()) {
    if (scenario.arms.size() < 2)
      problems.add(mark("precision.targets"), "precision.targets",
                   "precision targets concern differences to the baseline, but there is no "
                   "candidate arm",
                   "arms with at least one candidate besides the baseline");
    if (replications_given)
      problems.add({"--replications", 1, 1}, "replications",
                   "a fixed number of replications conflicts with precision targets",
                   "no --replications: precision.min_replications and max_replications decide");
    if (precision.min_replications > precision.max_replications)
      problems.add(mark("precision.min_replications"), "precision.min_replications",
                   fmt::format("{} is above max_replications = {}", precision.min_replications,
                               precision.max_replications),
                   "min_replications <= max_replications");
    for (std::size_t i = 0; i < precision.targets.size(); ++i) {
      const auto& t = precision.targets[i];
      const auto path = fmt::format("precision.targets[{}]", i);
      bool known = false;
      std::string names;
      for (const auto& d : summary_outcomes()) {
        known = known || t.metric == d.name;
        names += (names.empty() ? "" : ", ") + std::string(d.name);
      }
      if (!known)
        problems.add(mark("precision.targets"), path + ".metric",
                     fmt::format("unknown metric '{}'", t.metric), "one of: " + names);
      if (!t.arm.empty()) {
        std::size_t found = 0;
        for (std::size_t a = 0; a < scenario.arms.size(); ++a)
          if (scenario.arms[a].name == t.arm) found = a + 1;
        if (found <= 1)
          problems.add(mark("precision.targets"), path + ".arm",
                       found == 1 ? "the baseline has no difference to itself"
                                  : fmt::format("unknown arm '{}'", t.arm),
                       "the name of a candidate arm, or empty for every candidate");
      }
      if ((t.half_width > 0) == (t.relative_half_width > 0))
        problems.add(mark("precision.targets"), path,
                     t.half_width > 0 ? "both half_width and relative_half_width are given"
                                      : "no half_width or relative_half_width",
                     "exactly one of half_width (absolute) or relative_half_width (share of "
                     "the baseline mean), above 0");
    }
  }
}

// Checks shared by swept and calibrated parameters: `key` names a
// marketplace or policy parameter, is varied once (`earlier`: the keys varied
// before it) and no candidate arm overrides it (the value applies to every arm).
void check_varied_key(const Scenario& scenario, const std::string& key,
                      const std::vector<std::string>& earlier, const char* varied,
                      const SourceMark& mark, const std::string& path, Problems& problems) {
  if (key.empty())
    problems.add(mark, path + ".key", "no key path given",
                 "a scenario key path such as policies[0].above");
  for (auto fixed : kFixedAcrossPoints)
    if (starts_with_key(key, fixed))
      problems.add(mark, path + ".key",
                   fmt::format("'{}' defines the experiment and cannot be {}", key, varied),
                   "a marketplace or policy parameter");
  for (const auto& other : earlier)
    if (other == key)
      problems.add(mark, path + ".key", fmt::format("'{}' is {} twice", key, varied),
                   fmt::format("each key {} once", varied));
  for (std::size_t a = 1; a < scenario.arms.size(); ++a)
    for (const auto& o : scenario.arms[a].overrides) {
      const auto arm_key = o.substr(0, o.find('='));
      if (starts_with_key(arm_key, key) || starts_with_key(key, arm_key))
        problems.add(
            mark, path + ".key",
            fmt::format("arm '{}' also sets '{}'", scenario.arms[a].name, arm_key),
            fmt::format("a key no arm overrides (the value {} applies to every arm)", varied));
    }
}

// A [min, max] range that is not empty, and positive on a log scale.
void check_range(double min, double max, ParameterScale scale, const SourceMark& mark,
                 const std::string& path, Problems& problems) {
  if (!(min < max))
    problems.add(mark, path + ".max", fmt::format("the range [{}, {}] is empty", min, max),
                 "min < max");
  else if (scale == ParameterScale::kLog && min <= 0)
    problems.add(mark, path + ".min", fmt::format("{} on a log scale", min),
                 "min > 0 for scale: log");
}

// Checks of the sweep section against the arms; returns the number of sweep
// points (above kMaxSweepPoints when the design is too large).
std::uint64_t check_sweep(const Scenario& scenario, const YAML::Node& root, const Origins& origins,
                          Problems& problems) {
  auto mark = [&](const std::string& path) { return mark_at(root, origins, path); };
  const auto& sweep = scenario.settings.sweep;
  const bool sampled = sweep.design != SweepDesign::kGrid;
  if (!sweep.parameters.empty() && sampled &&
      sweep.points < (sweep.design == SweepDesign::kSaltelli ? 2u : 1u))
    problems.add(
        mark("sweep.points"), "sweep.points",
        fmt::format("{} points for a {} design", sweep.points, enum_name(sweep.design)),
        sweep.design == SweepDesign::kSaltelli ? "at least 2 base samples" : "at least 1 point");
  std::uint64_t grid_points = 1;
  for (std::size_t i = 0; i < sweep.parameters.size(); ++i) {
    const auto& p = sweep.parameters[i];
    const auto path = fmt::format("sweep.parameters[{}]", i);
    std::vector<std::string> earlier;
    for (std::size_t j = 0; j < i; ++j) earlier.push_back(sweep.parameters[j].key);
    check_varied_key(scenario, p.key, earlier, "swept", mark(path), path, problems);
    if (!sampled) {
      if (p.values.empty())
        problems.add(mark("sweep.parameters"), path + ".values", "no values for a grid design",
                     "a list of values");
      // Saturating: a product of many long value lists must not wrap around.
      grid_points =
          std::min(grid_points * std::max<std::uint64_t>(p.values.size(), 1), kMaxSweepPoints + 1);
    } else {
      if (!p.values.empty())
        problems.add(mark("sweep.parameters"), path + ".values",
                     fmt::format("values given for a {} design", enum_name(sweep.design)),
                     "min and max (a sampled design draws the values)");
      check_range(p.min, p.max, p.scale, mark(path), path, problems);
    }
  }
  if (!sampled && grid_points > kMaxSweepPoints)
    problems.add(mark("sweep.parameters"), "sweep.parameters",
                 "the grid has more than 10000 points (the product of the numbers of values)",
                 "at most 10000 points: fewer values, or a sampled design");
  if (sweep.design == SweepDesign::kSaltelli && !sweep.parameters.empty()) {
    const std::uint64_t points = sweep.points * (sweep.parameters.size() + 2);
    if (points > kMaxSweepPoints)
      problems.add(mark("sweep.points"), "sweep.points",
                   fmt::format("{} base samples x ({} parameters + 2) = {} points", sweep.points,
                               sweep.parameters.size(), points),
                   fmt::format("at most {} points: at most {} base samples for {} parameters",
                               kMaxSweepPoints, kMaxSweepPoints / (sweep.parameters.size() + 2),
                               sweep.parameters.size()));
  }
  return sweep.parameters.empty()                 ? 1
         : !sampled                               ? grid_points
         : sweep.design == SweepDesign::kSaltelli ? sweep.points * (sweep.parameters.size() + 2)
                                                  : sweep.points;
}

// Checks of the experiment sections (precision, sweep) against the arms, and
// of the number of tasks they make.
// `name` among `defs`; else a problem listing them.
bool known_column(const std::vector<OutcomeDefinition>& defs, const std::string& name,
                  const SourceMark& mark, const std::string& path, const char* table,
                  Problems& problems) {
  std::string names;
  for (const auto& d : defs) {
    if (d.name == name) return true;
    names += (names.empty() ? "" : ", ") + d.name;
  }
  problems.add(mark, path, fmt::format("unknown {} column '{}'", table, name), "one of: " + names);
  return false;
}

// One calibration moment: exactly one kind, with names the result tables have.
void check_moment(const Scenario& scenario, std::size_t i, const SourceMark& mark,
                  Problems& problems) {
  const auto& moments = scenario.settings.calibration.moments;
  const auto& m = moments[i];
  const auto path = fmt::format("calibration.moments[{}]", i);
  if (m.name.empty()) problems.add(mark, path + ".name", "no name given", "a moment name");
  for (std::size_t j = 0; j < i; ++j)
    if (moments[j].name == m.name && !m.name.empty())
      problems.add(mark, path + ".name", fmt::format("'{}' names two moments", m.name),
                   "a name of its own");
  const int kinds = !m.outcome.empty() + !m.series.empty() + !m.cohort.empty() + !m.panel.empty() +
                    !m.numerator.empty();
  if (kinds != 1)
    problems.add(mark, path,
                 kinds == 0 ? "says nothing to measure" : "says more than one thing to measure",
                 "exactly one of outcome, series, cohort (with column), panel or numerator "
                 "(with denominator)");
  if (!m.outcome.empty())
    known_column(summary_outcomes(), m.outcome, mark, path + ".outcome", "/summary", problems);
  if (!m.series.empty())
    known_column(timeseries_outcomes(), m.series, mark, path + ".series", "/timeseries", problems);
  if (m.reduce != SeriesReduce::kMean && m.series.empty())
    problems.add(mark, path + ".reduce",
                 fmt::format("reduce: {} without a series", enum_name(m.reduce)),
                 "reduce only with series");
  if (!m.cohort.empty()) {
    const auto labels = cohort_labels(scenario);
    if (std::find(labels.begin(), labels.end(), m.cohort) == labels.end()) {
      std::string names;
      for (const auto& l : labels) names += (names.empty() ? "" : ", ") + l;
      problems.add(
          mark, path + ".cohort", fmt::format("unknown cohort '{}'", m.cohort),
          names.empty() ? "outputs.cohorts naming the dimension first" : "one of: " + names);
    }
    known_column(cohort_outcomes(), m.column, mark, path + ".column", "/cohort_summary", problems);
  } else if (!m.column.empty()) {
    problems.add(mark, path + ".column", "column without a cohort", "column only with cohort");
  }
  if (!m.panel.empty()) {
    known_column(seller_panel_columns(), m.panel, mark, path + ".panel", "/panels/sellers",
                 problems);
    if (scenario.settings.outputs.seller_panel <= 0)
      problems.add(mark, path + ".panel", "a panel moment without a seller panel",
                   "outputs.seller_panel > 0");
  }
  if (m.numerator.empty() != m.denominator.empty())
    problems.add(mark, path, "a ratio needs both numerator and denominator",
                 "numerator and denominator, each the name of another moment");
  for (const auto* part : {&m.numerator, &m.denominator}) {
    if (part->empty()) continue;
    const auto it = std::find_if(moments.begin(), moments.end(),
                                 [&](const CalibrationMoment& o) { return o.name == *part; });
    if (it == moments.end() || &*it == &m || !it->numerator.empty())
      problems.add(mark, path + (part == &m.numerator ? ".numerator" : ".denominator"),
                   fmt::format("'{}' is not the name of another moment that is not a ratio", *part),
                   "the name of an outcome, series, cohort or panel moment");
  }
  if (m.fit && !(m.tolerance > 0))
    problems.add(mark, path + ".tolerance", fmt::format("{} for a fitted moment", m.tolerance),
                 "a tolerance > 0");
}

// The calibration section: parameters that name varied model keys, moments
// the result tables have, a search that can run.
void check_calibration(const Scenario& scenario, const YAML::Node& root, const Origins& origins,
                       Problems& problems) {
  auto mark = [&](const std::string& path) { return mark_at(root, origins, path); };
  const auto& c = scenario.settings.calibration;
  if (c.parameters.empty() && c.moments.empty()) return;
  if (c.parameters.empty() || c.moments.empty())
    problems.add(mark("calibration"), "calibration",
                 c.parameters.empty() ? "moments without parameters to fit"
                                      : "parameters without moments to fit them to",
                 "both calibration.parameters and calibration.moments");
  if (!scenario.settings.sweep.parameters.empty())
    problems.add(mark("calibration"), "calibration", "a calibration and a sweep in one scenario",
                 "one or the other: calibrate first, then sweep the calibrated world");
  std::vector<std::string> earlier;
  for (std::size_t i = 0; i < c.parameters.size(); ++i) {
    const auto& p = c.parameters[i];
    const auto path = fmt::format("calibration.parameters[{}]", i);
    check_varied_key(scenario, p.key, earlier, "calibrated", mark(path), path, problems);
    check_range(p.min, p.max, p.scale, mark(path), path, problems);
    if (!std::isnan(p.start) && !(p.start >= p.min && p.start <= p.max))
      problems.add(mark(path + ".start"), path + ".start",
                   fmt::format("{} is outside [{}, {}]", p.start, p.min, p.max),
                   "a start within [min, max]");
    earlier.push_back(p.key);
  }
  bool fitted = false;
  for (std::size_t i = 0; i < c.moments.size(); ++i) {
    check_moment(scenario, i, mark(fmt::format("calibration.moments[{}]", i)), problems);
    fitted = fitted || c.moments[i].fit;
  }
  if (!c.moments.empty() && !fitted)
    problems.add(mark("calibration.moments"), "calibration.moments", "no moment is fitted",
                 "at least one moment with fit: true");
  if (c.population == 1)
    problems.add(mark("calibration.population"), "calibration.population",
                 "1 candidate per generation", "0 (the default size) or at least 2");
}

void check_experiment(const Scenario& scenario, bool replications_given, const YAML::Node& root,
                      const Origins& origins, Problems& problems) {
  auto mark = [&](const std::string& path) { return mark_at(root, origins, path); };
  const auto& precision = scenario.settings.precision;
  check_precision(scenario, replications_given, root, origins, problems);
  check_calibration(scenario, root, origins, problems);
  const auto& reference = scenario.settings.reference_standard;
  if (!reference.empty() && scenario.arms[scenario.reference_arm()].name != reference) {
    std::string names;
    for (const auto& arm : scenario.arms) names += (names.empty() ? "" : ", ") + arm.name;
    problems.add(mark("reference_standard"), "reference_standard",
                 fmt::format("no arm is named '{}'", reference), "the name of an arm: " + names);
  }
  // Tasks: every point runs up to the most replications the experiment may ask for.
  const std::uint64_t points = check_sweep(scenario, root, origins, problems);
  const std::uint64_t replications =
      precision.targets.empty() ? scenario.settings.replications : precision.max_replications;
  if (points <= kMaxSweepPoints && points * replications > kMaxTasks)
    problems.add(mark(precision.targets.empty() ? "replications" : "precision.max_replications"),
                 precision.targets.empty() ? "replications" : "precision.max_replications",
                 fmt::format("{} points x {} replications = {} tasks", points, replications,
                             points * replications),
                 fmt::format("at most {} tasks in one experiment", kMaxTasks));
}

// The value text a sweep point gives a parameter (whole numbers without a
// decimal point, reals with 17 significant digits so they read back exactly).
std::string sweep_value_text(const SweepParameter& p, double value) {
  if (p.whole) return fmt::format("{}", static_cast<std::int64_t>(value));
  return fmt::format("{:.17g}", value);
}

// Every point's arm models: the arms read again with the point's values as
// overrides beneath each arm's own.
void expand_sweep(Scenario& scenario, const YAML::Node& root, Origins& origins,
                  const Overlay& set_overlay, Problems& problems) {
  const auto& sweep = scenario.settings.sweep;
  if (sweep.parameters.empty()) {
    SweepPoint point;
    for (const auto& arm : scenario.arms) point.arm_models.push_back(arm.model);
    scenario.points.push_back(std::move(point));
    return;
  }
  for (const auto& p : sweep.parameters)
    if (set_overlay.entries.count(p.key)) {
      problems.add(origins.mark_of(set_overlay.entries.at(p.key)), p.key,
                   "set with --set and swept by sweep.parameters", "one or the other");
      return;
    }
  const auto values = sweep_values(sweep);
  const SourceMark sweep_mark = mark_at(root, origins, "sweep.parameters");
  for (std::size_t pt = 0; pt < values.size(); ++pt) {
    Overlay overlay = set_overlay;
    for (std::size_t i = 0; i < sweep.parameters.size(); ++i) {
      const YAML::Node value(sweep_value_text(sweep.parameters[i], values[pt][i]));
      origins.overrides.emplace_back(value, sweep_mark);
      overlay.entries[sweep.parameters[i].key] = value;
    }
    Problems point_problems;
    auto arms = read_arms(root, origins, overlay, point_problems, false);
    if (!point_problems.list.empty()) {
      // One point's problems say it all: every point reads the same keys.
      for (auto& problem : point_problems.list)
        problem.message += fmt::format(" (sweep point {})", pt);
      problems.list.insert(problems.list.end(), point_problems.list.begin(),
                           point_problems.list.end());
      return;
    }
    SweepPoint point{values[pt], {}};
    for (auto& arm : arms) point.arm_models.push_back(std::move(arm.model));
    scenario.points.push_back(std::move(point));
  }
}

// Each calibrated key at its min, max and start, read as the arms would be
// (an unknown key, or a value the key does not allow, is refused now rather
// than mid-search); a start not given becomes the scenario's own value.
void resolve_calibration(Scenario& scenario, const YAML::Node& root, Origins& origins,
                         const Overlay& set_overlay, Problems& problems) {
  auto& c = scenario.settings.calibration;
  const YAML::Node baseline = model_node(scenario.arms.front().model);
  for (std::size_t i = 0; i < c.parameters.size(); ++i) {
    auto& p = c.parameters[i];
    const auto path = fmt::format("calibration.parameters[{}]", i);
    const SourceMark mark = mark_at(root, origins, path);
    if (std::isnan(p.start)) {
      bool complete = false;
      const YAML::Node node = node_at(baseline, p.key, &complete);
      double value = 0;
      char* end = nullptr;
      if (complete && node.IsScalar()) value = std::strtod(node.Scalar().c_str(), &end);
      if (!complete || !node.IsScalar() || end == node.Scalar().c_str() || *end != '\0') {
        problems.add(mark, path + ".key", fmt::format("'{}' is not a numeric model key", p.key),
                     "a key path to a number, e.g. orders.claim_if_unresolved");
        continue;
      }
      if (!(value >= p.min && value <= p.max)) {
        problems.add(
            mark, path + ".start",
            fmt::format("the scenario's value {} is outside [{}, {}]", value, p.min, p.max),
            "a range around the scenario's value, or a start");
        continue;
      }
      p.start = value;
    }
    for (const auto& [what, value] :
         {std::pair{"min", p.min}, {"max", p.max}, {"start", p.start}}) {
      Overlay overlay = set_overlay;
      const YAML::Node node(fmt::format("{:.17g}", value));
      origins.overrides.emplace_back(node, mark);
      overlay.entries[p.key] = node;
      Problems at_value;
      read_arms(root, origins, overlay, at_value, false);
      for (auto& problem : at_value.list) {
        problem.message += fmt::format(" ({}.{} = {})", path, what, value);
        problems.list.push_back(std::move(problem));
      }
      if (!at_value.list.empty()) break;
    }
  }
}

Scenario load(const std::string& text, const std::string& label, const LoadOptions& options) {
  auto doc = parse_document(text, label);
  std::vector<std::string> chain{std::filesystem::path(label).lexically_normal().string()};
  expand_includes(doc.root, label, doc.origins, chain);
  Problems problems;
  Overlay set_overlay;
  add_set_overrides(options.set_overrides, set_overlay, doc.origins, problems);
  if (!problems.list.empty()) throw InputError(problems.list);

  Overlay base_overlay = set_overlay;
  Scenario scenario;
  scenario.source_file = label;
  scenario.settings = read_settings(doc.root, doc.origins, base_overlay, problems);
  report_unconsumed(base_overlay, doc.origins, problems);
  if (options.replications) scenario.settings.replications = *options.replications;
  check_model(scenario.settings.model, doc.origins, doc.root, problems);
  if (!problems.list.empty()) throw InputError(problems.list);

  scenario.arms = read_arms(doc.root, doc.origins, set_overlay, problems, true);
  if (!problems.list.empty()) throw InputError(problems.list);
  scenario.settings.model = scenario.arms.front().model;
  check_experiment(scenario, options.replications.has_value(), doc.root, doc.origins, problems);
  if (!problems.list.empty()) throw InputError(problems.list);
  expand_sweep(scenario, doc.root, doc.origins, set_overlay, problems);
  if (!problems.list.empty()) throw InputError(problems.list);
  resolve_calibration(scenario, doc.root, doc.origins, set_overlay, problems);
  if (!problems.list.empty()) throw InputError(problems.list);
  if (options.check_memory) check_memory(scenario, doc.root, doc.origins, problems);
  if (!problems.list.empty()) throw InputError(problems.list);
  scenario.resolved_yaml = emit_resolved(scenario.settings, scenario.arms);
  return scenario;
}

}  // namespace

std::vector<std::vector<double>> sweep_values(const SweepParams& sweep) {
  std::vector<std::vector<double>> values;
  const auto& params = sweep.parameters;
  if (params.empty()) return values;
  if (sweep.design == SweepDesign::kGrid) {
    // Every combination; the first parameter varies slowest.
    std::size_t total = 1;
    for (const auto& p : params) total *= p.values.size();
    for (std::size_t point = 0; point < total; ++point) {
      std::vector<double> row(params.size());
      std::size_t rest = point;
      for (std::size_t i = params.size(); i-- > 0;) {
        row[i] = params[i].values[rest % params[i].values.size()];
        rest /= params[i].values.size();
      }
      values.push_back(std::move(row));
    }
    return values;
  }
  design::UnitPoints unit;
  switch (sweep.design) {
    case SweepDesign::kLatinHypercube:
      unit = design::latin_hypercube(sweep.points, params.size(), sweep.seed);
      break;
    case SweepDesign::kSobol:
      unit = design::sobol_sequence(sweep.points, params.size(), sweep.seed);
      break;
    case SweepDesign::kSaltelli:
      unit = design::saltelli_design(sweep.points, params.size(), sweep.seed);
      break;
    case SweepDesign::kGrid: break;
  }
  for (const auto& u : unit) {
    std::vector<double> row(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      const auto& p = params[i];
      double v = p.scale == ParameterScale::kLog ? p.min * std::pow(p.max / p.min, u[i])
                                                 : p.min + u[i] * (p.max - p.min);
      row[i] = p.whole ? std::clamp(std::round(v), std::ceil(p.min), std::floor(p.max))
                       : std::clamp(v, p.min, p.max);
    }
    values.push_back(std::move(row));
  }
  return values;
}

Scenario load_scenario_text(const std::string& yaml_text, const std::string& file_label,
                            const LoadOptions& options) {
  return load(yaml_text, file_label, options);
}

std::string read_scenario_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in || std::filesystem::is_directory(file))
    throw InputError(
        fmt::format("cannot read scenario '{}': {}", file.string(),
                    std::filesystem::exists(file) ? "not a readable file" : "no such file"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string self_contained_text(const std::string& text, const std::string& label) {
  auto doc = parse_document(text, label);
  const YAML::Node& root = doc.root;
  if (!root["include"].IsDefined()) return text;
  std::vector<std::string> chain{std::filesystem::path(label).lexically_normal().string()};
  expand_includes(doc.root, label, doc.origins, chain);
  YAML::Emitter out;
  out << doc.root;
  return std::string(out.c_str()) + "\n";
}

std::string lay_over(const std::string& base, const std::string& top, const std::string& label) {
  auto doc = parse_document(base, label);
  const auto over = parse_document(top, label + " (laid over)");
  merge_into(doc.root, over.root);
  YAML::Emitter out;
  out << doc.root;
  return std::string(out.c_str()) + "\n";
}

Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options) {
  return load(read_scenario_text(file), file.string(), options);
}

std::string scenario_reference_markdown() {
  ScenarioSettings defaults;
  config::ReferenceWriter writer;
  defaults.visit(writer);
  std::string md =
      "# Scenario reference\n\n"
      "Generated by `trustsim validate --reference`; do not edit by hand. Every key is\n"
      "optional except those marked (required). Defaults marked (src) in the\n"
      "description come from ../shared/reference (public policy standards and\n"
      "published effect sizes); the others are stylised and meant to be calibrated.\n\n"
      "`arms` maps arm names to overrides `KEY.PATH: VALUE` (the first arm is the\n"
      "baseline); `--set KEY.PATH=VALUE` on the command line applies to every arm.\n"
      "Arms may not change `population`, `seed`, the calendar or `outputs`.\n\n"
      "| key | default | allowed | meaning |\n|---|---|---|---|\n";
  for (const auto& row : writer.rows) md += row + "\n";
  return md;
}

std::string arm_differences(const Scenario& scenario) {
  std::string text;
  if (scenario.arms.empty()) return text;
  const auto base = model_node(scenario.arms.front().model);
  for (std::size_t a = 1; a < scenario.arms.size(); ++a) {
    std::vector<std::string> lines;
    differences(base, model_node(scenario.arms[a].model), "", lines);
    text += fmt::format("# arm '{}' resolves to the baseline with:\n", scenario.arms[a].name);
    if (lines.empty()) text += "#   (no difference)\n";
    for (const auto& line : lines) text += "#   " + line + "\n";
  }
  return text;
}

}  // namespace trustsim
