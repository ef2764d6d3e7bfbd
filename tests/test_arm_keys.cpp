// Every key an arm may set takes effect. The walk test goes through the whole
// parameter table of the default world (every key of ModelParams but
// `population`, which arms may not change, and every key of the default
// policy entries), gives one arm another value for that key, and runs a small
// marketplace: the arm's outputs must differ from the baseline's, or the key
// must be refused, with the reason, when the scenario is read. A key an arm
// could set without effect is a silent no-op: an economist would read "no
// effect" where the engine ignored the change.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "policies/threshold_rule.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

// One key an arm may set, and another value for it (YAML text).
struct ArmKey {
  std::string path;
  std::string other;
  std::string with = "";  // more overrides the value needs to be valid ("KEY: VALUE, ...")
};

// Visits parameters like the scenario reader and lists each leaf key with a
// value far from its default (well inside its bounds), so that any effect
// the key has shows in a small run.
class KeyWalker {
 public:
  explicit KeyWalker(std::string prefix, std::vector<ArmKey>& keys)
      : prefix_(std::move(prefix)), keys_(keys) {}

  template <class T>
  void value(const char* key, T& field, Bound bound, const char*, bool = false) {
    const double v = static_cast<double>(field);
    double other;
    if (bound.hi <= 1.0)  // a probability or share: far from where it is
      other = v < 0.5 ? v + (1.0 - v) / 2.0 : v / 4.0;
    else if (v == 0.0)
      other = std::min(bound.hi, 1.0);
    else
      other = v * 3.0 <= bound.hi ? v * 3.0 : (v + bound.lo) / 2.0;
    if constexpr (std::is_integral_v<T>) {
      auto whole = static_cast<T>(std::llround(other));
      if (whole == field) whole = field + 1;
      add(key, fmt::format("{}", whole));
    } else {
      add(key, fmt::format("{:.17g}", other));
    }
  }
  void flag(const char* key, bool& field, const char*) { add(key, field ? "false" : "true"); }
  void text(const char*, std::string&, const char*) {}
  template <class E>
  void choice(const char* key, E& field, const char*, bool = false) {
    const auto next = (static_cast<std::size_t>(field) + 1) % enum_count<E>();
    add(key, std::string(EnumNames<E>::names[next]));
  }
  template <class E>
  void choices(const char* key, std::vector<E>& field, const char*, std::size_t = 0) {
    // Empty means "all" for channel lists: one value instead; a list: its last value alone,
    // or the other value.
    E one = field.empty() ? E{} : field.size() > 1 ? field.back() : field.front();
    if (field.size() == 1)
      one = static_cast<E>((static_cast<std::size_t>(one) + 1) % enum_count<E>());
    add(key, fmt::format("[{}]", enum_name(one)));
  }
  template <class E>
  void shares(const char*, Shares<E>&, const char*) {}  // population only
  template <class S>
  void section(const char* key, S& field, const char*) {
    KeyWalker sub(path(key), keys_);
    field.visit(sub);
  }
  template <class S>
  void named(const char*, std::vector<std::pair<std::string, S>>&, const char*) {}
  template <class S, std::size_t N>
  void per_enum(const char* key, std::array<S, N>& field, const char* doc) {
    using E = typename PerEnumKey<S>::type;
    for (std::size_t i = 0; i < N; ++i)
      section(fmt::format("{}.{}", key, EnumNames<E>::names[i]).c_str(), field[i], doc);
  }
  void numbers(const char* key, std::vector<double>& field, Bound, std::size_t, std::size_t,
               const char*) {
    std::vector<double> flat(field.size(), field.empty() ? 1.0 : field.front());
    add(key, fmt::format("[{}]", fmt::join(flat, ", ")));
  }
  void threshold(Comparison& comparison, double& threshold, const char*) {
    add(std::string(enum_name(comparison)).c_str(), fmt::format("{:.17g}", threshold / 4.0));
  }
  void policies(const char* key, std::vector<PolicyEntry>& entries, const char*) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      ASSERT_EQ(entries[i].kind, "threshold_rule") << "the walk knows the default kinds";
      KeyWalker sub(fmt::format("{}[{}]", path(key), i), keys_);
      std::any_cast<EnforcementRule&>(entries[i].parameters).visit(sub);
    }
  }

 private:
  std::string path(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  void add(const char* key, std::string other) { keys_.push_back({path(key), std::move(other)}); }
  std::string prefix_;
  std::vector<ArmKey>& keys_;
};

std::vector<ArmKey> arm_keys() {
  std::vector<ArmKey> keys;
  ModelParams defaults;
  KeyWalker walker("", keys);
  defaults.visit(walker);
  std::erase_if(keys, [](const ArmKey& k) { return k.path.starts_with("population."); });
  // Keys whose effect shows only on the other side of their default: a
  // featured-offer floor below every seller's signal holds no one back, in
  // a 180-day run no seller goes 270 days without a sale, and a longer grace
  // changes nothing unless a seller stays in breach past the default's.
  // Others must change together with a partner to stay valid.
  for (auto& key : keys) {
    if (key.path == "ranking.featured_min_signal") key.other = "0.99";
    if (key.path == "seller_behaviour.no_sales_days") key.other = "7";
    if (key.path == "trust.churn_high_trust") key.other = "0.7";  // above churn_low_trust 0.5
    if (key.path.ends_with(".grace_days")) key.other = "1";
    if (key.path == "categories.standard.search_share") {
      key.other = "0.5";
      key.with = "'categories.heavy_bulky.search_share': 0.5";
    }
    if (key.path == "categories.heavy_bulky.search_share") {
      key.other = "0.3";
      key.with = "'categories.standard.search_share': 0.7";
    }
  }
  return keys;
}

// A small world where every channel, category, cohort and rule has sellers
// and orders: 400 sellers, 12k buyers, 60 days of warm-up, 120 of horizon.
std::string scenario_with_arm(const ArmKey& key) {
  return fmt::format(
      "name: arm-key-walk\n"
      "seed: 11\n"
      "warmup_days: 60\n"
      "horizon_days: 120\n"
      "replications: 1\n"
      "population:\n"
      "  sellers: {{count: 400, entry_per_day: 1}}\n"
      "  buyers: {{count: 12000, arrivals_per_day: 20}}\n"
      "outputs: {{cohorts: [tenure, channel, category, region, cs_provider]}}\n"
      "arms:\n"
      "  baseline: {{}}\n"
      "  changed: {{'{}': {}{}}}\n",
      key.path, key.other, key.with.empty() ? "" : ", " + key.with);
}

bool same_outputs(const ArmRun& a, const ArmRun& b) {
  return a.summary == b.summary && a.timeseries == b.timeseries && a.cohorts == b.cohorts;
}

// Keys copied into each seller when it is created (its order profile) act
// from an arm's first horizon day: the profile is made again when arms fork.
TEST(ArmKeys, OrderProfileKeysActWhenAnArmSetsThem) {
  for (const ArmKey key : {ArmKey{"channels.seller_fulfilled.cancel", "0.3"},
                           ArmKey{"channels.platform_fulfilled.late_delivery", "0.3"},
                           ArmKey{"orders.not_as_described", "0.2"},
                           ArmKey{"cs_providers.outsourced.response_24h", "0.1"},
                           ArmKey{"categories.heavy_bulky.damage_multiplier", "20"}}) {
    const auto scenario = load_scenario_text(scenario_with_arm(key), "walk.yaml");
    const auto task = run_task(scenario, TaskSpec{0, 0, 0});
    EXPECT_FALSE(same_outputs(task.arms[0], task.arms[1])) << key.path;
  }
}

TEST(ArmKeys, EveryKeyAnArmMaySetChangesTheResultsOrIsRefused) {
  const auto keys = arm_keys();
  ASSERT_GT(keys.size(), 140u);  // the walk reached the whole table (144 keys)
  std::vector<std::string> silent, refused;
  for (const auto& key : keys) {
    Scenario scenario;
    try {
      scenario = load_scenario_text(scenario_with_arm(key), "walk.yaml");
    } catch (const InputError& e) {
      // Refused: only because the key cannot act, and the message says why.
      const std::string message = e.what();
      EXPECT_NE(message.find("has no effect"), std::string::npos) << key.path << ": " << message;
      EXPECT_NE(message.find("arms.changed." + key.path), std::string::npos) << message;
      refused.push_back(key.path);
      continue;
    }
    const auto task = run_task(scenario, TaskSpec{0, 0, 0});
    ASSERT_EQ(task.arms.size(), 2u);
    if (same_outputs(task.arms[0], task.arms[1])) silent.push_back(key.path + ": " + key.other);
  }
  // The platform ships the platform-fulfilled channel's orders: its seller
  // shipment keys cannot act, and an arm may not set them.
  EXPECT_EQ(refused, (std::vector<std::string>{
                         "channels.platform_fulfilled.late_shipment",
                         "channels.platform_fulfilled.invalid_tracking",
                         "channels.platform_fulfilled.late_delivery_if_shipped_late"}));
  EXPECT_TRUE(silent.empty()) << "arms that set these keys change nothing:\n  "
                              << fmt::format("{}", fmt::join(silent, "\n  "));
}

// Arms edit the policies list by entry name: a key of an entry, a whole
// entry replaced, entries removed and added, without restating the list.
std::string scenario_with_arms(const std::string& arms) {
  return "name: arm-edits\nseed: 1\nwarmup_days: 10\nhorizon_days: 20\nreplications: 1\n"
         "population: {sellers: {count: 50}, buyers: {count: 500}}\narms:\n  baseline: {}\n" +
         arms;
}

std::vector<std::string> names_of(const ModelParams& model) {
  std::vector<std::string> names;
  for (const auto& e : model.policies) names.push_back(e.name + ":" + e.kind);
  return names;
}

TEST(ArmEdits, ArmsSetReplaceRemoveAndAddPolicyEntriesByName) {
  const auto scenario = load_scenario_text(
      scenario_with_arms(
          "  by_name: {policies.odr.above: 0.008}\n"
          "  by_index: {'policies[0].above': 0.008}\n"
          "  no_lsr: {policies-: late_shipment}\n"
          "  floor: {policies+: {kind: defect_count_rule, name: ebay, metric: order_defect_rate, "
          "above: 0.03}}\n"
          "  cancel_count: {policies.cancel: {kind: defect_count_rule, metric: "
          "cancel_rate, above: 0.05}, policies.odr.min_orders: 80}\n"),
      "edits.yaml");
  ASSERT_EQ(scenario.arms.size(), 6u);
  const auto& base = scenario.arms[0].model;
  EXPECT_EQ(names_of(base),
            (std::vector<std::string>{"odr:threshold_rule", "late_shipment:threshold_rule",
                                      "cancel:threshold_rule", "valid_tracking:threshold_rule"}));
  EXPECT_EQ(threshold_rule(scenario.arms[1].model, 0).threshold, 0.008);
  EXPECT_EQ(arm_differences(scenario).find("(no difference)"), std::string::npos);
  // A key by name and by place are the same key.
  EXPECT_EQ(threshold_rule(scenario.arms[2].model, 0).threshold, 0.008);
  EXPECT_EQ(names_of(scenario.arms[3].model),
            (std::vector<std::string>{"odr:threshold_rule", "cancel:threshold_rule",
                                      "valid_tracking:threshold_rule"}));
  EXPECT_EQ(names_of(scenario.arms[4].model).back(), "ebay:defect_count_rule");
  EXPECT_EQ(scenario.arms[4].model.policies.size(), 5u);
  const auto& replaced = scenario.arms[5].model;
  EXPECT_EQ(names_of(replaced)[2], "cancel:defect_count_rule");
  EXPECT_EQ(threshold_rule(replaced, 0).min_orders, 80u);
  // validate --print shows what each arm resolves to against the baseline.
  const auto shown = arm_differences(scenario);
  EXPECT_NE(shown.find("# arm 'by_name' resolves to the baseline with:\n#   policies.odr.above: "
                       "0.0080000000000000002\n"),
            std::string::npos)
      << shown;
  EXPECT_NE(shown.find("#   policies.ebay: {kind: defect_count_rule, name: ebay"),
            std::string::npos)
      << shown;
  EXPECT_NE(shown.find("#   policies.late_shipment: (removed)"), std::string::npos) << shown;
  // Every edited arm runs.
  const auto task = run_task(scenario, TaskSpec{0, 0, 0});
  EXPECT_EQ(task.arms.size(), 6u);
}

TEST(ArmEdits, EditsNamingNoEntryOrANameTwiceAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"  x: {policies.nope.above: 0.008}\n", "no policy entry is named 'nope'"},
      {"  x: {policies-: [cancel, nope]}\n", "no policy entry is named 'nope'"},
      {"  x: {policies.nope: {kind: threshold_rule, metric: cancel_rate}}\n",
       "no policy entry is named 'nope'"},
      {"  x: {policies+: {kind: threshold_rule, name: odr, metric: cancel_rate}}\n",
       "an entry named 'odr' is already in the list"},
      {"  x: {policies+: {kind: no_such_kind}}\n", "got 'no_such_kind'"},
  };
  for (const auto& [arm, message] : cases) {
    try {
      load_scenario_text(scenario_with_arms(arm), "edits.yaml");
      ADD_FAILURE() << "accepted: " << arm;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << arm << e.what();
      EXPECT_NE(std::string(e.what()).find("edits.yaml:"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("arms.x.policies"), std::string::npos) << e.what();
    }
  }
}

// False positives and negatives are judged against one reference standard
// for every arm. Judging changes no simulated path, only the count: against a
// looser standard (ODR 5% instead of 1%) the same suspensions include at least
// as many of sellers who meet it, and at least as few unacted sellers breach it.
TEST(ReferenceStandard, ArmsAreJudgedAgainstTheNamedArmsRules) {
  const std::string arms = "  loose: {policies.odr.above: 0.05}\n";
  auto text = scenario_with_arms(arms);
  text.replace(text.find("horizon_days: 20"), 16, "horizon_days: 120");
  text.replace(text.find("{count: 50}"), 11, "{count: 300}");
  text.replace(text.find("{count: 500}"), 12, "{count: 9000}");
  const auto strict = load_scenario_text(text, "reference.yaml");
  const auto loose = load_scenario_text("reference_standard: loose\n" + text, "reference.yaml");
  EXPECT_EQ(strict.reference_arm(), 0u);
  EXPECT_EQ(loose.reference_arm(), 1u);
  const auto a = run_task(strict, TaskSpec{0, 0, 0});
  const auto b = run_task(loose, TaskSpec{0, 0, 0});
  const auto& defs = summary_outcomes();
  auto at = [&](const char* name) {
    for (std::size_t m = 0; m < defs.size(); ++m)
      if (defs[m].name == name) return m;
    throw std::invalid_argument(name);
  };
  const auto fp = at("false_positive_suspensions"), fn = at("false_negative_sellers");
  for (std::size_t arm = 0; arm < 2; ++arm) {
    for (std::size_t m = 0; m < defs.size(); ++m)
      if (m != fp && m != fn)
        EXPECT_EQ(a.arms[arm].summary[m], b.arms[arm].summary[m]) << defs[m].name;
    EXPECT_LE(a.arms[arm].summary[fp], b.arms[arm].summary[fp]);
    EXPECT_GE(a.arms[arm].summary[fn], b.arms[arm].summary[fn]);
  }
  // The baseline's suspensions: some are of sellers between 1% and 5%.
  EXPECT_LT(a.arms[0].summary[fp], b.arms[0].summary[fp]);
  EXPECT_GT(a.arms[0].summary[at("suspensions")], 0.0);
}

TEST(ReferenceStandard, MustNameAnArm) {
  try {
    load_scenario_text("reference_standard: nope\n" + scenario_with_arms(""), "reference.yaml");
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("reference_standard: no arm is named 'nope'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace trustsim
