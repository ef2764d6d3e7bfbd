// The state of one simulated marketplace (one replication of one arm):
// sellers and buyers as structures of arrays indexed by stable id, the
// shopping calendar, and the day loop's three phases. The state is a value:
// arms copy it after the shared warm-up and then diverge.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "trustsim/day_phases.hpp"
#include "trustsim/distributions.hpp"
#include "trustsim/offer_table.hpp"
#include "trustsim/order_outcome.hpp"
#include "trustsim/params.hpp"
#include "trustsim/policy.hpp"
#include "trustsim/rng.hpp"
#include "trustsim/rolling_windows.hpp"
#include "trustsim/trust_curve.hpp"

namespace trustsim {

enum class SellerStatus : std::uint8_t { kActive, kSuspended, kExited };

// Seller-level tallies over the horizon, for /summary and /cohort_summary.
struct SellerTally {
  std::array<std::int64_t, kCounterCount> counters{};  // the metric counters' horizon sums
  std::int64_t gmv_cents = 0;
  std::int64_t count(Counter c) const { return counters[static_cast<std::size_t>(c)]; }
  std::uint16_t warnings = 0;
  std::uint16_t suppressions = 0;
  std::uint16_t suspensions = 0;
  std::uint16_t false_positive_suspensions = 0;
  std::uint16_t reinstatements = 0;
  std::uint16_t terminations = 0;
  std::uint16_t false_positive_terminations = 0;
  // Days suspended while the suspension was a false positive, and the GMV
  // the seller would have sold in them at its own rate while listed.
  std::int32_t wrongly_suspended_days = 0;
  std::int64_t gmv_lost_cents = 0;
  // A performance decline in the horizon took the seller across the
  // reference standard (declined_breaching); the days from then to the first
  // action on it (detected), or to the end of the horizon or the seller's exit.
  std::int32_t detection_delay_days = 0;
  std::uint8_t declined_breaching = 0;
  std::uint8_t detected = 0;
  std::uint8_t wrongful_exit = 0;  // left after a false-positive suspension or termination
  std::uint8_t exited = 0;
  std::uint8_t entered = 0;
  std::uint8_t present = 0;  // listed, suspended or entering at some point of the horizon
};

struct Sellers {
  // Fixed attributes.
  std::vector<Tenure> tenure;  // band at creation
  std::vector<Category> category;
  std::vector<Region> region;
  std::vector<SellerOrderProfile> profile;
  std::vector<float> quality;  // shared latent quality factor (higher = more defects)
  std::vector<float> offers;
  std::vector<float> price_level;
  std::vector<float> neg_log_price;  // -log(price level), used by ranking and choice
  std::vector<float> promised_days;
  std::vector<float> capacity;  // orders per day
  std::vector<std::int32_t> created_day;
  // The background exit (seller_behaviour.exit_hazard) as a clock: the
  // seller leaves when its summed hazard exposure reaches its unit
  // exponential draw, so an arm that changes the hazard changes the rate
  // from the fork on, and a hazard of 0 draws nothing day by day.
  std::vector<float> exit_clock;
  std::vector<float> exit_exposure;
  // The performance decline (seller_behaviour.decline_hazard), a clock of
  // the same kind: when it runs out, the seller's quality factor worsens by
  // decline_shift for the rest of its life.
  std::vector<float> decline_clock;
  std::vector<float> decline_exposure;
  std::vector<std::uint8_t> declined;
  // Dynamic state.
  std::vector<SellerStatus> status;
  std::vector<float> effort;
  std::vector<float> load;        // yesterday's orders / capacity
  std::vector<float> signal;      // ranking signal, frozen for the day (0..1, higher is better)
  std::vector<float> rank_score;  // ranking score from price, speed and signal, frozen
  // Percentage points of the displayed rating below 100% positive (0 while
  // unrated): the share of the rating window's feedback that is not positive.
  std::vector<float> rating_deficit;
  std::vector<std::int32_t> last_order_day;
  std::vector<std::int32_t> last_lost_sales_day;
  std::vector<std::int32_t> appeal_day;     // when a pending appeal is decided (-1: none)
  std::vector<std::uint16_t> suppressions;  // policies holding the listings back
  std::vector<std::uint8_t> wrongly_held;   // suspended while meeting the reference standard
  // The suspending policy's own appeal and reinstatement probabilities and
  // effort after reinstatement, when own_appeal is set (else the
  // marketplace's apply).
  std::vector<std::uint8_t> own_appeal;
  std::vector<std::array<double, 3>> appeal_odds;
  // Horizon day a decline took the seller across the reference standard, until
  // the first action on it (-1: none pending).
  std::vector<std::int32_t> breach_since;
  // Everything the seller has sold, and the days it was listed: its own GMV
  // rate while listed, for what a wrongful suspension cost it.
  std::vector<std::int64_t> lifetime_gmv_cents;
  std::vector<std::int32_t> listed_days;
  std::vector<SellerTally> tally;
  RollingWindows windows;
  WeeklyWindows ratings;  // feedback left and positive, for the displayed rating

  std::size_t size() const { return status.size(); }
  bool listed(std::size_t s) const {
    return status[s] == SellerStatus::kActive && suppressions[s] == 0;
  }
};

// SellerUnderReview's reads, inline: policies call them for every seller every day.
inline bool SellerUnderReview::active() const {
  return sellers_.status[seller_] == SellerStatus::kActive;
}
inline SellerCohort cohort_of(const Sellers& sellers, std::size_t s) {
  return {sellers.tenure[s], sellers.category[s], sellers.region[s], sellers.profile[s].channel,
          sellers.profile[s].cs_provider};
}
inline SellerCohort SellerUnderReview::cohort() const { return cohort_of(sellers_, seller_); }
// Seller s's exact expected rates now (effort as it is, normal load) meet
// every rule of the run's reference standard.
bool meets_reference_standard(const Sellers& sellers, const RunSettings& settings, std::size_t s);
inline std::uint32_t SellerUnderReview::window_sum(std::uint32_t handle) const {
  return sellers_.windows.sum(seller_, handle);
}

enum class BuyerStatus : std::uint8_t { kActive, kChurned };

// One buyer. All fields are read and written together at each shopping
// event, so buyers are an array of 20-byte records: one cache line touched
// per event instead of one per field.
struct Buyer {
  float trust = 0;
  float base_rate = 0;  // shopping events per day at initial trust
  float next_time = 0;  // next shopping (or return) time, in days
  std::int16_t first_horizon_order_day = -1;
  std::int16_t last_order_day = -1;  // day of the run (warm-up included), -1: none
  std::uint8_t persona = 0;
  BuyerStatus status = BuyerStatus::kActive;
  std::uint8_t repeat_flags = 0;  // bit 0: ordered again within 30 d, bit 1: 90 d
};
static_assert(sizeof(Buyer) == 20);

using Buyers = std::vector<Buyer>;

// A returning buyer's order: the buyer ordered in this many days before it
// (the /timeseries repeat_order_share).
inline constexpr std::int32_t kReturningBuyerDays = 30;

// Marketplace-wide counts for one day (all integers: thread-order independent).
struct DayTotals {
  std::int64_t orders = 0;
  std::int64_t gmv_cents = 0;
  std::int64_t defect_orders = 0;  // orders with any problem the buyer lived through
  std::int64_t order_defects = 0;  // feedback, claim or chargeback (any cause)
  std::int64_t seller_order_defects = 0;
  std::int64_t late_deliveries = 0;
  std::int64_t not_as_described = 0;
  std::int64_t cancelled = 0;
  std::int64_t no_response_24h = 0;
  std::int64_t unresolved = 0;
  std::int64_t searches_without_offer = 0;
  std::int64_t searches_without_purchase = 0;  // the buyer took the outside option
  std::int64_t churned = 0;
  std::int64_t repeat_orders = 0;  // orders by returning buyers (kReturningBuyerDays)
  std::int64_t returned = 0;
  std::int64_t arrived = 0;
  std::int64_t trust_delta_fixed = 0;  // change of summed trust, 2^-32 units
  std::int64_t present_delta = 0;      // change of buyers present (not churned)
  std::int64_t warnings = 0;
  std::int64_t suppressions = 0;
  std::int64_t suspensions = 0;
  std::int64_t false_positive_suspensions = 0;
  std::int64_t reinstatements = 0;
  std::int64_t terminations = 0;
  std::int64_t false_positive_terminations = 0;
  std::int64_t wrongful_exits = 0;
  std::int64_t seller_exits = 0;
  std::int64_t seller_entries = 0;
  std::int64_t seller_declines = 0;
  std::array<std::int64_t, kCounterCount> counters{};  // the metric counters, every seller
  std::int64_t count(Counter c) const { return counters[static_cast<std::size_t>(c)]; }
  void add(const DayTotals& o);
};

// One order of a buyer in the event sample (outputs.buyer_events): what it
// was and what it did to the buyer's trust. The buyer's next order day is
// joined in when the horizon ends.
struct BuyerEvent {
  enum Flag : unsigned {
    kCancelled,
    kLateShipment,
    kUntracked,
    kLateDelivery,
    kEarlyDelivery,
    kNotAsDescribed,
    kNoResponse24h,
    kUnresolved,
    kClaim,
    kChargeback,
    kSellerDefect,
    kFlagCount
  };
  std::int32_t day = 0;  // horizon day
  std::uint32_t buyer = 0;
  std::uint32_t seller = 0;
  std::uint16_t seq = 0;  // the buyer's shopping event of the day
  std::uint16_t flags = 0;
  std::uint8_t persona = 0;
  std::uint8_t days_late = 0;
  Feedback feedback = Feedback::kNone;
  std::int64_t gmv_cents = 0;
  float trust_before = 0, trust_after = 0;
  bool has(Flag f) const { return (flags >> f) & 1u; }
  static BuyerEvent of(const OrderOutcome& o, std::uint32_t buyer, std::uint32_t seller,
                       std::int32_t day, std::uint16_t seq, std::uint8_t persona,
                       std::int64_t gmv_cents, float trust_before, float trust_after);
};

// Whether entity `id` is in a deterministic sample of `threshold` / 2^64 of
// all ids (a fixed hash of the id: the same ids in every arm and run).
inline std::uint64_t sample_threshold(double share) {
  return share >= 1.0 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(share * 0x1p64);
}
inline bool in_sample(std::uint64_t id, std::uint64_t threshold) {
  std::uint64_t z = id + 0x9E3779B97F4A7C15ull;  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (z ^ (z >> 31)) < threshold;
}

// Everything fixed for the run, derived from the arm's parameters.
struct RunSettings {
  rng::StreamKey key;
  std::int32_t warmup_days = 0;
  std::int32_t horizon_days = 0;
  ModelParams params;
  OrderModel order_model;
  DsiWeights dsi;
  std::array<std::uint32_t, DsiWeights::kSlotCount> dsi_units{};  // in kLossUnits, DsiWeights order
  double churn_log_slope = 0;                                     // log-hazard per unit of trust
  double churn_log_intercept = 0;
  TrustCurve intensity;            // (trust / initial)^intensity_elasticity
  TrustCurve churn_hazard;         // exp(intercept + slope * trust), per day
  double return_rate = 0;          // per day (from the daily probability)
  double seller_exit_rate = 0;     // exit-clock exposure per active day (from exit_hazard)
  double seller_decline_rate = 0;  // decline-clock exposure per active day (decline_hazard)
  // What false positives and negatives are judged against: by default this
  // arm's own rules; run_task sets the reference arm's (the same for all).
  ReferenceStandard reference;

  static RunSettings make(const ModelParams& params, rng::StreamKey key, std::int32_t warmup_days,
                          std::int32_t horizon_days);
  std::int32_t total_days() const { return warmup_days + horizon_days; }
};

// Every draw a seller's traits are made of, from its creation stream
// (models/marketplace.cpp): the cohort, channel and CS provider, the latent
// quality factor z, listings, price level and the noise of each of the
// seller's own defect probabilities.
struct SellerDraws {
  Tenure tenure{};
  Category category{};
  Region region{};
  Channel channel{};
  CsProvider cs_provider{};
  double quality = 0;
  double offers = 0;
  double price_level = 1;
  std::array<double, 5> noise{};  // cancel, late shipment, invalid tracking, late delivery, NAD
  double exit_clock = 0;          // unit exponential: the exit hazard's exposure that ends it
  double decline_clock = 0;       // unit exponential: the decline hazard's exposure that ends it
};
SellerDraws draw_seller(const rng::StreamKey& key, std::size_t id, const SellerPopulation& pop);
// The seller's order-outcome probabilities under an arm's parameters; made
// again when an arm forks, so every order parameter an arm sets acts.
SellerOrderProfile order_profile(const SellerDraws& draws, const ModelParams& params);

// Registers every rolling sum the engine reads under these parameters.
void register_windows(RollingWindows& windows, const ModelParams& params);
// Registers the displayed rating's weekly window under these parameters.
void register_rating_windows(WeeklyWindows& windows, const ModelParams& params);

// Lays out a growing population array for `planned` entries at its first
// growth and resizes it to `n`: arrays are not copied again and again.
template <class V, class T>
void resize_within(V& v, std::size_t n, std::size_t planned, const T& value) {
  if (v.capacity() < n) v.reserve(std::max(n, planned));
  v.resize(n, value);
}

// Handles of the rolling sums the marketplace itself reads (policies keep
// their own).
struct WindowHandles {
  std::uint32_t signal_loss = 0, signal_orders = 0;
  std::uint32_t signal_defects = 0;
  std::uint32_t orders_30 = 0, orders_60 = 0;
  std::uint32_t rating = 0;  // the displayed rating's weekly window
};

class Marketplace {
 public:
  // Creates the initial population (day 0) under `baseline`; `arms` lists
  // every arm that may later be applied, so that the rolling windows any of
  // their rules need are kept from the start.
  Marketplace(const RunSettings& baseline, std::span<const RunSettings> arms);

  // Switches to an arm's parameters at the start of the horizon; population
  // and calendar stay as they are. Rules must keep their count and windows.
  void apply_arm(const RunSettings& arm_settings);

  // Simulates one day: arrivals and entry, shopping (parallel over today's
  // buyers), seller windows and behaviour (parallel over sellers), policy.
  DayTotals step_day(std::int32_t day);

  // Seconds spent in each day phase since the last call (then reset to zero).
  DayPhaseSeconds take_phase_seconds() { return std::exchange(phase_seconds_, {}); }

  // Marks the sellers present at the start of the horizon (for per-seller
  // outcomes); call once, after the warm-up and apply_arm.
  void begin_horizon();

  // Records the horizon orders of a deterministic `share` of buyers (0: none).
  void sample_buyer_events(double share);
  // The sampled orders since the last call, in no particular order.
  std::vector<BuyerEvent> take_buyer_events();

  const Sellers& sellers() const { return sellers_; }
  const Buyers& buyers() const { return buyers_; }
  const RunSettings& settings() const { return settings_; }
  std::int64_t trust_sum_fixed() const { return trust_sum_fixed_; }
  std::int64_t buyers_present() const { return buyers_present_; }
  std::size_t listed_sellers() const;
  std::size_t suspended_sellers() const;
  // Feedback in the seller's displayed-rating window.
  std::uint32_t rating_count(std::size_t seller) const {
    return sellers_.ratings.sum(seller, handles_.rating, 0);
  }
  // The policies in force (the arm's, after apply_arm).
  const PolicySet& policies() const { return policies_; }

  // Memory per order in the day's order log (see OrderRecord).
  static constexpr std::size_t kBytesPerLoggedOrder = 24;
  static constexpr double kTrustScale = 4294967296.0;  // 2^32: fixed-point trust units
  static std::int64_t trust_fixed(float trust) {
    return static_cast<std::int64_t>(static_cast<double>(trust) * kTrustScale);
  }

 private:
  // What one order adds to its seller's day: the 0/1 counters as bits, the
  // weighted losses and the sale. Shopping threads append these to logs
  // split by seller block, so that closing the day reads each order once,
  // whatever the thread count (integer sums: the order of adding is free).
  struct OrderRecord {
    std::uint32_t seller = 0;
    std::uint32_t flags = 0;  // bit c: +1 on counter c
    std::uint32_t fqi_loss = 0;
    std::uint32_t csqi_loss = 0;
    std::int64_t gmv_cents = 0;
  };
  static_assert(sizeof(OrderRecord) == kBytesPerLoggedOrder);
  // One seller's counts for the day being simulated.
  struct SellerDay {
    DayCounts counts{};
    std::int64_t gmv_cents = 0;
    void add(const OrderRecord& order) {
      // Visit only the set bits: an order sets a few of the counters.
      for (std::uint32_t bits = order.flags; bits != 0; bits &= bits - 1)
        ++counts[static_cast<std::size_t>(std::countr_zero(bits))];
      counts[static_cast<std::size_t>(Counter::kFqiLoss)] += order.fqi_loss;
      counts[static_cast<std::size_t>(Counter::kCsqiLoss)] += order.csqi_loss;
      gmv_cents += order.gmv_cents;
    }
  };
  struct alignas(64) OrderBlock {  // own cache line: threads append side by side
    std::vector<OrderRecord> orders;
  };
  using OrderLog = std::vector<OrderBlock>;  // [seller block]
  // Sellers closing the day in one block, collected for the next offer tables.
  struct ListedOffers {
    std::array<std::vector<std::uint32_t>, enum_count<Category>()> sellers;  // listed, by id
    std::int64_t signal_loss = 0, signal_defects = 0, signal_orders = 0;     // platform prior
    void clear();
    void collect(const Sellers& sellers, const WindowHandles& handles, std::size_t seller);
  };
  // Today's shoppers of one calendar lane, [begin, end): the unit threads share.
  struct ShopperChunk {
    std::size_t lane, begin, end;
  };
  // What the calendar phase lays out for the rest of the day.
  struct DayPlan {
    std::size_t threads = 1;
    std::vector<std::vector<std::uint32_t>> shoppers;  // [lane]: today's, in id order
    std::vector<ShopperChunk> chunks;
    std::size_t block_size = 1;  // sellers per closing block
    std::size_t blocks = 1;
  };
  struct alignas(64) ThreadTotals {  // each thread's counts on their own cache lines
    DayTotals totals;
  };
  // The phases of step_day, in order.
  void arrive(std::int32_t day, DayTotals& totals);
  DayPlan plan_day(std::int32_t day);
  void shop(std::int32_t day, const DayPlan& plan, std::vector<ThreadTotals>& per_thread);
  void close_sellers(std::int32_t day, const DayPlan& plan, std::vector<ThreadTotals>& per_thread);
  void create_sellers(std::size_t count, std::int32_t day, bool entering);
  void draw_seller_traits(std::size_t id, bool entering);
  // A seller's creation draws under this arm's parameters, with its
  // performance decline (if it has declined) added to the quality factor.
  SellerDraws current_draws(std::size_t id) const;
  void decline(std::size_t id);  // the seller's decline clock ran out
  void create_buyers(std::size_t count, std::int32_t day, DayTotals& totals);
  // Rebuilds the offer tables from blocks of collected sellers, in block order.
  void build_offer_tables(std::span<const ListedOffers> blocks);
  void rebuild_offer_tables();  // collects every seller, then builds
  // One buyer's shopping events of the day; returns the day of its next event.
  std::int32_t shop(std::uint32_t buyer, std::int32_t day, OrderLog& log, std::size_t block_size,
                    DayTotals& totals, std::vector<BuyerEvent>& events);
  void come_back(Buyer& buyer, DayTotals& totals) const;
  void buy(Buyer& buyer, std::uint32_t buyer_id, std::uint32_t seller, std::size_t category,
           std::int32_t day, std::uint16_t seq, OrderLog& log, std::size_t block_size,
           DayTotals& totals, std::vector<BuyerEvent>* sample) const;
  void record_order(OrderLog& log, std::size_t block_size, std::uint32_t seller,
                    std::int64_t gmv_cents, const OrderOutcome& o, DayTotals& totals) const;
  void update_trust(Buyer& buyer, const OrderOutcome& o, DayTotals& totals) const;
  void close_seller_day(std::size_t seller, std::int32_t day, const SellerDay& counts,
                        DayTotals& totals);
  // Phase 3 for the sellers [first, last): appeals, every policy, ranking hooks.
  void enforce(std::size_t first, std::size_t last, std::int32_t day, DayTotals& totals);
  void schedule(std::uint32_t buyer);
  void bind_windows();
  void read_shares();  // persona and category shares of the current settings
  bool in_horizon(std::int32_t day) const { return day >= settings_.warmup_days; }

  RunSettings settings_;
  rng::StreamKey creation_key_;  // the key sellers' traits were drawn with
  WindowHandles handles_;
  PolicySet policies_;
  Sellers sellers_;
  Buyers buyers_;
  // Buyers by day of their next event, in lanes: lane 0 for arrivals, lane t
  // for the buyers shopping thread t rescheduled. A day's shoppers are all
  // lanes' lists for that day; the order they are visited in changes no
  // result (each shopper touches only its own record and integer sums).
  std::vector<std::vector<std::vector<std::uint32_t>>> calendar_;  // [lane][day]
  std::vector<std::vector<std::uint32_t>> sort_scratch_;           // [lane]: radix-sort buffers
  struct alignas(64) Rescheduled {  // one thread's shoppers of the day and their next day
    std::vector<std::pair<std::uint32_t, std::int32_t>> shoppers;
  };
  std::vector<Rescheduled> rescheduled_;  // [thread], empty between days
  struct alignas(64) EventLog {           // one thread's sampled orders
    std::vector<BuyerEvent> events;
  };
  std::vector<EventLog> event_logs_;         // [thread], emptied by take_buyer_events
  std::uint64_t event_sample_ = 0;           // in_sample threshold of the buyer event sample
  std::vector<OrderLog> order_logs_;         // [thread][seller block], emptied as the day closes
  std::vector<SellerDay> day_counts_;        // [seller], zero between days
  std::vector<ListedOffers> listed_blocks_;  // [seller block]
  // Build scratch per category: listed sellers and their listings.
  std::array<std::vector<std::uint32_t>, enum_count<Category>()> listed_scratch_;
  std::array<std::vector<double>, enum_count<Category>()> weight_scratch_;
  std::array<OfferTable, enum_count<Category>()> offer_tables_;
  // exp(utility) of each seller's offer for each persona, [seller * personas + persona]:
  // fixed per arm, so the per-order choice needs no exp().
  std::vector<double> attraction_;
  void compute_attraction(std::size_t first_seller);
  double attraction(const Persona& persona, std::size_t seller) const;
  void update_rating(std::size_t seller);
  // Sellers and buyers expected by the end of the run (+ 4 sd): arrays are
  // laid out once for them, not regrown in the day loop.
  std::size_t seller_capacity_ = 0;
  std::size_t buyer_capacity_ = 0;
  std::vector<double> persona_shares_;
  std::vector<double> category_shares_;
  std::int64_t trust_sum_fixed_ = 0;
  std::int64_t buyers_present_ = 0;
  double platform_loss_rate_ = 0;  // prior for sellers with few orders (FQI shrinkage)
  double platform_defect_rate_ = 0;
  DayPhaseSeconds phase_seconds_;
};

}  // namespace trustsim
