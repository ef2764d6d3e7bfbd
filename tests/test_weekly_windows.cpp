// The displayed rating's weekly windows (WeeklyWindows): each sum equals the
// brute-force sum of the counts pushed on the days of the current week and
// the W - 1 weeks before it, for two window lengths at once, while sellers
// join part-way (the arrays are laid out again) and days start off a week
// boundary. Deterministic counts from a fixed LCG.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "trustsim/rolling_windows.hpp"

namespace trustsim {
namespace {

TEST(WeeklyWindows, SumsMatchTheBruteForceOverWholeWeeks) {
  WeeklyWindows w;
  const auto three = w.require(3);
  const auto five = w.require(5);
  EXPECT_EQ(w.require(3), three);  // registered once
  w.add_sellers(2);
  std::uint64_t lcg = 99;
  auto next = [&lcg] {
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(lcg >> 60);  // 0..15
  };
  std::vector<std::vector<WeeklyWindows::Counts>> pushed;  // [seller][day]
  pushed.resize(2);
  constexpr std::uint64_t kFirstDay = 3;  // not a week's first day
  for (std::uint64_t day = kFirstDay; day < kFirstDay + 80; ++day) {
    if (day == 40) {  // sellers join: 70 more (the arrays grow past 64)
      w.add_sellers(70);
      pushed.resize(72, std::vector<WeeklyWindows::Counts>(day - kFirstDay, {0, 0}));
    }
    w.begin_day(day);
    for (std::size_t s = 0; s < pushed.size(); ++s) {
      const WeeklyWindows::Counts c = {next(), next()};
      w.push_day(s, c);
      pushed[s].push_back(c);
    }
    const std::uint64_t week = day / 7;
    for (std::size_t s = 0; s < pushed.size(); ++s)
      for (const auto& [handle, weeks] : {std::pair{three, 3u}, std::pair{five, 5u}})
        for (std::size_t c = 0; c < WeeklyWindows::kCounters; ++c) {
          std::uint32_t expected = 0;
          for (std::uint64_t d = kFirstDay; d <= day; ++d)
            if (d / 7 + weeks > week) expected += pushed[s][d - kFirstDay][c];
          ASSERT_EQ(w.sum(s, handle, c), expected)
              << "day " << day << " seller " << s << " weeks " << weeks << " counter " << c;
        }
  }
  EXPECT_THROW(w.find(4), std::out_of_range);
}

}  // namespace
}  // namespace trustsim
