// The shipped documentation stays in step with the code: the scenario
// reference is generated from the parameter lists, and the shipped
// scenarios load without a problem.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Docs, ScenarioReferenceIsUpToDate) {
  const std::string path = std::string(TRUSTSIM_SOURCE_DIR) + "/docs/scenario-reference.md";
  EXPECT_EQ(read_file(path), scenario_reference_markdown())
      << "regenerate: build/release/trustsim validate --reference > docs/scenario-reference.md";
}

TEST(Docs, ShippedScenariosAreValid) {
  for (const char* name : {"quickstart.yaml", "bench.yaml"}) {
    LoadOptions options;
    options.check_memory = false;  // bench.yaml's size is checked where it runs
    EXPECT_NO_THROW(load_scenario(std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios/" + name, options))
        << name;
  }
}

}  // namespace
}  // namespace trustsim
