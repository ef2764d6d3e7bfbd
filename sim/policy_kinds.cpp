// The built-in policy kinds, listed once: each kind's behaviour goes into the
// PolicyRegistry and its parameters into the scenario reader's and writers'
// table. Adding a kind: its own files under models/policies/, one line in
// for_each_kind below, and its tests.
#include "policy_kinds.hpp"

#include "param_reader.hpp"
#include "param_writer.hpp"
#include "policies/account_health.hpp"
#include "policies/defect_count_rule.hpp"
#include "policies/threshold_rule.hpp"
#include "trustsim/policy.hpp"

namespace trustsim {
namespace {

// Calls f.template operator()<Kind>() for every built-in kind, in the order
// the reference lists them.
template <class F>
void for_each_kind(F&& f) {
  f.template operator()<ThresholdRule>();
  f.template operator()<DefectCountRule>();
  f.template operator()<AccountHealth>();
}

}  // namespace

void register_builtin_policy_kinds(PolicyRegistry& registry) {
  for_each_kind([&]<class Kind>() {
    registry.add(std::string(Kind::kKind), [](const PolicyEntry& entry) {
      return std::make_unique<Kind>(
          std::any_cast<const typename Kind::Parameters&>(entry.parameters));
    });
  });
}

namespace config {

const std::vector<PolicyKindParameters>& policy_kinds() {
  static const std::vector<PolicyKindParameters> kinds = [] {
    std::vector<PolicyKindParameters> list;
    for_each_kind([&]<class Kind>() {
      using P = typename Kind::Parameters;
      list.push_back({std::string(Kind::kKind), Kind::kDoc, [] { return std::any(P{}); },
                      [](Reader& r, std::any& a) { std::any_cast<P&>(a).visit(r); },
                      [](YamlWriter& w, std::any& a) { std::any_cast<P&>(a).visit(w); },
                      [](ReferenceWriter& w, std::any& a) { std::any_cast<P&>(a).visit(w); },
                      [](const std::any& a, const ModelParams& m) {
                        return std::any_cast<const P&>(a).check(m);
                      }});
    });
    return list;
  }();
  return kinds;
}

const PolicyKindParameters* find_policy_kind(std::string_view kind) {
  for (const auto& k : policy_kinds())
    if (k.kind == kind) return &k;
  return nullptr;
}

std::string policy_kind_names() {
  std::string names;
  for (const auto& k : policy_kinds()) names += (names.empty() ? "" : ", ") + k.kind;
  return names;
}

}  // namespace config
}  // namespace trustsim
