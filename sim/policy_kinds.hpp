// What the scenario reader and writers know of each policy kind: its name,
// what it does, its default parameters, and its parameter list (the kind's
// own `visit`) run by the reader, the YAML writer and the reference writer.
// The kinds themselves live in models/policies/; sim/policy_kinds.cpp lists
// them, once, for both this table and the behaviour registry.
#pragma once

#include <any>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "trustsim/params.hpp"

namespace trustsim::config {

class Reader;
class YamlWriter;
class ReferenceWriter;

struct PolicyKindParameters {
  std::string kind;
  std::string doc;
  std::function<std::any()> defaults;
  std::function<void(Reader&, std::any&)> read;
  std::function<void(YamlWriter&, std::any&)> write;
  std::function<void(ReferenceWriter&, std::any&)> reference;
  std::function<std::vector<KeyProblem>(const std::any&, const ModelParams&)> check;
};

const std::vector<PolicyKindParameters>& policy_kinds();
const PolicyKindParameters* find_policy_kind(std::string_view kind);
std::string policy_kind_names();  // "a, b, c"

}  // namespace trustsim::config
