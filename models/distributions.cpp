// Inversion-based distributions (see include/trustsim/distributions.hpp).
#include "trustsim/distributions.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace trustsim::dist {
namespace {
// Compute in double throughout: Boost's default promotes to long double,
// which is several times slower and differs between x86 and other targets.
using DoublePolicy = boost::math::policies::policy<boost::math::policies::promote_float<false>,
                                                   boost::math::policies::promote_double<false>>;
}  // namespace

std::uint32_t geometric(double u, double p) {
  constexpr double kMax = 4294967295.0;  // saturate instead of overflowing uint32
  if (p >= 1.0) return 0;
  if (!(p > 0.0)) return static_cast<std::uint32_t>(kMax);
  return static_cast<std::uint32_t>(std::min(std::floor(std::log(u) / std::log1p(-p)), kMax));
}

namespace {
std::uint32_t poisson_part(double u, double mean) {
  double term = std::exp(-mean);
  double cumulative = term;
  std::uint32_t k = 0;
  // Stop at a generous cap so a uniform within rounding of 1 cannot loop.
  const auto cap = static_cast<std::uint32_t>(mean + 40.0 * std::sqrt(mean) + 40.0);
  while (u > cumulative && k < cap) {
    ++k;
    term *= mean / k;
    cumulative += term;
  }
  return k;
}
}  // namespace

std::uint32_t poisson(rng::Stream& stream, double mean) {
  if (!(mean > 0.0)) return 0;
  constexpr double kPartMean = 500.0;
  const auto parts = static_cast<std::uint32_t>(std::ceil(mean / kPartMean));
  const double part_mean = mean / parts;
  std::uint32_t total = 0;
  for (std::uint32_t i = 0; i < parts; ++i) total += poisson_part(stream.uniform(), part_mean);
  return total;
}

double normal_quantile(double u) {
  return -std::sqrt(2.0) * boost::math::erfc_inv(2.0 * u, DoublePolicy());
}

double gamma_quantile(double u, double shape, double scale) {
  return scale * boost::math::gamma_p_inv(shape, u, DoublePolicy());
}

double beta_cdf(double x, double a, double b) {
  return boost::math::ibeta(a, b, x, DoublePolicy());
}

double beta_survival(double x, double a, double b) {
  return boost::math::ibetac(a, b, x, DoublePolicy());
}

double lognormal_mean_cv(double u, double mean, double cv) {
  if (cv <= 0.0) return mean;
  const double sigma2 = std::log1p(cv * cv);
  const double mu = std::log(mean) - 0.5 * sigma2;
  return std::exp(mu + std::sqrt(sigma2) * normal_quantile(u));
}

std::size_t discrete(double u, std::span<const double> weights) {
  double total = 0.0;
  for (double w : weights) total += w;
  double target = u * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (target < weights[i]) return i;
    target -= weights[i];
  }
  // Rounding can leave target a hair above the last weight: take the last
  // index that has positive weight.
  for (std::size_t i = weights.size(); i-- > 0;)
    if (weights[i] > 0.0) return i;
  throw std::invalid_argument("discrete: all weights are zero");
}

AliasTable::AliasTable(std::span<const double> weights) { assign(weights); }

void AliasTable::assign(std::span<const double> weights) {
  const std::size_t n = weights.size();
  probability_.clear();
  alias_.clear();
  if (n == 0) return;
  double total = 0.0;
  for (double w : weights) total += w;
  if (!(total > 0.0)) throw std::invalid_argument("AliasTable: all weights are zero");
  probability_.assign(n, 0.0);
  alias_.assign(n, 0);
  // Vose's method; the work lists are kept between builds (no allocation
  // when a table of similar size is rebuilt every simulated day).
  auto& scaled = scaled_;
  auto& small = small_;
  auto& large = large_;
  scaled.resize(n);
  small.clear();
  large.clear();
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const auto s = small.back();
    small.pop_back();
    const auto l = large.back();
    probability_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (auto i : large) probability_[i] = 1.0, alias_[i] = i;
  for (auto i : small) probability_[i] = 1.0, alias_[i] = i;
}

}  // namespace trustsim::dist
