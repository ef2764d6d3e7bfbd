// Counter-based random streams (Random123 Philox4x64-10).
//
// Every draw is a pure function of
//   key     = (master_seed, replication [+ arm when arms are independent])
//   counter = (entity id, day, purpose | sub-stream << 16, block)
// so results never depend on thread or rank layout, creation order or the
// number of draws another entity made. Each Philox call yields four 64-bit
// words; a Stream hands them out in order and moves to the next block.
#pragma once

#include <array>
#include <cstdint>

#include <Random123/philox.h>

namespace trustsim::rng {

// What a stream is for. Values are part of the RNG layout: never renumber,
// only append (golden tests pin them).
enum class Purpose : std::uint64_t {
  kSellerTraits = 1,   // seller's fixed attributes at creation
  kBuyerTraits = 2,    // buyer's persona, intensity at creation
  kBuyerArrivals = 3,  // number of new buyers per day (entity 0)
  kSellerEntry = 4,    // number of new sellers per day (entity 0)
  kShoppingChoice =
      5,              // category, choice, next shopping/churn/return times, offers (entity = buyer)
  kOrderOutcome = 6,  // the order's fulfilment and reaction draws (entity = buyer)
  kBuyerTiming = 7,   // unused since timing draws share the shopping stream; kept reserved
  kSellerBehaviour = 8,  // exit, appeal, coaching uptake (entity = seller)
  kEnforcement = 9,      // reinstatement decisions (entity = seller)
  kSweepDesign = 10,     // sweep design draws (entity = dimension or point)
  kCalibration = 11,     // the calibration search's own draws (entity = generation)
};

// Sentinel day for draws made when an entity is created before day 0.
inline constexpr std::uint64_t kCreationDay = 0xFFFF'FFFF'FFFF'FFFFull;

struct StreamKey {
  std::uint64_t master_seed = 0;
  std::uint64_t replication = 0;
  // 0 under common random numbers; the arm index when arms are independent
  // (so the baseline, arm 0, keeps its common-random-numbers stream).
  std::uint64_t arm_salt = 0;
};

class Stream {
 public:
  using Engine = r123::Philox4x64;

  Stream(const StreamKey& key, std::uint64_t entity, std::uint64_t day, Purpose purpose,
         std::uint64_t sub_stream = 0)
      : key_{{key.master_seed, key.replication ^ (key.arm_salt << 40)}},
        counter_{{entity, day, static_cast<std::uint64_t>(purpose) | (sub_stream << 16), 0}} {}

  // Next raw 64-bit word.
  std::uint64_t next_u64() {
    if (used_ == 4) refill();
    return block_.v[used_++];
  }

  // Uniform on the open interval (0, 1): 52 random bits centred in their
  // cell, so the extremes are 2^-53 and 1 - 2^-53 (both exact doubles) and
  // inversion formulas (log(u), log1p(-u), quantiles) are always finite.
  double uniform() { return (static_cast<double>(next_u64() >> 12) + 0.5) * 0x1p-52; }

  // Draws consumed so far (for tests of the layout).
  std::uint64_t draws() const { return counter_.v[3] * 4 - (4 - used_); }

 private:
  void refill() {
    block_ = Engine{}(counter_, key_);
    ++counter_.v[3];
    used_ = 0;
  }

  Engine::key_type key_;
  Engine::ctr_type counter_;
  Engine::ctr_type block_{};
  unsigned used_ = 4;
};

// A stream read by fixed 32-bit slots: slot k is the high (k even) or low
// (k odd) half of word k / 2, whichever slots were read before, and a block
// of four words is generated only when first needed. Fixed slots keep
// common random numbers aligned between arms even when one arm skips a
// decision; 32 bits resolve probabilities to 2.3e-10, far below any rate the
// model uses, and halve the Philox work per decision.
template <std::size_t Words>
class SlotStream {
 public:
  SlotStream(const StreamKey& key, std::uint64_t entity, std::uint64_t day, Purpose purpose,
             std::uint64_t sub_stream)
      : stream_(key, entity, day, purpose, sub_stream) {}

  static constexpr unsigned kSlots = 2 * Words;

  std::uint32_t bits(unsigned slot) {
    const unsigned word = slot / 2;
    while (generated_ <= word) words_[generated_++] = stream_.next_u64();
    return static_cast<std::uint32_t>(slot % 2 ? words_[word] : words_[word] >> 32);
  }
  // Uniform on (0, 1): 2^-33 to 1 - 2^-33.
  double uniform(unsigned slot) { return (static_cast<double>(bits(slot)) + 0.5) * 0x1p-32; }

 private:
  Stream stream_;
  std::array<std::uint64_t, Words> words_;  // only words_[0, generated_) are ever read
  unsigned generated_ = 0;
};

}  // namespace trustsim::rng
