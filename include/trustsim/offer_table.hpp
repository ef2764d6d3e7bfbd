// The listed offers of one category for a day: sampled in proportion to each
// seller's listings (an alias table), with the seller id and its frozen
// ranking score stored beside each column so a draw touches one cache line
// instead of three arrays. One 32-bit draw picks one offer (sample32).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "trustsim/distributions.hpp"

namespace trustsim {

class OfferTable {
 public:
  struct Offer {
    float score;
    std::uint32_t seller;
    float signal;  // for the featured-offer eligibility floor
  };

  // sellers[i] with weight weights[i] (listings), ranking score scores[i]
  // and performance signal signals[i].
  void build(std::span<const std::uint32_t> sellers, std::span<const double> weights,
             std::span<const float> scores, std::span<const float> signals) {
    entries_.clear();
    if (sellers.empty()) return;
    const dist::AliasTable table(weights);
    entries_.resize(sellers.size());
    for (std::size_t c = 0; c < sellers.size(); ++c) {
      const auto a = table.alias(c);
      entries_[c] = {table.probability(c),
                     {scores[c], sellers[c], signals[c]},
                     {scores[a], sellers[a], signals[a]}};
    }
  }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

  // From 32 random bits: the column is the high part of bits * n and the
  // coin its low part (multiply-shift), so one 32-bit slot draws one offer.
  // Within a column the coin moves in steps of n * 2^-32 (5e-6 for 20,000
  // listed sellers), which bounds the error of each column's split.
  Offer sample32(std::uint32_t bits) const {
    const std::uint64_t product = std::uint64_t{bits} * entries_.size();
    const Entry& e = entries_[product >> 32];
    const double coin = static_cast<double>(product & 0xFFFF'FFFFull) * 0x1p-32;
    return coin < e.threshold ? e.own : e.alias;
  }
  // Asks for the cache line a later sample32(bits) reads (draws are random
  // accesses: issuing all of an event's fetches first overlaps their latency).
  void prefetch32(std::uint32_t bits) const {
    __builtin_prefetch(&entries_[(std::uint64_t{bits} * entries_.size()) >> 32]);
  }

 private:
  struct alignas(32) Entry {  // two entries per cache line, never straddling
    double threshold;
    Offer own;
    Offer alias;
  };
  std::vector<Entry> entries_;
};

}  // namespace trustsim
