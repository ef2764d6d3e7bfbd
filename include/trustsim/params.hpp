// Model parameters: everything the marketplace model reads, with defaults and
// the reason for each default. Each struct lists its fields once, in
// `visit`, and that single list drives YAML reading and validation
// (sim/param_reader.cpp), the resolved-scenario writer (sim/param_writer.cpp)
// and the generated reference (docs/scenario-reference.md).
//
// Defaults marked (src) come from ../shared/reference: public marketplace
// standards and published effect sizes. Others are stylised choices that the
// calibration scenarios override; their doc strings say so.
#pragma once

#include <any>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trustsim/enums.hpp"

namespace trustsim {

// Allowed range of a number, and the phrase used in "(expected ...)".
struct Bound {
  double lo;
  double hi;
  const char* expected;
};

namespace bounds {
inline constexpr double kInf = 1e308;
inline constexpr Bound kProbability{0.0, 1.0, "a probability between 0 and 1"};
inline constexpr Bound kShare{0.0, 1.0, "a share between 0 and 1"};
inline constexpr Bound kOpenProbability{1e-12, 1.0 - 1e-12,
                                        "a probability strictly between 0 and 1"};
inline constexpr Bound kNonNegative{0.0, kInf, "a number >= 0"};
inline constexpr Bound kPositive{1e-300, kInf, "a number > 0"};
inline constexpr Bound kMultiplier{1.0, kInf, "a multiplier >= 1"};
inline constexpr Bound kAny{-kInf, kInf, "a number"};
inline constexpr Bound kDays{1.0, 3650.0, "a whole number of days from 1 to 3650"};
inline constexpr Bound kPercentile{0.0, 100.0, "a percentile from 0 to 100"};
inline constexpr Bound kDaysOrZero{0.0, 3650.0, "a whole number of days from 0 to 3650"};
inline constexpr Bound kCount{0.0, 4.0e9, "a whole number >= 0"};
inline constexpr Bound kPositiveCount{1.0, 4.0e9, "a whole number >= 1"};
}  // namespace bounds

// Shares over the values of an enum, e.g. {new: 0.2, established: 0.5, veteran: 0.3}.
// A distinct type (not an alias) so the enum can be deduced from it.
template <class E>
struct Shares : std::array<double, enum_count<E>()> {};

struct QualityParams {
  double factor_sd = 0.8;  // shared latent quality across defect types, logit scale
  double noise_sd = 0.3;   // idiosyncratic per defect type, logit scale
  // A tail of problem sellers: the few who cause a large share of defects
  // (calibration-targets.md, "skew of bad experiences").
  double problem_share = 0.0;
  double problem_shift = 2.0;
  template <class V>
  void visit(V& v) {
    v.value("factor_sd", factor_sd, bounds::kNonNegative,
            "sd of the seller quality factor shared by all defect types (logit scale); "
            "bad sellers are bad at several things");
    v.value("noise_sd", noise_sd, bounds::kNonNegative,
            "sd of idiosyncratic per-defect-type noise (logit scale)");
    v.value("problem_share", problem_share, bounds::kShare,
            "share of sellers who are problem sellers: their quality factor is shifted by "
            "problem_shift, so defects concentrate on a few sellers (0: one normal factor); "
            "fitted in the reference world: docs/calibration.md");
    v.value("problem_shift", problem_shift, bounds::kNonNegative,
            "logit shift of a problem seller's quality factor: every defect type's odds are "
            "exp(problem_shift) times an otherwise identical seller's; fitted in the reference "
            "world: docs/calibration.md");
  }
};

struct SellerPopulation {
  std::uint64_t count = 2000;
  Shares<Tenure> tenure{0.2, 0.5, 0.3};
  Shares<Category> category{0.85, 0.15};
  Shares<Region> region{0.8, 0.2};
  Shares<Channel> channel{0.6, 0.3, 0.05, 0.05};
  Shares<CsProvider> cs_provider{0.6, 0.1, 0.3};
  QualityParams quality;
  double offers_mean = 40.0;  // listings per seller
  double offers_cv = 2.0;     // heavy tail of seller size
  double price_cv = 0.15;     // price level relative to the market
  double capacity_headroom = 2.0;
  double self_cs_quality_weight = 1.0;
  double entry_per_day = 2.0;
  template <class V>
  void visit(V& v) {
    v.value("count", count, bounds::kPositiveCount, "sellers at the start of the warm-up");
    v.shares("tenure", tenure, "tenure band mix (new < 90 days)");
    v.shares("category", category, "main category mix");
    v.shares("region", region, "store region mix");
    v.shares("channel", channel, "fulfilment channel mix");
    v.shares("cs_provider", cs_provider, "customer-service provider mix");
    v.section("quality", quality, "latent quality");
    v.value("offers_mean", offers_mean, bounds::kPositive,
            "mean listings per seller; a seller's share of search results is proportional");
    v.value("offers_cv", offers_cv, bounds::kNonNegative,
            "coefficient of variation of listings per seller (lognormal, heavy-tailed)");
    v.value("price_cv", price_cv, bounds::kNonNegative,
            "coefficient of variation of seller price level around the market price");
    v.value("capacity_headroom", capacity_headroom, bounds::kPositive,
            "daily capacity as a multiple of the seller's expected demand at entry");
    v.value("self_cs_quality_weight", self_cs_quality_weight, bounds::kNonNegative,
            "how strongly a seller's latent quality moves its own CS response rate (logit "
            "scale); platform and outsourced CS do not depend on the seller");
    v.value("entry_per_day", entry_per_day, bounds::kNonNegative,
            "mean new sellers per day (Poisson), drawn from the same cohort mix as new sellers"
            "; fitted in the reference world: docs/calibration.md");
  }
};

struct Persona {
  double share = 1.0;
  double price = 1.0;    // weight on -log(relative price)
  double speed = 0.5;    // weight on -(promised days)
  double rating = 0.04;  // weight on -(percentage points below 100% positive)
  template <class V>
  void visit(V& v) {
    v.value("share", share, bounds::kShare, "share of buyers with this persona");
    v.value("price", price, bounds::kNonNegative, "logit weight on -log(price level)");
    v.value("speed", speed, bounds::kNonNegative, "logit weight on -(promised delivery days)");
    v.value("rating", rating, bounds::kNonNegative,
            "logit weight on -(percentage points of the displayed rating below 100% positive)");
  }
};

struct BuyerPopulation {
  std::uint64_t count = 50000;
  std::vector<std::pair<std::string, Persona>> personas{{"price_sensitive", {0.5, 2.0, 0.3, 0.02}},
                                                        {"speed_sensitive", {0.3, 0.8, 1.2, 0.04}},
                                                        {"convenience", {0.2, 0.6, 0.4, 0.08}}};
  double orders_per_month_mean = 1.5;
  double orders_per_month_shape = 0.8;
  double arrivals_per_day = 0.0;
  double return_rate = 0.002;
  template <class V>
  void visit(V& v) {
    v.value("count", count, bounds::kPositiveCount, "buyers at the start of the warm-up");
    v.named("personas", personas, "buyer personas: share and logit weights");
    v.value("orders_per_month_mean", orders_per_month_mean, bounds::kPositive,
            "mean purchase intensity at the initial trust level (orders per 30 days)");
    v.value("orders_per_month_shape", orders_per_month_shape, bounds::kPositive,
            "gamma shape of purchase intensity across buyers (< 1: heavy-tailed)");
    v.value(
        "arrivals_per_day", arrivals_per_day, bounds::kNonNegative,
        "mean new buyers per day (Poisson); fitted in the reference world: docs/calibration.md");
    v.value("return_rate", return_rate, bounds::kProbability,
            "daily probability that a churned buyer comes back");
  }
};

struct Population {
  SellerPopulation sellers;
  BuyerPopulation buyers;
  template <class V>
  void visit(V& v) {
    v.section("sellers", sellers, "seller population");
    v.section("buyers", buyers, "buyer population");
  }
};

struct CategoryParams {
  double search_share = 0.5;
  double price = 25.0;
  double late_delivery_multiplier = 1.0;
  double damage_multiplier = 1.0;
  double late_shipment_multiplier = 1.0;
  template <class V>
  void visit(V& v) {
    v.value("search_share", search_share, bounds::kShare, "share of shopping events");
    v.value("price", price, bounds::kPositive, "mean order value at market price level");
    v.value("late_delivery_multiplier", late_delivery_multiplier, bounds::kNonNegative,
            "multiplier on late delivery odds (heavy & bulky ship slower)");
    v.value("damage_multiplier", damage_multiplier, bounds::kNonNegative,
            "multiplier on damage in transit");
    v.value("late_shipment_multiplier", late_shipment_multiplier, bounds::kNonNegative,
            "multiplier on the channel's base late-shipment probability, before the seller's "
            "quality shift (stylised: 1 for both categories, no public figure separates heavy & "
            "bulky sellers' handling time; studies of heavy & bulky rules set it)");
  }
};

struct ChannelParams {
  double promised_days = 3.0;
  bool seller_ships = true;          // late shipment / tracking counted against the seller
  bool seller_owns_delivery = true;  // late delivery and damage charged to the seller
  double cancel = 0.01;              // base pre-fulfilment cancel probability
  double late_shipment = 0.03;       // base late-shipment probability (seller ships)
  double invalid_tracking = 0.04;    // base probability of no valid tracking
  double late_delivery = 0.06;       // base late-delivery probability if shipped on time
  double late_delivery_if_shipped_late = 0.6;
  double early_delivery = 0.2;
  double damage = 0.004;
  double mean_delay_days = 2.0;
  template <class V>
  void visit(V& v) {
    v.value("promised_days", promised_days, bounds::kPositive, "promised delivery days");
    v.flag("seller_ships", seller_ships,
           "the seller ships: late shipment and tracking count in its metrics");
    v.flag("seller_owns_delivery", seller_owns_delivery,
           "late delivery and damage are charged to the seller (false: to the platform)");
    v.value("cancel", cancel, bounds::kProbability,
            "pre-fulfilment cancel probability of an average seller");
    v.value("late_shipment", late_shipment, bounds::kProbability,
            "late shipment probability of an average seller at normal load");
    v.value("invalid_tracking", invalid_tracking, bounds::kProbability,
            "probability a shipment has no valid tracking (average seller)");
    v.value("late_delivery", late_delivery, bounds::kProbability,
            "late delivery probability when shipped on time");
    v.value("late_delivery_if_shipped_late", late_delivery_if_shipped_late, bounds::kProbability,
            "late delivery probability when shipped late");
    v.value("early_delivery", early_delivery, bounds::kProbability,
            "probability an on-time delivery arrives early");
    v.value("damage", damage, bounds::kProbability, "damage in transit probability");
    v.value("mean_delay_days", mean_delay_days, bounds::kPositive,
            "mean days late when late (geometric, at least 1)");
  }
};

struct CsProviderParams {
  double response_24h = 0.9;
  double resolution = 0.8;
  double resolution_if_slow = 0.4;
  template <class V>
  void visit(V& v) {
    v.value("response_24h", response_24h, bounds::kProbability,
            "probability a buyer contact is answered within 24 hours");
    v.value("resolution", resolution, bounds::kProbability,
            "probability a problem answered within 24 h is resolved");
    v.value("resolution_if_slow", resolution_if_slow, bounds::kProbability,
            "probability a problem answered late (or not at all) is still resolved");
  }
};

// Seller-side defect base rates (average seller) and buyer reactions.
struct OrderParams {
  double not_as_described = 0.006;
  double cross_border_multiplier = 1.5;  // odds multiplier on delivery and description defects
  double load_sensitivity = 0.5;         // extra late-shipment odds per unit of load over capacity
  double cs_contact = 0.02;              // contacts after a problem-free order
  double cs_contact_if_problem = 0.6;
  // Feedback: most buyers leave none, and most dissatisfied buyers stay
  // silent (docs/reference-world.md, "Feedback and the displayed rating").
  double negative_feedback = 0.0001;             // after a good order
  double negative_feedback_if_problem = 0.015;   // after an unresolved problem or a cancellation
  double negative_feedback_if_resolved = 0.003;  // after a problem the seller resolved
  double neutral_feedback = 0.0002;              // after a good order
  double neutral_feedback_if_problem = 0.003;    // after any problem, resolved or not
  double positive_feedback = 0.045;              // after a good order (src: 1-5% of orders rated)
  double positive_feedback_if_resolved = 0.01;   // after a problem the seller resolved
  double claim_if_unresolved = 0.13;             // of a tracked order
  double chargeback_if_unresolved = 0.03;
  double untracked_defect_multiplier = 2.5;  // tracked orders ~60% fewer defects (src): 1 / 0.4
  template <class V>
  void visit(V& v) {
    v.value("not_as_described", not_as_described, bounds::kProbability,
            "item-not-as-described probability of an average seller");
    v.value("cross_border_multiplier", cross_border_multiplier, bounds::kNonNegative,
            "odds multiplier on late delivery and not-as-described for cross-border stores");
    v.value("load_sensitivity", load_sensitivity, bounds::kNonNegative,
            "late-shipment odds rise by this factor per unit of load above capacity");
    v.value("cs_contact", cs_contact, bounds::kProbability,
            "probability of a customer-service contact after a problem-free order");
    v.value("cs_contact_if_problem", cs_contact_if_problem, bounds::kProbability,
            "probability of a contact after late delivery, damage or not-as-described");
    v.value("negative_feedback", negative_feedback, bounds::kProbability,
            "negative feedback after a good order");
    v.value("negative_feedback_if_problem", negative_feedback_if_problem, bounds::kProbability,
            "negative feedback after an unresolved problem or a cancellation (dissatisfied buyers "
            "are mostly silent); fitted in the reference world: docs/calibration.md");
    v.value("negative_feedback_if_resolved", negative_feedback_if_resolved, bounds::kProbability,
            "negative feedback after a problem the seller resolved");
    v.value("neutral_feedback", neutral_feedback, bounds::kProbability,
            "neutral feedback after a good order");
    v.value("neutral_feedback_if_problem", neutral_feedback_if_problem, bounds::kProbability,
            "neutral feedback after a cancellation or a delivery or description problem");
    v.value("positive_feedback", positive_feedback, bounds::kProbability,
            "positive feedback after a good order (src: 1-5% of orders get seller feedback)");
    v.value("positive_feedback_if_resolved", positive_feedback_if_resolved, bounds::kProbability,
            "positive feedback after a problem the seller resolved (none if unresolved)");
    v.value("claim_if_unresolved", claim_if_unresolved, bounds::kProbability,
            "guarantee (A-to-z style) claim after an unresolved problem, on a tracked order"
            "; fitted in the reference world: docs/calibration.md");
    v.value("chargeback_if_unresolved", chargeback_if_unresolved, bounds::kProbability,
            "chargeback after an unresolved problem");
    v.value("untracked_defect_multiplier", untracked_defect_multiplier, bounds::kMultiplier,
            "negative feedback, claim and chargeback probabilities of a seller-shipped order "
            "without valid tracking, relative to a tracked one (src: tracked orders have ~60% "
            "fewer defects, 1 / 0.4 = 2.5)");
  }
};

struct TrustParams {
  double initial = 0.85;
  double gain_per_good_order = 0.01;
  double gain_early_delivery = 0.003;
  double loss_late_delivery = 0.04;
  double loss_not_as_described = 0.08;
  double loss_cancelled = 0.05;
  double loss_no_response_24h = 0.03;
  double loss_unresolved = 0.12;
  double late_delay_exponent = 0.5;  // loss grows with delay^exponent: flattens (src)
  double intensity_elasticity = 2.0;
  double churn_low_trust = 0.5;
  double churn_hazard_low_trust = 0.01;
  double churn_high_trust = 0.9;
  double churn_hazard_high_trust = 0.0005;
  template <class V>
  void visit(V& v) {
    v.value("initial", initial, bounds::kProbability, "trust of a new or returning buyer");
    v.value("gain_per_good_order", gain_per_good_order, bounds::kProbability,
            "share of the gap to 1 closed by a defect-free order");
    v.value("gain_early_delivery", gain_early_delivery, bounds::kProbability,
            "extra gain for early delivery (smaller than the late loss, src)");
    v.value("loss_late_delivery", loss_late_delivery, bounds::kProbability,
            "relative trust loss for 1 day late; grows as days^late_delay_exponent");
    v.value("loss_not_as_described", loss_not_as_described, bounds::kProbability,
            "relative trust loss for an item not as described or damaged");
    v.value("loss_cancelled", loss_cancelled, bounds::kProbability,
            "relative trust loss for a seller cancellation");
    v.value("loss_no_response_24h", loss_no_response_24h, bounds::kProbability,
            "relative trust loss when a contact is not answered within 24 h");
    v.value("loss_unresolved", loss_unresolved, bounds::kProbability,
            "relative trust loss when a problem stays unresolved");
    v.value("late_delay_exponent", late_delay_exponent, {0.0, 1.0, "a number from 0 to 1"},
            "concavity of the late-delivery loss in days late (sensitivity flattens, src)");
    v.value("intensity_elasticity", intensity_elasticity, bounds::kNonNegative,
            "purchase intensity scales as (trust / initial)^elasticity: the platform-wide "
            "externality of one seller's defects");
    v.value("churn_low_trust", churn_low_trust, bounds::kProbability,
            "trust level of the first churn-hazard anchor");
    v.value("churn_hazard_low_trust", churn_hazard_low_trust, bounds::kProbability,
            "daily churn hazard at churn_low_trust; fitted in the reference world: "
            "docs/calibration.md");
    v.value("churn_high_trust", churn_high_trust, bounds::kProbability,
            "trust level of the second churn-hazard anchor");
    v.value("churn_hazard_high_trust", churn_hazard_high_trust, bounds::kProbability,
            "daily churn hazard at churn_high_trust (log-linear between anchors)"
            "; fitted in the reference world: docs/calibration.md");
  }
};

struct RankingParams {
  std::uint64_t offers_considered = 8;
  double weight_price = 2.0;
  double weight_speed = 0.5;
  double weight_signal = 20.0;
  RankingSignal signal = RankingSignal::kFqi;
  std::vector<double> position_bias{1.0, 0.15, 0.07, 0.03};
  double featured_min_signal = 0.0;
  double relevance_scale = 3.0;
  template <class V>
  void visit(V& v) {
    v.value("offers_considered", offers_considered, {1.0, 64.0, "a whole number from 1 to 64"},
            "offers sampled per shopping event (K)");
    v.value("weight_price", weight_price, bounds::kAny, "score weight on -log(price level)");
    v.value("weight_speed", weight_speed, bounds::kAny, "score weight on -(promised days)");
    v.value("weight_signal", weight_signal, bounds::kAny,
            "score weight on the performance signal (0..1, higher is better; FQI of most "
            "sellers lies within a few points of 1, hence the large default)");
    v.choice("signal", signal, "seller performance signal used in ranking");
    v.numbers("position_bias", position_bias, {0.0, 1e6, "non-negative numbers"}, 1, 64,
              "relative attention of positions 1..P; the featured offer is position 1");
    v.value("featured_min_signal", featured_min_signal, bounds::kProbability,
            "sellers below this signal cannot hold the featured position");
    v.value("relevance_scale", relevance_scale, bounds::kNonNegative,
            "scale (logistic, in score units) of each offer's relevance to the search, drawn "
            "afresh per search and added to its score for ranking: searches are for particular "
            "items, so a seller outranked on average still tops some searches (0: every search "
            "ranks by the score alone)");
  }
};

// The buyer's choice at the end of a search (MODEL.md 5).
struct ChoiceParams {
  double outside_weight = 0.005;
  template <class V>
  void visit(V& v) {
    v.value("outside_weight", outside_weight, bounds::kNonNegative,
            "weight of leaving the search without buying, against the shown offers' weights "
            "(position bias x exp(persona utility of price and promised days)): with it, "
            "platform-wide changes in price or speed move total orders, not only shares "
            "(0: every search with an offer ends in an order)");
  }
};

// Seller-side DSI weights used by FQI and CSQI (given, not estimated here),
// the signal window, and the window of the rating buyers see.
struct SignalParams {
  double dsi_late_delivery = 0.25;
  double dsi_not_as_described = 0.35;
  double dsi_cancelled = 0.2;
  double dsi_late_shipment = 0.1;
  double dsi_invalid_tracking = 0.1;
  double dsi_no_response_24h = 0.4;
  double dsi_unresolved = 0.6;
  std::uint64_t window_days = 60;
  std::uint64_t rating_window_weeks = 52;  // src: Amazon and eBay show the last 12 months
  template <class V>
  void visit(V& v) {
    v.value("dsi_late_delivery", dsi_late_delivery, bounds::kNonNegative, "FQI weight");
    v.value("dsi_not_as_described", dsi_not_as_described, bounds::kNonNegative, "FQI weight");
    v.value("dsi_cancelled", dsi_cancelled, bounds::kNonNegative, "FQI weight");
    v.value("dsi_late_shipment", dsi_late_shipment, bounds::kNonNegative, "FQI weight");
    v.value("dsi_invalid_tracking", dsi_invalid_tracking, bounds::kNonNegative, "FQI weight");
    v.value("dsi_no_response_24h", dsi_no_response_24h, bounds::kNonNegative, "CSQI weight");
    v.value("dsi_unresolved", dsi_unresolved, bounds::kNonNegative, "CSQI weight");
    v.value("window_days", window_days, bounds::kDays, "rolling window of FQI and CSQI");
    v.value("rating_window_weeks", rating_window_weeks,
            {1.0, 520.0, "a whole number of weeks from 1 to 520"},
            "window of the displayed seller rating (percent positive feedback) buyers see: this "
            "week and the weeks before it, in all this many (52: 358 to 364 days)");
  }
};

struct SellerBehaviour {
  double effort_efficacy = 0.5;
  double effort_after_warning = 0.3;
  double effort_after_lost_sales = 0.1;
  double lost_sales_drop = 0.3;
  double effort_decay_per_day = 0.01;
  double appeal_probability = 0.6;
  std::uint64_t appeal_days = 14;
  double reinstatement_probability = 0.5;
  double effort_after_reinstatement = 0.3;
  double exit_hazard_no_sales = 0.005;
  std::uint64_t no_sales_days = 90;
  double exit_hazard = 0.0;
  double decline_hazard = 0.0;
  double decline_shift = 2.0;
  template <class V>
  void visit(V& v) {
    v.value("effort_efficacy", effort_efficacy, bounds::kProbability,
            "defect odds fall by this share at full effort");
    v.value("effort_after_warning", effort_after_warning, bounds::kProbability,
            "effort gained after a warning or listing suppression");
    v.value("effort_after_lost_sales", effort_after_lost_sales, bounds::kProbability,
            "effort gained when 30-day orders fall by lost_sales_drop vs the prior 30 days");
    v.value("lost_sales_drop", lost_sales_drop, bounds::kProbability,
            "relative fall in 30-day orders that counts as lost sales");
    v.value("effort_decay_per_day", effort_decay_per_day, bounds::kProbability,
            "share of effort lost per day without a new stimulus");
    v.value("appeal_probability", appeal_probability, bounds::kProbability,
            "probability a suspended seller appeals with a plan of action");
    v.value("appeal_days", appeal_days, bounds::kDays, "days from suspension to appeal decision");
    v.value("reinstatement_probability", reinstatement_probability, bounds::kProbability,
            "probability an appeal is granted; otherwise the seller exits");
    v.value("effort_after_reinstatement", effort_after_reinstatement, bounds::kProbability,
            "effort gained when an appeal is granted, as the seller's plan of action takes "
            "effect (stylised: no public figure; the warning response's value)");
    v.value("exit_hazard_no_sales", exit_hazard_no_sales, bounds::kProbability,
            "daily exit probability of a seller with no order in no_sales_days");
    v.value("no_sales_days", no_sales_days, bounds::kDays, "days without orders before exit risk");
    v.value("exit_hazard", exit_hazard, bounds::kProbability,
            "daily probability that an active seller leaves for reasons the model does not "
            "represent (the business closes or moves), whatever its sales: 0.0003 is about 10% a "
            "year; fitted in the reference world: docs/calibration.md");
    v.value("decline_hazard", decline_hazard, bounds::kProbability,
            "daily probability that an active seller's operations decline for good (staff, "
            "supplier or carrier trouble, growth beyond what it can handle): its quality factor "
            "worsens by decline_shift; 0.0003 is about 10% of sellers a year; fitted in the "
            "reference world: docs/calibration.md");
    v.value("decline_shift", decline_shift, bounds::kNonNegative,
            "logit shift of a declined seller's quality factor: every defect type's odds become "
            "exp(decline_shift) times what they were");
  }
};

// A problem a kind's parameters have with the rest of the model: the key
// under the policy entry, what is wrong, what was expected.
struct KeyProblem {
  std::string key, message, expected;
};

// One entry of `policies`: a policy kind's name and its parameters (the
// kind's own struct, held type-erased; each kind lives in models/policies/ and
// is registered in sim/policy_kinds.cpp).
struct PolicyEntry {
  std::string kind;
  std::any parameters;
  // Unique within a policies list; arms edit entries by it (policies.NAME...).
  // Empty: "<kind>_<place in the list>" once the list is read.
  std::string name = {};
};

// The default policies: the public seller-performance standards (src:
// policy-standards.md), as threshold rules (models/policies/threshold_rule.cpp).
std::vector<PolicyEntry> default_policies();

// The enum whose names key a per-enum array of settings (e.g. channels).
template <class S>
struct PerEnumKey;
template <>
struct PerEnumKey<CategoryParams> {
  using type = Category;
};
template <>
struct PerEnumKey<ChannelParams> {
  using type = Channel;
};
template <>
struct PerEnumKey<CsProviderParams> {
  using type = CsProvider;
};

// Everything an arm may change. Population and experiment settings are not
// here: arms share one warmed-up marketplace.
struct ModelParams {
  Population population;
  std::array<CategoryParams, enum_count<Category>()> categories{
      CategoryParams{0.85, 25.0, 1.0, 1.0}, CategoryParams{0.15, 120.0, 1.6, 2.5}};
  std::array<ChannelParams, enum_count<Channel>()> channels{
      // platform-fulfilled: the platform ships, delivery defects are its own
      ChannelParams{2.0, false, false, 0.004, 0.0, 0.0, 0.04, 0.5, 0.3, 0.003, 1.5},
      ChannelParams{4.0, true, true, 0.012, 0.035, 0.05, 0.07, 0.6, 0.15, 0.005, 2.5},
      ChannelParams{2.0, true, true, 0.005, 0.01, 0.01, 0.03, 0.5, 0.25, 0.004, 1.5},
      // platform pickup: seller hands over, the platform's carrier delivers
      ChannelParams{3.0, true, false, 0.01, 0.03, 0.0, 0.05, 0.5, 0.2, 0.004, 2.0}};
  std::array<CsProviderParams, enum_count<CsProvider>()> cs_providers{
      CsProviderParams{0.97, 0.9, 0.5}, CsProviderParams{0.9, 0.8, 0.4},
      CsProviderParams{0.8, 0.7, 0.3}};
  OrderParams orders;
  TrustParams trust;
  RankingParams ranking;
  ChoiceParams choice;
  SignalParams signals;
  SellerBehaviour seller_behaviour;
  std::vector<PolicyEntry> policies = default_policies();

  template <class V>
  void visit(V& v) {
    v.section("population", population, "who is in the marketplace");
    v.per_enum("categories", categories, "categories");
    v.per_enum("channels", channels, "fulfilment channels");
    v.per_enum("cs_providers", cs_providers, "customer-service providers");
    v.section("orders", orders, "order outcomes and buyer reactions");
    v.section("trust", trust, "buyer trust");
    v.section("ranking", ranking, "offer ranking and featured offer");
    v.section("choice", choice, "the buyer's choice among the shown offers");
    v.section("signals", signals, "FQI and CSQI");
    v.section("seller_behaviour", seller_behaviour, "seller effort, appeals, exit");
    v.policies("policies", policies,
               "seller-performance policies, applied in this order: a list of entries, each "
               "with a kind and that kind's settings");
  }
};

}  // namespace trustsim
