// Rolling-window counters (see include/trustsim/rolling_windows.hpp).
#include "trustsim/rolling_windows.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace trustsim {

namespace {

// The seller capacity after growing to `needed`: a quarter more each time (at
// least 64), so sellers entering one by one do not lay the arrays out daily.
std::size_t grown_stride(std::size_t needed, std::size_t stride) {
  return std::max({needed, stride + stride / 4, std::size_t{64}});
}

// Lays `rows` seller-indexed rows (the first `sellers` values of each) out
// again at a wider stride; the new room is zero.
void widen_rows(std::vector<std::uint32_t>& data, std::size_t rows, std::size_t sellers,
                std::size_t from, std::size_t to) {
  std::vector<std::uint32_t> wider(rows * to, 0);
  for (std::size_t r = 0; r < rows; ++r)
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(r * from), sellers,
                wider.begin() + static_cast<std::ptrdiff_t>(r * to));
  data = std::move(wider);
}

}  // namespace

std::uint32_t RollingWindows::require(Counter counter, std::uint32_t window_days) {
  if (sellers_ != 0) throw std::logic_error("RollingWindows: require() after sellers were added");
  if (window_days == 0) throw std::invalid_argument("RollingWindows: window of 0 days");
  for (std::uint32_t i = 0; i < windows_.size(); ++i)
    if (windows_[i].counter == counter && windows_[i].days == window_days) return i;
  windows_.push_back({counter, window_days});
  auto& ring = ring_days_[static_cast<std::size_t>(counter)];
  ring = std::max(ring, window_days + 1);
  locate();
  return static_cast<std::uint32_t>(windows_.size() - 1);
}

std::uint32_t RollingWindows::find(Counter counter, std::uint32_t window_days) const {
  for (std::uint32_t i = 0; i < windows_.size(); ++i)
    if (windows_[i].counter == counter && windows_[i].days == window_days) return i;
  throw std::out_of_range("RollingWindows: window not registered");
}

void RollingWindows::reserve(std::size_t sellers) {
  if (sellers > stride_) restride(sellers);
}

void RollingWindows::add_sellers(std::size_t count) {
  const std::size_t needed = sellers_ + count;
  if (needed > stride_) restride(grown_stride(needed, stride_));
  sellers_ = needed;
#ifndef NDEBUG
  pushed_.resize(sellers_, pushed_mark());  // a new seller's sums are 0 until it is pushed
#endif
}

void RollingWindows::restride(std::size_t stride) {
  for (std::size_t c = 0; c < kCounterCount; ++c)
    widen_rows(rings_[c], ring_days_[c], sellers_, stride_, stride);
  stride_ = stride;
  locate();
}

void RollingWindows::begin_day(std::uint64_t day) {
  assert((!begun_ || day == day_ + 1) && "days begin in order");
  day_ = day;
  begun_ = true;
  locate();
}

void RollingWindows::locate() {
  // Before the first day every total is 0: both ends of each window read
  // slot 0, which nothing has written yet.
  const auto slot = [this](std::size_t c, std::uint64_t days_back) -> std::size_t {
    if (!begun_) return 0;
    const std::uint64_t ring = ring_days_[c];
    return static_cast<std::size_t>((day_ + ring - days_back) % ring) * stride_;
  };
  reading_.clear();
  for (const auto& w : windows_) {
    const auto c = static_cast<std::size_t>(w.counter);
    reading_.push_back({c, slot(c, 0), slot(c, w.days)});
  }
  writing_.clear();
  for (std::size_t c = 0; c < kCounterCount; ++c)
    if (ring_days_[c]) writing_.push_back({c, slot(c, 0), slot(c, 1)});
}

void RollingWindows::push_day(std::size_t seller, const DayCounts& counts) {
  assert(begun_ && "push_day before begin_day");
  // A seller's first day reads the previous slot's 0: the ring's column was
  // never written before it entered (sellers are never removed).
  for (const auto& r : writing_) {
    auto& ring = rings_[r.counter];
    ring[r.today + seller] = ring[r.yesterday + seller] + counts[r.counter];
  }
#ifndef NDEBUG
  assert(pushed_[seller] == day_ && "each seller is pushed once a day, in order");
  pushed_[seller] = day_ + 1;
#endif
}

std::size_t RollingWindows::bytes_per_seller() const {
  std::size_t bytes = 0;
  for (auto days : ring_days_) bytes += days * sizeof(std::uint32_t);
  return bytes;
}

}  // namespace trustsim

namespace trustsim {

std::uint32_t WeeklyWindows::require(std::uint32_t weeks) {
  if (sellers_ != 0) throw std::logic_error("WeeklyWindows: require() after sellers were added");
  if (weeks == 0) throw std::invalid_argument("WeeklyWindows: window of 0 weeks");
  for (std::uint32_t i = 0; i < windows_.size(); ++i)
    if (windows_[i] == weeks) return i;
  windows_.push_back(weeks);
  ring_weeks_ = std::max<std::size_t>(ring_weeks_, weeks);
  return static_cast<std::uint32_t>(windows_.size() - 1);
}

std::uint32_t WeeklyWindows::find(std::uint32_t weeks) const {
  for (std::uint32_t i = 0; i < windows_.size(); ++i)
    if (windows_[i] == weeks) return i;
  throw std::out_of_range("WeeklyWindows: window not registered");
}

void WeeklyWindows::reserve(std::size_t sellers) {
  if (sellers > stride_) restride(sellers);
}

void WeeklyWindows::add_sellers(std::size_t count) {
  const std::size_t needed = sellers_ + count;
  if (needed > stride_) restride(grown_stride(needed, stride_));
  sellers_ = needed;
}

void WeeklyWindows::restride(std::size_t stride) {
  widen_rows(ring_, ring_weeks_ * kCounters, sellers_, stride_, stride);
  widen_rows(sums_, windows_.size() * kCounters, sellers_, stride_, stride);
  stride_ = stride;
}

void WeeklyWindows::begin_day(std::uint64_t day) {
  if (ring_weeks_ == 0) return;
  const std::uint64_t week = day / 7;
  bucket_ = static_cast<std::size_t>(week % ring_weeks_);
  new_week_ = day % 7 == 0;
  // On a week's first day, the week W weeks back leaves each W-week window.
  leaving_.clear();
  for (auto weeks : windows_)
    leaving_.push_back(static_cast<std::size_t>((week + ring_weeks_ - weeks) % ring_weeks_));
}

bool WeeklyWindows::push_day(std::size_t seller, const Counts& counts) {
  if (ring_weeks_ == 0) return false;
  // Most seller-days bring no feedback: outside a week's first day, nothing moves.
  bool counted = false;
  for (const auto count : counts) counted = counted || count != 0;
  if (!counted && !new_week_) return false;
  for (std::size_t c = 0; c < kCounters; ++c) {
    if (new_week_) {
      // Drop the week that leaves each window, then empty the reused bucket.
      for (std::size_t w = 0; w < windows_.size(); ++w)
        sums_[(w * kCounters + c) * stride_ + seller] -=
            ring_[(leaving_[w] * kCounters + c) * stride_ + seller];
      ring_[(bucket_ * kCounters + c) * stride_ + seller] = 0;
    }
    ring_[(bucket_ * kCounters + c) * stride_ + seller] += counts[c];
    for (std::size_t w = 0; w < windows_.size(); ++w)
      sums_[(w * kCounters + c) * stride_ + seller] += counts[c];
  }
  return true;
}

}  // namespace trustsim
