// Wall-clock seconds spent in each phase of the day loop. Kept beside the
// results (/timing) so that anyone scaling a run can see where its time
// goes: the phases that do not run in parallel bound the thread speed-up
// (Amdahl), whatever the machine. Never part of the bit-identical tables.
#pragma once

#include <array>
#include <string_view>

namespace trustsim {

enum class DayPhase : unsigned {
  kArrivals,     // seller entry and buyer arrivals (the draws in parallel, the rest in order)
  kCalendar,     // gathering and sorting today's shoppers from the calendar lanes
  kShopping,     // shopping events and rescheduling, parallel over today's shoppers
  kSellers,      // windows, behaviour and enforcement, parallel over sellers
  kOfferTables,  // the next day's ranked offer tables
  kCount
};
inline constexpr std::size_t kDayPhaseCount = static_cast<std::size_t>(DayPhase::kCount);

inline constexpr std::array<std::string_view, kDayPhaseCount> kDayPhaseNames = {
    "arrivals", "calendar", "shopping", "sellers", "offer_tables"};

struct DayPhaseSeconds {
  std::array<double, kDayPhaseCount> seconds{};
  double& operator[](DayPhase phase) { return seconds[static_cast<std::size_t>(phase)]; }
  double operator[](DayPhase phase) const { return seconds[static_cast<std::size_t>(phase)]; }
  void add(const DayPhaseSeconds& other) {
    for (std::size_t i = 0; i < kDayPhaseCount; ++i) seconds[i] += other.seconds[i];
  }
};

}  // namespace trustsim
