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

  // Offer i with weight weights[i] (listings); offer(i) gives its seller,
  // ranking score and performance signal.
  template <class OfferAt>
  void build(std::span<const double> weights, OfferAt offer) {
    entries_.clear();
    alias_.assign(weights);
    entries_.resize(weights.size());
    for (std::size_t c = 0; c < weights.size(); ++c)
      entries_[c] = {alias_.probability(c), offer(c), offer(alias_.alias(c))};
  }
  bool empty() const { return entries_.empty(); }
  // Memory per listed offer: the entry and the alias table kept beside it.
  static constexpr std::size_t kBytesPerOffer = 32 + 2 * sizeof(double) + 3 * sizeof(std::uint32_t);
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
  static_assert(sizeof(Entry) == 32);
  std::vector<Entry> entries_;
  dist::AliasTable alias_;  // kept to reuse its memory from day to day
};

}  // namespace trustsim
