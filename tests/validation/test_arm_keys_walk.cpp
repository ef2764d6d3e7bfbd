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

#include "../arm_world.hpp"
#include "policies/threshold_rule.hpp"
#include "trustsim/errors.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

using testing::ArmKey;
using testing::same_outputs;
using testing::scenario_with_arm;

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
    // Empty means "all" for a rule's scope lists: the last value alone instead (the
    // rule then leaves out the common values, heavy & bulky or cross-border sellers
    // being few); a list: its last value alone, or the other value.
    E one = field.empty()      ? static_cast<E>(enum_count<E>() - 1)
            : field.size() > 1 ? field.back()
                               : field.front();
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
  // Lists of structs the defaults leave empty (a rule's cohort thresholds):
  // nothing to walk; tests of their kind set them.
  template <class S>
  void list(const char*, std::vector<S>& field, const char*) {
    ASSERT_TRUE(field.empty()) << "the walk knows only empty lists of structs";
  }
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
  // changes nothing unless a seller stays in breach past the default's; a
  // rating window longer than the run shows the same feedback as a year's.
  // Others must change together with a partner to stay valid, and some act
  // only where another key lets them, which both arms then set: a decline's
  // shift needs declines, an evidence level a rule on evidence, a prior a
  // posterior rule, a repeat ladder reinstated sellers.
  for (auto& key : keys) {
    if (key.path == "seller_behaviour.decline_shift")
      key.both = "'seller_behaviour.decline_hazard': 0.01";
    if (key.path.starts_with("policies[")) {
      const auto entry = key.path.substr(0, key.path.find('.'));
      // A learned prior acts only on a posterior rule.
      if (key.path.ends_with(".learn_prior"))
        key.both = fmt::format("'{}.evidence': posterior", entry);
      // Percentile settings act only on a percentile rule.
      if (key.path.ends_with(".per_cohort") || key.path.ends_with(".recompute_schedule"))
        key.both = fmt::format("'{}.threshold_percentile': 90", entry);
      // A rule's own appeal acts on the sellers it suspends, with terms other
      // than the marketplace's.
      if (key.path.ends_with(".appeal")) {
        key.with = fmt::format("'{}.appeal_probability': 0.05", entry);
        key.both = fmt::format("'{}.ladder': [suspend]", entry);
      }
      if (key.path.ends_with(".appeal_probability") || key.path.ends_with(".appeal_days") ||
          key.path.ends_with(".reinstatement_probability"))
        key.both = fmt::format("'{}.ladder': [suspend], '{}.appeal': own", entry, entry);
      // Effort after reinstatement needs sellers the rule suspends to win their appeals.
      if (key.path.ends_with(".effort_after_reinstatement"))
        key.both = fmt::format(
            "'{0}.ladder': [suspend], '{0}.appeal': own, '{0}.appeal_probability': 1, "
            "'{0}.reinstatement_probability': 1, '{0}.appeal_days': 1",
            entry);
      // A repeat ladder needs suspended sellers to come back and breach again.
      if (key.path.ends_with(".repeat_ladder"))
        key.both = fmt::format(
            "'{}.ladder': [suspend], 'seller_behaviour.appeal_probability': 1, "
            "'seller_behaviour.reinstatement_probability': 1, 'seller_behaviour.appeal_days': 1",
            entry);
      if (key.path.ends_with(".evidence_level"))
        key.both = fmt::format("'{}.evidence': binomial_test", entry);
      if (key.path.ends_with(".prior_alpha") || key.path.ends_with(".prior_beta")) {
        key.both = fmt::format("'{}.evidence': posterior", entry);
        key.other = "200";  // a prior worth 200 orders: 3 is too weak to show in 120 days
      }
    }
    if (key.path == "ranking.featured_min_signal") key.other = "0.99";
    if (key.path == "seller_behaviour.no_sales_days") key.other = "7";
    if (key.path == "trust.churn_high_trust") key.other = "0.7";  // above churn_low_trust 0.5
    if (key.path.ends_with(".grace_days")) key.other = "1";
    // A breach of these rules' thresholds at their order floors already takes
    // 1-3 defective orders: a floor of 5 is the one that bites.
    if (key.path.ends_with(".min_defects")) key.other = "5";
    if (key.path == "signals.rating_window_weeks") key.other = "1";
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

TEST(ArmKeys, EveryKeyAnArmMaySetChangesTheResultsOrIsRefused) {
  const auto keys = arm_keys();
  ASSERT_GT(keys.size(), 140u);  // the walk reached the whole table (216 keys)
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

}  // namespace
}  // namespace trustsim
