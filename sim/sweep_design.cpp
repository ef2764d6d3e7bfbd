// Sweep designs and Sobol' indices (see include/trustsim/sweep_design.hpp).
#include "trustsim/sweep_design.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/random/sobol.hpp>

#include "trustsim/rng.hpp"

namespace trustsim::design {

static_assert(kSobolMaxDims == boost::random::default_sobol_table::max_dimension,
              "kSobolMaxDims must match Boost's Sobol' table");

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sub-streams of Purpose::kSweepDesign (part of the RNG layout: never renumber).
constexpr std::uint64_t kLatinPermutation = 1;  // entity = dimension
constexpr std::uint64_t kLatinPosition = 2;     // entity = dimension
constexpr std::uint64_t kSobolShift = 3;        // entity = dimension
constexpr std::uint64_t kBootstrapRows = 4;     // entity = resample

rng::Stream design_stream(std::uint64_t seed, std::uint64_t entity, std::uint64_t sub_stream) {
  return rng::Stream(rng::StreamKey{seed, 0, 0}, entity, 0, rng::Purpose::kSweepDesign, sub_stream);
}

// Uniform integer in [0, bound), bound > 0, by rejection: the accepted words
// [2^64 mod bound, 2^64) are a whole number of copies of [0, bound) under reduction mod bound.
std::uint64_t bounded(rng::Stream& stream, std::uint64_t bound) {
  const std::uint64_t reject_below = (0 - bound) % bound;  // 2^64 mod bound
  for (;;) {
    const std::uint64_t word = stream.next_u64();
    if (word >= reject_below) return word % bound;
  }
}

// (stratum + u) / n for u in (0, 1), nudged so that floor(x * n) == stratum holds exactly in
// double arithmetic: for large n the sum or quotient can round onto a stratum edge.
double place_in_stratum(std::size_t stratum, double u, std::size_t n) {
  const double k = static_cast<double>(stratum);
  const double count = static_cast<double>(n);
  double x = (k + u) / count;
  while (std::floor(x * count) > k) x = std::nextafter(x, 0.0);
  while (std::floor(x * count) < k) x = std::nextafter(x, 1.0);
  return x;
}

// Top 53 bits of a 64-bit integer coordinate as a double in [0, 1), exactly.
double unit_from_bits(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1p-53; }

void check_sobol_dims(std::size_t dims, const char* what) {
  if (dims == 0 || dims > kSobolMaxDims)
    throw std::invalid_argument(std::string(what) + ": Sobol' dimension " + std::to_string(dims) +
                                " is outside [1, " + std::to_string(kSobolMaxDims) + "]");
}

// The Saltelli layout: base row j occupies rows j * (k + 2) (A) to j * (k + 2) + k + 1 (AB^(k)).
struct SaltelliLayout {
  std::span<const double> outputs;
  std::size_t k;
  double a(std::size_t j) const { return outputs[j * (k + 2)]; }
  double b(std::size_t j) const { return outputs[j * (k + 2) + 1]; }
  double ab(std::size_t j, std::size_t i) const { return outputs[j * (k + 2) + 2 + i]; }
};

// V, S_i and ST_i over the base rows row(0), ..., row(n - 1) (the identity for the estimate,
// a resample for the bootstrap). The mean, V and the centring of S_i all use these rows, so a
// resample is centred with its own mean. `first` and `total` receive k values each. Sums run
// in t order.
template <typename RowOf>
double estimate(const SaltelliLayout& layout, std::size_t n, RowOf row, std::vector<double>& first,
                std::vector<double>& total) {
  const double count = static_cast<double>(n);
  double sum = 0;
  for (std::size_t t = 0; t < n; ++t) sum += layout.a(row(t)) + layout.b(row(t));
  const double mean = sum / (2.0 * count);
  double ss = 0;  // two-pass variance: stable when the spread is small vs. the level
  for (std::size_t t = 0; t < n; ++t) {
    const double da = layout.a(row(t)) - mean;
    const double db = layout.b(row(t)) - mean;
    ss += da * da + db * db;
  }
  const double variance = ss / (2.0 * count - 1.0);
  for (std::size_t i = 0; i < layout.k; ++i) {
    if (variance == 0.0) {  // constant outputs: the indices are undefined, not infinite
      first[i] = total[i] = kNaN;
      continue;
    }
    // First order on centred outputs g = f - mean: g(AB^(i)) - g(A) = f(AB^(i)) - f(A), so only
    // the f(B) factor changes. E[f(AB^(i)) - f(A)] = 0, so centring leaves the expectation as
    // it was and removes the term mean * (f(AB^(i)) - f(A)), whose variance grows with the
    // output's level. The difference is taken on f, not g: equal in exact arithmetic, one
    // rounding fewer, and exactly 0 when f(AB^(i)) == f(A).
    double sum_first = 0, sum_total = 0;
    for (std::size_t t = 0; t < n; ++t) {
      const std::size_t j = row(t);
      const double diff = layout.ab(j, i) - layout.a(j);
      sum_first += (layout.b(j) - mean) * diff;
      sum_total += diff * diff;
    }
    first[i] = sum_first / count / variance;
    total[i] = sum_total / count / (2.0 * variance);
  }
  return variance;
}

// Percentile p of sorted values, linear between order statistics (Hyndman-Fan type 7).
double percentile(const std::vector<double>& sorted, double p) {
  const double h = (static_cast<double>(sorted.size()) - 1.0) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

// Percentile interval of one index's bootstrap estimates; NaN when there are none or any is
// NaN (a resample with zero variance).
std::pair<double, double> interval(std::vector<double> values, double confidence) {
  if (values.empty()) return {kNaN, kNaN};
  for (double v : values)
    if (std::isnan(v)) return {kNaN, kNaN};
  std::sort(values.begin(), values.end());
  const double tail = (1.0 - confidence) / 2.0;
  return {percentile(values, tail), percentile(values, 1.0 - tail)};
}

}  // namespace

UnitPoints latin_hypercube(std::size_t points, std::size_t dims, std::uint64_t seed) {
  if (points == 0 || dims == 0)
    throw std::invalid_argument("latin_hypercube: points and dims must be positive");
  UnitPoints result(points, std::vector<double>(dims));
  std::vector<std::size_t> strata(points);
  for (std::size_t d = 0; d < dims; ++d) {
    for (std::size_t p = 0; p < points; ++p) strata[p] = p;
    rng::Stream swaps = design_stream(seed, d, kLatinPermutation);
    for (std::size_t i = points - 1; i > 0; --i)  // Fisher-Yates: strata[i] <-> strata[<= i]
      std::swap(strata[i], strata[bounded(swaps, i + 1)]);
    rng::Stream positions = design_stream(seed, d, kLatinPosition);
    for (std::size_t p = 0; p < points; ++p)
      result[p][d] = place_in_stratum(strata[p], positions.uniform(), points);
  }
  return result;
}

UnitPoints sobol_sequence(std::size_t points, std::size_t dims, std::uint64_t seed) {
  if (points == 0) throw std::invalid_argument("sobol_sequence: points must be positive");
  check_sobol_dims(dims, "sobol_sequence");
  std::vector<std::uint64_t> shift(dims, 0);
  if (seed != 0)
    for (std::size_t d = 0; d < dims; ++d)
      shift[d] = design_stream(seed, d, kSobolShift).next_u64();
  // Point 0 is the origin (shifted), which Boost's engine skips: the engine starts at point 1
  // and returns one coordinate per call, dimension by dimension, in Gray-code order of the
  // point index.
  UnitPoints result(points, std::vector<double>(dims));
  for (std::size_t d = 0; d < dims; ++d) result[0][d] = unit_from_bits(shift[d]);
  boost::random::sobol engine(dims);
  for (std::size_t p = 1; p < points; ++p)
    for (std::size_t d = 0; d < dims; ++d) result[p][d] = unit_from_bits(engine() ^ shift[d]);
  return result;
}

UnitPoints saltelli_design(std::size_t base_samples, std::size_t dims, std::uint64_t seed) {
  if (base_samples == 0) throw std::invalid_argument("saltelli_design: base_samples must be >= 1");
  if (dims == 0 || dims > kSobolMaxDims / 2)
    throw std::invalid_argument("saltelli_design: dims must be in [1, " +
                                std::to_string(kSobolMaxDims / 2) + "]");
  const UnitPoints base = sobol_sequence(base_samples, 2 * dims, seed);
  UnitPoints result;
  result.reserve(base_samples * (dims + 2));
  for (const auto& row : base) {
    const std::vector<double> a(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(dims));
    const std::vector<double> b(row.begin() + static_cast<std::ptrdiff_t>(dims), row.end());
    result.push_back(a);
    result.push_back(b);
    for (std::size_t i = 0; i < dims; ++i) {
      result.push_back(a);
      result.back()[i] = b[i];
    }
  }
  return result;
}

SobolIndices sobol_indices(std::span<const double> outputs, std::size_t base_samples,
                           std::size_t dims, std::size_t resamples, double confidence,
                           std::uint64_t seed) {
  if (dims == 0) throw std::invalid_argument("sobol_indices: dims must be positive");
  if (base_samples < 2) throw std::invalid_argument("sobol_indices: base_samples must be >= 2");
  const std::size_t row_size = dims + 2;
  if (outputs.size() % row_size != 0 || outputs.size() / row_size != base_samples)
    throw std::invalid_argument(
        "sobol_indices: expected base_samples * (dims + 2) = " + std::to_string(base_samples) +
        " * " + std::to_string(row_size) + " outputs, got " + std::to_string(outputs.size()));
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument("sobol_indices: confidence must be in (0, 1)");

  const SaltelliLayout layout{outputs, dims};
  std::vector<double> first(dims), total(dims);
  SobolIndices result;
  result.variance = estimate(
      layout, base_samples, [](std::size_t t) { return t; }, first, total);

  // Bootstrap: resample r draws its base rows from its own stream, so resample r is the same
  // whatever the number requested. Skipped when V == 0: the intervals stay NaN.
  std::vector<std::vector<double>> boot_first(dims), boot_total(dims);
  if (result.variance != 0.0) {
    for (std::size_t i = 0; i < dims; ++i) {
      boot_first[i].reserve(resamples);
      boot_total[i].reserve(resamples);
    }
    std::vector<std::size_t> rows(base_samples);
    std::vector<double> bf(dims), bt(dims);
    for (std::size_t r = 0; r < resamples; ++r) {
      rng::Stream draws = design_stream(seed, r, kBootstrapRows);
      for (auto& j : rows) j = static_cast<std::size_t>(bounded(draws, base_samples));
      estimate(
          layout, base_samples, [&rows](std::size_t t) { return rows[t]; }, bf, bt);
      for (std::size_t i = 0; i < dims; ++i) {
        boot_first[i].push_back(bf[i]);
        boot_total[i].push_back(bt[i]);
      }
    }
  }

  result.first_order.resize(dims);
  result.total_order.resize(dims);
  for (std::size_t i = 0; i < dims; ++i) {
    const auto [f_lo, f_hi] = interval(std::move(boot_first[i]), confidence);
    const auto [t_lo, t_hi] = interval(std::move(boot_total[i]), confidence);
    result.first_order[i] = {first[i], f_lo, f_hi};
    result.total_order[i] = {total[i], t_lo, t_hi};
  }
  return result;
}

}  // namespace trustsim::design
