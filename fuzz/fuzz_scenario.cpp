// libFuzzer target: arbitrary bytes as scenario YAML text, loaded as `trustsim run` and
// `trustsim validate` load a scenario file (include/trustsim/scenario.hpp).
//
// Input layout: leading lines of the form "#set KEY.PATH=VALUE" each add one `--set` override
// and a leading "#replications N" line sets `--replications`; being YAML comments, they leave
// the document itself (and its line numbers) unchanged. Everything is also parsed as YAML.
//
// InputError is the expected outcome for bad input. Anything else escaping the loader
// (RunError, std::bad_alloc, any other exception) aborts, so libFuzzer reports it. A scenario
// that loads must load again from its own resolved YAML, to the same resolved YAML.
// check_memory stays on: a huge population is refused, never allocated.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/scenario.hpp"

namespace {

constexpr std::string_view kSetPrefix = "#set ";
constexpr std::string_view kReplicationsPrefix = "#replications ";
constexpr std::size_t kMaxOverrides = 8;

// Reads the leading "#set ..." and "#replications ..." lines into `options`.
void read_overrides(std::string_view text, trustsim::LoadOptions& options) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(kSetPrefix) && options.set_overrides.size() < kMaxOverrides) {
      options.set_overrides.emplace_back(line.substr(kSetPrefix.size()));
    } else if (line.starts_with(kReplicationsPrefix)) {
      const std::string digits(line.substr(kReplicationsPrefix.size()));
      char* stop = nullptr;
      const unsigned long long value = std::strtoull(digits.c_str(), &stop, 10);
      // The CLI only accepts 1..1000000 (CLI::Range), before the loader sees it.
      if (stop != digits.c_str() && value >= 1 && value <= 1000000) options.replications = value;
    } else {
      return;
    }
    if (end == std::string_view::npos) return;
    text.remove_prefix(end + 1);
  }
}

std::optional<trustsim::Scenario> load(const std::string& text,
                                       const trustsim::LoadOptions& options) {
  std::optional<trustsim::Scenario> scenario;
  trustsim::fuzz::only_input_errors("fuzz_scenario", [&] {
    scenario = trustsim::load_scenario_text(text, "fuzz.yaml", options);
  });
  return scenario;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  trustsim::LoadOptions options;
  options.check_memory = true;
  read_overrides(text, options);

  const auto scenario = load(text, options);
  if (!scenario) return 0;

  // Round trip: the resolved YAML is a complete scenario with the overrides applied.
  trustsim::LoadOptions plain;
  plain.check_memory = true;
  const auto again = load(scenario->resolved_yaml, plain);
  if (!again)
    trustsim::fuzz::fail("fuzz_scenario", "resolved YAML does not load again",
                         scenario->resolved_yaml);
  if (again->resolved_yaml != scenario->resolved_yaml)
    trustsim::fuzz::fail("fuzz_scenario", "resolved YAML changes when loaded again",
                         scenario->resolved_yaml);
  return 0;
}
