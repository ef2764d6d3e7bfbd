// The shipped documentation stays in step with the code: the scenario
// reference is generated from the parameter lists, and the shipped
// scenarios load without a problem.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

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

// The shipped fitted values (scenarios/reference-world.fitted.yaml) laid
// over their calibration's scenario give the world the calibration ran: the
// scenario with each fitted key set to the fragment's value, nothing else
// changed (a persona written alone would replace the other personas).
TEST(Docs, ReferenceWorldFragmentIsTheCalibratedWorld) {
  const std::string dir = std::string(TRUSTSIM_SOURCE_DIR) + "/scenarios/";
  const auto text = read_file(dir + "calibrate-reference-world.yaml");
  const auto fragment = read_file(dir + "reference-world.fitted.yaml");
  const auto label = dir + "calibrate-reference-world.yaml";
  LoadOptions options;
  options.check_memory = false;
  const Scenario laid = load_scenario_text(lay_over(text, fragment, label), label, options);
  const YAML::Node values = YAML::Load(fragment);
  LoadOptions set = options;
  for (const auto& p : laid.settings.calibration.parameters) {
    YAML::Node node = values;
    std::string path;
    for (std::size_t start = 0; start <= p.key.size();) {
      const auto dot = std::min(p.key.find('.', start), p.key.size());
      const YAML::Node& at = node;
      node.reset(at[p.key.substr(start, dot - start)]);
      ASSERT_TRUE(node.IsDefined()) << p.key << " is not in the fragment";
      start = dot + 1;
    }
    set.set_overrides.push_back(p.key + "=" + node.as<std::string>());
  }
  EXPECT_EQ(set.set_overrides.size(), 11u);
  EXPECT_EQ(laid.resolved_yaml, load_scenario_text(text, label, set).resolved_yaml);
  EXPECT_EQ(laid.arms.front().model.population.buyers.personas.size(), 3u);
}

}  // namespace
}  // namespace trustsim
