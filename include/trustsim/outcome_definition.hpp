// One outcome column: its name, unit and meaning, as the result file's
// lookups and column attributes carry them.
#pragma once

#include <string>

namespace trustsim {

struct OutcomeDefinition {
  std::string name;
  std::string unit;
  std::string description;
};

}  // namespace trustsim
