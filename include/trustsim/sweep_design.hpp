// Experiment designs over parameter sweeps: Latin hypercube and Sobol' low-discrepancy points
// in the unit hypercube, the Saltelli (2010) design for variance-based sensitivity analysis, and
// first-order / total Sobol' indices with bootstrap percentile intervals.
//
// Every function is a pure function of its arguments: the same inputs give bit-identical
// outputs on any machine and thread count (sums run in index order, no parallel reductions).
// Every random choice comes from an rng::Stream with
//   key     = {seed, 0, 0}
//   counter = (entity, day 0, Purpose::kSweepDesign | sub_stream << 16, block)
// laid out as follows (part of the RNG layout: golden tests pin it):
//   sub-stream 1, entity = dimension: Latin hypercube Fisher-Yates swaps, i = n-1 down to 1
//   sub-stream 2, entity = dimension: Latin hypercube position within the stratum, one
//                                     uniform per point in point order
//   sub-stream 3, entity = dimension: Sobol' digital shift, the stream's first word
//   sub-stream 4, entity = resample:  bootstrap row indices, one bounded draw per base row
// Bounded integers in [0, m) use rejection (OpenBSD arc4random_uniform): 64-bit words below
// 2^64 mod m are redrawn and the rest are reduced mod m, so draws are exactly uniform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace trustsim::design {

// Points in the unit hypercube [0,1)^dims; row-major: result[point][dim].
using UnitPoints = std::vector<std::vector<double>>;

// Largest dimension of a Sobol' sequence (Boost's Joe-Kuo table; checked in the source).
inline constexpr std::size_t kSobolMaxDims = 3667;

// Latin hypercube: `points` rows; in each dimension every one of the `points` equal strata
// [k/points, (k+1)/points) holds exactly one point, at a uniformly random position within it,
// with an independent random permutation of strata to points per dimension. "Holds" is exact in
// double arithmetic: floor(x * points) == k. Throws std::invalid_argument when points or dims
// is 0.
UnitPoints latin_hypercube(std::size_t points, std::size_t dims, std::uint64_t seed);

// Sobol' sequence in Boost's order (boost::random::sobol: Joe-Kuo 2008 direction numbers,
// Antonov-Saleev Gray-code order, 64-bit integer coordinates), starting with the origin as
// SciPy's unscrambled sequence does: point 0 is (0, ..., 0) and points 1, 2, ... are the points
// Boost generates (Boost skips the origin), so dimension 1 runs 0, 0.5, 0.75, 0.25, 0.375, ...
// Coordinates are the top 53 bits of the integer coordinate, so they lie in [0, 1) and are exact
// dyadic rationals.
//
// seed != 0 applies a random digital shift: each dimension's 64-bit integer coordinate is
// XORed with one random word (see the layout above), so point 0 is the shift itself. seed == 0
// gives the unshifted sequence. A digital shift maps the dyadic intervals of each width 2^-d
// onto one another, so points that are equally spread over those intervals stay equally spread
// after the shift.
//
// Balance (why the origin is kept; A. B. Owen, "On dropping the first Sobol' point",
// arXiv:2008.08051): the first 2^m points returned form a (t,m,s)-net, so in every dimension
// each of the 2^m strata [k 2^-m, (k+1) 2^-m) holds exactly one of them, shifted or not; so does
// each later block of 2^m points (points q 2^m to (q+1) 2^m - 1). Use a power of two for
// `points` to get this balance; dropping the origin would cost it (in most dimensions, stratum
// 0 empty and the stratum of point 2^m doubled).
//
// The first `points` rows of a longer design with the same seed and dims are identical, and
// the first `dims` columns are identical to those of a design with more dimensions.
// Throws std::invalid_argument for points == 0, dims == 0 or dims > kSobolMaxDims.
UnitPoints sobol_sequence(std::size_t points, std::size_t dims, std::uint64_t seed);

// Saltelli (2010) design for first-order and total Sobol' indices of k = dims inputs with
// N = base_samples base rows. sobol_sequence(N, 2k, seed) gives A (its first k coordinates)
// and B (its last k), so for N = 2^m the columns of A and B are balanced as described above
// (unshifted, A_0 = B_0 = the origin). Rows are ordered per base row j:
//   A_j, B_j, AB_j^(1), ..., AB_j^(k)
// where AB^(i) is A with column i taken from B; the result has N * (k + 2) rows of k columns.
// Throws std::invalid_argument for base_samples == 0, dims == 0 or 2 * dims > kSobolMaxDims.
UnitPoints saltelli_design(std::size_t base_samples, std::size_t dims, std::uint64_t seed);

struct SobolIndex {
  double estimate = 0;
  double ci_lo = 0;  // bootstrap percentile interval (NaN without resamples)
  double ci_hi = 0;
};

struct SobolIndices {
  // S_i, Saltelli (2010) estimator on centred outputs: mean_j(g(B_j) * (g(AB_j^(i)) - g(A_j))) / V
  // with g = f - mean of the 2N outputs f(A_j), f(B_j). Centring does not change the estimator's
  // expectation (E[f(AB^(i)) - f(A)] = 0) but removes the variance that f's mean level adds.
  std::vector<SobolIndex> first_order;
  // ST_i, Jansen (1999) estimator: mean_j((f(A_j) - f(AB_j^(i)))^2) / (2 V).
  std::vector<SobolIndex> total_order;
  // V: sample variance (denominator 2N - 1) of the 2N outputs f(A_j) and f(B_j) together.
  double variance = 0;
};

// First-order and total indices from `outputs`, the model outputs in saltelli_design row order
// (size N * (k + 2) for N = base_samples, k = dims).
//
// Intervals: `resamples` bootstrap resamples of the N base rows (with replacement; each resample
// re-estimates the mean, V and every index on the same rows, centring with its own mean), then the
// (1 - confidence) / 2 and (1 + confidence) / 2 percentiles of each index's resampled estimates,
// interpolated linearly between order statistics (Hyndman-Fan type 7). resamples == 0 gives NaN
// intervals, and so does a resample whose variance is 0 (too few distinct outputs to bootstrap).
// The bootstrap treats the base rows as independent, so for a Sobol' design the interval is
// conservative (quasi-Monte Carlo errors are smaller than Monte Carlo ones).
//
// If V == 0 (a constant output) every estimate and interval is NaN. Throws
// std::invalid_argument when outputs.size() != N * (k + 2), N < 2, dims == 0 or confidence is
// not in (0, 1).
SobolIndices sobol_indices(std::span<const double> outputs, std::size_t base_samples,
                           std::size_t dims, std::size_t resamples, double confidence,
                           std::uint64_t seed);

}  // namespace trustsim::design
