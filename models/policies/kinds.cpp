// The built-in policy kinds: one line per kind, its register function from
// its own file under models/policies/.
#include "threshold_rule.hpp"

namespace trustsim {

void register_builtin_policy_kinds(PolicyRegistry& registry) { register_threshold_rule(registry); }

}  // namespace trustsim
