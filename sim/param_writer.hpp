// Writes parameter structs back out through their `visit` list: as YAML (the
// fully resolved scenario stored in every result file) and as a Markdown
// reference of keys, defaults and meanings (docs/scenario-reference.md).
#pragma once

#include <algorithm>

#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "policy_kinds.hpp"
#include "trustsim/enums.hpp"
#include "trustsim/params.hpp"

namespace trustsim::config {

// A user-chosen mapping key (an arm, a persona, an override path). YAML
// limits an implicit key to 1024 characters as written, and the emitter
// escapes control characters (4 characters each): a long key, or one with
// characters outside printable ASCII, is written as an explicit key
// ("? key"), so the resolved scenario always reads back.
inline void write_key(YAML::Emitter& out, const std::string& key) {
  const bool plain = key.size() <= 200 && std::all_of(key.begin(), key.end(),
                                                      [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!plain) out << YAML::LongKey;
  out << YAML::Key << key;
}

class YamlWriter {
 public:
  explicit YamlWriter(YAML::Emitter& out) : out_(out) {}

  template <class S>
  void write_struct(S& s) {
    out_ << YAML::BeginMap;
    s.visit(*this);
    out_ << YAML::EndMap;
  }

  template <class T>
  void value(const char* key, T& field, Bound, const char*, bool = false) {
    out_ << YAML::Key << key << YAML::Value << field;
  }
  void flag(const char* key, bool& field, const char*) {
    out_ << YAML::Key << key << YAML::Value << (field ? "true" : "false");
  }
  void text(const char* key, std::string& field, const char*) {
    out_ << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << field;
  }
  template <class E>
  void choice(const char* key, E& field, const char*, bool = false) {
    out_ << YAML::Key << key << YAML::Value << std::string(enum_name(field));
  }
  template <class E>
  void choices(const char* key, std::vector<E>& field, const char*, std::size_t = 0) {
    out_ << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (auto e : field) out_ << std::string(enum_name(e));
    out_ << YAML::EndSeq;
  }
  template <class E>
  void shares(const char* key, Shares<E>& field, const char*) {
    out_ << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (std::size_t i = 0; i < field.size(); ++i)
      out_ << YAML::Key << std::string(EnumNames<E>::names[i]) << YAML::Value << field[i];
    out_ << YAML::EndMap;
  }
  template <class S>
  void section(const char* key, S& field, const char*) {
    out_ << YAML::Key << key << YAML::Value;
    write_struct(field);
  }
  template <class S>
  void named(const char* key, std::vector<std::pair<std::string, S>>& field, const char*) {
    out_ << YAML::Key << key << YAML::Value << YAML::BeginMap;
    for (auto& [name, item] : field) {
      write_key(out_, name);
      out_ << YAML::Value;
      write_struct(item);
    }
    out_ << YAML::EndMap;
  }
  template <class S>
  void list(const char* key, std::vector<S>& field, const char*) {
    out_ << YAML::Key << key << YAML::Value << YAML::BeginSeq;
    for (auto& item : field) write_struct(item);
    out_ << YAML::EndSeq;
  }
  void policies(const char* key, std::vector<PolicyEntry>& field, const char*) {
    out_ << YAML::Key << key << YAML::Value << YAML::BeginSeq;
    for (auto& entry : field) {
      out_ << YAML::BeginMap << YAML::Key << "kind" << YAML::Value << entry.kind;
      out_ << YAML::Key << "name" << YAML::Value << entry.name;
      find_policy_kind(entry.kind)->write(*this, entry.parameters);
      out_ << YAML::EndMap;
    }
    out_ << YAML::EndSeq;
  }
  template <class S, std::size_t N>
  void per_enum(const char* key, std::array<S, N>& field, const char*) {
    using E = typename PerEnumKey<S>::type;
    out_ << YAML::Key << key << YAML::Value << YAML::BeginMap;
    for (std::size_t i = 0; i < N; ++i) {
      out_ << YAML::Key << std::string(EnumNames<E>::names[i]) << YAML::Value;
      write_struct(field[i]);
    }
    out_ << YAML::EndMap;
  }
  void numbers(const char* key, std::vector<double>& field, Bound, std::size_t, std::size_t,
               const char*) {
    out_ << YAML::Key << key << YAML::Value << YAML::Flow << field;
  }
  void threshold(Comparison& comparison, double& threshold, const char*) {
    out_ << YAML::Key << std::string(enum_name(comparison)) << YAML::Value << threshold;
  }

 private:
  YAML::Emitter& out_;
};

// Collects one Markdown table row per key: path, default, allowed values, meaning.
class ReferenceWriter {
 public:
  explicit ReferenceWriter(std::string prefix = {}) : prefix_(std::move(prefix)) {}
  std::vector<std::string> rows;

  template <class S>
  void write_struct(S& s) {
    s.visit(*this);
  }

  template <class T>
  void value(const char* key, T& field, Bound bound, const char* doc, bool required = false) {
    row(key, required ? "(required)" : fmt::format("{}", field), bound.expected, doc);
  }
  void flag(const char* key, bool& field, const char* doc) {
    row(key, field ? "true" : "false", "true or false", doc);
  }
  void text(const char* key, std::string& field, const char* doc) {
    row(key, field.empty() ? "\"\"" : field, "text", doc);
  }
  template <class E>
  void choice(const char* key, E& field, const char* doc, bool required = false) {
    row(key, required ? "(required)" : std::string(enum_name(field)), one_of<E>(), doc);
  }
  template <class E>
  void choices(const char* key, std::vector<E>& field, const char* doc, std::size_t = 0) {
    std::string d;
    for (auto e : field) d += (d.empty() ? "" : ", ") + std::string(enum_name(e));
    row(key, "[" + d + "]", "list of: " + one_of<E>(), doc);
  }
  template <class E>
  void shares(const char* key, Shares<E>& field, const char* doc) {
    std::string d;
    for (std::size_t i = 0; i < field.size(); ++i)
      d += fmt::format("{}{}: {}", i ? ", " : "", EnumNames<E>::names[i], field[i]);
    row(key, "{" + d + "}", "shares summing to 1", doc);
  }
  template <class S>
  void section(const char* key, S& field, const char*) {
    ReferenceWriter sub(path(key));
    field.visit(sub);
    rows.insert(rows.end(), sub.rows.begin(), sub.rows.end());
  }
  template <class S>
  void named(const char* key, std::vector<std::pair<std::string, S>>& field, const char* doc) {
    std::string d;
    for (auto& [name, item] : field) d += (d.empty() ? "" : ", ") + name;
    row(key, d, "mapping of names to settings", doc);
    S item{};
    section((std::string(key) + ".NAME").c_str(), item, doc);
  }
  template <class S>
  void list(const char* key, std::vector<S>& field, const char* doc) {
    row(key, fmt::format("{} entries", field.size()), "list", doc);
    S item = field.empty() ? S{} : field.front();
    section((std::string(key) + "[i]").c_str(), item, doc);
  }
  // The default entries, then each kind's keys under `KEY[i]`, after a row naming the kind.
  void policies(const char* key, std::vector<PolicyEntry>& field, const char* doc) {
    std::string kinds;
    for (const auto& entry : field) kinds += (kinds.empty() ? "" : ", ") + entry.kind;
    row(key, fmt::format("{} entries ({})", field.size(), kinds),
        "list of entries, each with a kind", doc);
    for (const auto& kind : policy_kinds()) {
      const auto prefix = path(key) + "[i]";
      rows.push_back(fmt::format("| `{}.kind` | `{}` | | {} |", prefix, kind.kind, kind.doc));
      rows.push_back(fmt::format(
          "| `{}.name` | `{}_i` | text, unique in the list | the entry's name: arms edit it as "
          "`policies.NAME...` |",
          prefix, kind.kind));
      ReferenceWriter sub(prefix);
      auto defaults = kind.defaults();
      kind.reference(sub, defaults);
      rows.insert(rows.end(), sub.rows.begin(), sub.rows.end());
    }
  }
  template <class S, std::size_t N>
  void per_enum(const char* key, std::array<S, N>& field, const char* doc) {
    using E = typename PerEnumKey<S>::type;
    for (std::size_t i = 0; i < N; ++i)
      section(fmt::format("{}.{}", key, EnumNames<E>::names[i]).c_str(), field[i], doc);
  }
  void numbers(const char* key, std::vector<double>& field, Bound bound, std::size_t, std::size_t,
               const char* doc) {
    row(key, fmt::format("[{}]", fmt::join(field, ", ")), bound.expected, doc);
  }
  void threshold(Comparison& comparison, double& threshold, const char* doc) {
    row(std::string(enum_name(comparison)).c_str(), fmt::format("{}", threshold),
        "above: RATE or below: RATE", doc);
  }

 private:
  template <class E>
  static std::string one_of() {
    std::string d;
    for (auto n : EnumNames<E>::names) d += (d.empty() ? "" : ", ") + std::string(n);
    return d;
  }
  std::string path(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  void row(const char* key, const std::string& def, const std::string& allowed, const char* doc) {
    rows.push_back(fmt::format("| `{}` | {} | {} | {} |", path(key), def, allowed, doc));
  }
  std::string prefix_;
};

}  // namespace trustsim::config
