// Per-seller rolling-window counters: each day's counts go into a ring per
// counter, and every (counter, window) sum that a rule, signal or behaviour
// needs is kept up to date incrementally, so evaluating a 60-day ODR costs
// O(1) per seller, not O(window). Integer counts only: sums are exact and
// independent of thread layout.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace trustsim {

enum class Counter : std::uint8_t {
  kOrders,
  kCancels,
  kShipments,  // orders the seller ships itself
  kLateShipments,
  kValidTracking,
  kDeliveries,  // orders not cancelled
  kOnTime,
  kOrderDefects,  // seller-accountable order defects
  kCsContacts,
  kCsResponded,  // answered within 24 h
  kFqiLoss,      // DSI-weighted fulfilment defects, in kLossUnits per unit weight
  kCsqiLoss,     // DSI-weighted customer-service defects
  kFeedback,     // feedback left, of any kind
  kPositiveFeedback,
  kNegativeFeedback,
  kClaims,  // guarantee claims
  kChargebacks,
  kNotAsDescribed,  // items not as described or damaged, whoever is charged
  kCount
};
inline constexpr std::size_t kCounterCount = static_cast<std::size_t>(Counter::kCount);
inline constexpr double kLossUnits = 10000.0;  // DSI weights are stored as integers /1e4

using DayCounts = std::array<std::uint32_t, kCounterCount>;

class RollingWindows {
 public:
  // Registers a sum of `counter` over the last `window_days` days; returns
  // its handle. All registrations happen before sellers are added.
  std::uint32_t require(Counter counter, std::uint32_t window_days);

  // Handle of an already registered sum; throws std::out_of_range if absent.
  std::uint32_t find(Counter counter, std::uint32_t window_days) const;

  void add_sellers(std::size_t count);
  // Sets the seller capacity ahead of entries (avoids re-laying the rings).
  void reserve(std::size_t sellers);
  std::size_t sellers() const { return sellers_; }

  // Fixes the ring slots for `day`; call once per day before push_day.
  void begin_day(std::uint64_t day);
  // Adds the current day's counts for one seller and drops what left each
  // window. Days must be pushed in order, once per day, for every seller.
  void push_day(std::size_t seller, const DayCounts& counts);

  std::uint32_t sum(std::size_t seller, std::uint32_t handle) const {
    return sums_[handle * stride_ + seller];
  }
  std::size_t bytes_per_seller() const;

 private:
  void restride(std::size_t stride);
  struct Window {
    Counter counter;
    std::uint32_t days;
  };
  std::vector<Window> windows_;
  std::array<std::uint32_t, kCounterCount> ring_days_{};  // ring length per counter (0: unused)
  // Day-major layout: rings_[c][slot * stride_ + seller], sums_[window * stride_ + seller].
  // A day touches one slot of each ring for all sellers: dense, sequential
  // streams instead of one scattered cache line per seller and counter.
  std::array<std::vector<std::uint32_t>, kCounterCount> rings_;
  std::vector<std::uint32_t> sums_;
  std::size_t sellers_ = 0;
  std::size_t stride_ = 0;  // seller capacity; grows geometrically as sellers enter
  // The current day's row offsets (begin_day): each window's sums and the
  // ring slot that leaves it, and the slot of each ring today is written to.
  struct Leaving {
    std::size_t counter, sums, leaving;
  };
  struct Writing {
    std::size_t counter, today;
  };
  std::vector<Leaving> leaving_;
  std::vector<Writing> writing_;
  std::size_t day_stride_ = 0;  // the stride begin_day computed the offsets with
};

}  // namespace trustsim
