// Inversion-based distributions: one uniform in, one variate out, identical
// on every platform and library version (std:: distributions are not).
// Each is pinned by golden-value tests in tests/test_distributions.cpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "trustsim/rng.hpp"

namespace trustsim::dist {

inline bool bernoulli(double u, double p) { return u < p; }

// Exponential waiting time with the given rate (> 0).
inline double exponential(double u, double rate) { return -std::log(u) / rate; }

// Number of failures before the first success, success probability p in (0,1].
std::uint32_t geometric(double u, double p);

// Poisson by sequential inversion, split into parts of mean <= 500 so that
// exp(-mean) never underflows; uses one uniform per part (parts = ceil(mean/500)).
std::uint32_t poisson(rng::Stream& stream, double mean);

// Standard normal quantile (inverse CDF) at u in (0,1).
double normal_quantile(double u);

// Gamma(shape, scale) by inversion of the regularized incomplete gamma
// function; used only when buyers are created, not on the per-order path.
double gamma_quantile(double u, double shape, double scale);

// The regularised incomplete beta function I_x(a, b) = P(Beta(a, b) <= x), and
// its complement 1 - I_x(a, b), for a, b > 0 and x in [0, 1]: a Beta
// posterior's tails, and (by P(X >= k) = I_t(k, n - k + 1)) a binomial's.
double beta_cdf(double x, double a, double b);
double beta_survival(double x, double a, double b);

// Lognormal with the given arithmetic mean and coefficient of variation.
double lognormal_mean_cv(double u, double mean, double cv);

// Index drawn from unnormalised non-negative weights by inversion of the
// cumulative sum (weights.size() small; the scan order is fixed).
std::size_t discrete(double u, std::span<const double> weights);

// Vose alias table: O(1) draws from a fixed discrete distribution over
// indices 0..n-1. Construction is sequential and deterministic.
class AliasTable {
 public:
  AliasTable() = default;
  explicit AliasTable(std::span<const double> weights);
  // Rebuilds the table for new weights, reusing its memory.
  void assign(std::span<const double> weights);
  bool empty() const { return probability_.empty(); }
  std::size_t size() const { return probability_.size(); }
  // One 64-bit word: the high 32 bits pick the column, the low 32 the coin.
  std::uint32_t sample(std::uint64_t word) const {
    const auto column = this->column(word);
    return coin(word) < probability_[column] ? column : alias_[column];
  }
  std::uint32_t column(std::uint64_t word) const {
    return static_cast<std::uint32_t>(((word >> 32) * probability_.size()) >> 32);
  }
  static double coin(std::uint64_t word) {
    return static_cast<double>(word & 0xFFFF'FFFFull) * 0x1p-32;
  }
  double probability(std::size_t column) const { return probability_[column]; }
  std::uint32_t alias(std::size_t column) const { return alias_[column]; }

 private:
  std::vector<double> probability_;
  std::vector<std::uint32_t> alias_;
  std::vector<double> scaled_;                // build scratch
  std::vector<std::uint32_t> small_, large_;  // build scratch
};

}  // namespace trustsim::dist
