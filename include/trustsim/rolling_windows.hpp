// Per-seller rolling-window counters: each day every counter a rule, signal
// or behaviour reads adds the day's count to the seller's running total and
// stores that total in a ring; a sum over the last W days is the difference
// of two stored totals, so evaluating a 60-day ODR costs O(1) per seller, not
// O(window), and a day's upkeep costs one slot per counter however many
// windows read it. Integer counts only: totals wrap modulo 2^32 and their
// differences stay exact (a window's sum is below 2^32), independent of
// thread layout.
#pragma once

#include <array>
#include <cassert>
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

  // Starts `day`: the slot each counter's total is stored in today. Call
  // once per day before push_day. Until then sums end on the previous day;
  // from then on a seller's sums end today, once push_day has run for it
  // (reading them in between is a logic error, caught in debug builds).
  void begin_day(std::uint64_t day);
  // Adds the current day's counts for one seller. Days must be pushed in
  // order, once per day, for every seller.
  void push_day(std::size_t seller, const DayCounts& counts);

  // The counter's sum over the window's days, ending on the last day pushed.
  std::uint32_t sum(std::size_t seller, std::uint32_t handle) const {
    assert(pushed_[seller] == pushed_mark());
    const auto& r = reading_[handle];
    const auto& ring = rings_[r.counter];
    return ring[r.now + seller] - ring[r.before + seller];  // modulo 2^32: exact
  }
  std::size_t bytes_per_seller() const;

 private:
  void restride(std::size_t stride);
  void locate();  // the day's row offsets, from day_ and stride_
  struct Window {
    Counter counter;
    std::uint32_t days;
  };
  std::vector<Window> windows_;
  // Slots per counter's ring: its longest window plus one, for the total
  // just before the window (0: unused).
  std::array<std::uint32_t, kCounterCount> ring_days_{};
  // Day-major layout: rings_[c][slot * stride_ + seller] holds the seller's
  // running total of counter c through the slot's day. A day writes one
  // slot of each ring for all sellers and reads the one before: dense,
  // sequential streams instead of one scattered cache line per seller.
  std::array<std::vector<std::uint32_t>, kCounterCount> rings_;
  std::size_t sellers_ = 0;
  std::size_t stride_ = 0;  // seller capacity; grows geometrically as sellers enter
  std::uint64_t day_ = 0;
  bool begun_ = false;  // a day has begun: before, every total and sum is 0
  // Row offsets for the current day (locate): each window reads its ring's
  // total today and the total on the day before the window began; each
  // ring's total today is yesterday's plus today's count.
  struct Reading {
    std::size_t counter, now, before;
  };
  struct Writing {
    std::size_t counter, today, yesterday;
  };
  std::vector<Reading> reading_;
  std::vector<Writing> writing_;
#ifndef NDEBUG
  // Debug builds: per seller, the mark of the last day pushed; sums may be
  // read only when it is the current day's (or 0 before the first day).
  std::vector<std::uint64_t> pushed_;
  std::uint64_t pushed_mark() const { return begun_ ? day_ + 1 : 0; }
#endif
};

}  // namespace trustsim

namespace trustsim {

// Per-seller sums over the last W whole weeks (the current, partial week
// and the W - 1 before it) of a few counters, kept in weekly buckets: a
// window of a year costs 53 buckets per counter instead of 365 day slots.
// Used for the displayed rating, which buyers see over about a year.
// Integer counts: exact and independent of thread layout.
class WeeklyWindows {
 public:
  static constexpr std::size_t kCounters = 2;
  using Counts = std::array<std::uint32_t, kCounters>;

  // Registers sums over `weeks` weeks; returns the handle. Before sellers.
  std::uint32_t require(std::uint32_t weeks);
  std::uint32_t find(std::uint32_t weeks) const;
  void add_sellers(std::size_t count);
  void reserve(std::size_t sellers);

  // Fixes today's bucket; on a week's first day the oldest bucket is
  // emptied as each seller is pushed. Call once per day before push_day.
  void begin_day(std::uint64_t day);
  // Returns whether the seller's sums may have changed (a count today, or a
  // week leaving the windows): a day with neither touches nothing.
  bool push_day(std::size_t seller, const Counts& counts);

  std::uint32_t sum(std::size_t seller, std::uint32_t handle, std::size_t counter) const {
    return sums_[(handle * kCounters + counter) * stride_ + seller];
  }
  std::size_t bytes_per_seller() const {
    return (ring_weeks_ + windows_.size()) * kCounters * sizeof(std::uint32_t);
  }

 private:
  void restride(std::size_t stride);
  std::vector<std::uint32_t> windows_;  // weeks of each registered sum
  std::size_t ring_weeks_ = 0;          // the longest window
  // Week-major: ring_[(bucket * kCounters + c) * stride_ + seller],
  // sums_[(window * kCounters + c) * stride_ + seller].
  std::vector<std::uint32_t> ring_, sums_;
  std::size_t sellers_ = 0, stride_ = 0;
  std::size_t bucket_ = 0;            // today's
  bool new_week_ = false;             // today starts a week: the bucket is reused
  std::vector<std::size_t> leaving_;  // per window: the bucket that leaves it today
};

}  // namespace trustsim
