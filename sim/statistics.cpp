// Paired contrasts and p-value adjustments (see include/trustsim/statistics.hpp).
#include "trustsim/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>

namespace trustsim::stats {

PairedContrast paired_contrast(std::span<const double> arm, std::span<const double> baseline,
                               double confidence) {
  if (arm.size() != baseline.size())
    throw std::invalid_argument("paired_contrast: arms have different replication counts");
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  PairedContrast c;
  c.n = arm.size();
  if (c.n == 0) {
    c.mean_arm = c.mean_baseline = c.mean_diff = c.se = c.ci_lo = c.ci_hi = c.p_value =
        c.variance_ratio = nan;
    return c;
  }
  const double n = static_cast<double>(c.n);
  double sum_arm = 0, sum_base = 0, sum_diff = 0;
  for (std::size_t i = 0; i < c.n; ++i) {
    sum_arm += arm[i];
    sum_base += baseline[i];
    sum_diff += arm[i] - baseline[i];
  }
  c.mean_arm = sum_arm / n;
  c.mean_baseline = sum_base / n;
  c.mean_diff = sum_diff / n;
  if (c.n < 2) {
    c.se = c.ci_lo = c.ci_hi = c.p_value = c.variance_ratio = nan;
    return c;
  }
  double ss = 0;  // two-pass variances: stable when differences are small vs. levels
  double ss_arm = 0, ss_base = 0;
  for (std::size_t i = 0; i < c.n; ++i) {
    const double d = (arm[i] - baseline[i]) - c.mean_diff;
    ss += d * d;
    ss_arm += (arm[i] - c.mean_arm) * (arm[i] - c.mean_arm);
    ss_base += (baseline[i] - c.mean_baseline) * (baseline[i] - c.mean_baseline);
  }
  c.variance_ratio = ss_arm + ss_base > 0 ? ss / (ss_arm + ss_base) : nan;
  c.se = std::sqrt(ss / (n - 1.0) / n);
  const boost::math::students_t t(n - 1.0);
  const double q = student_t_critical(n - 1.0, confidence);
  c.ci_lo = c.mean_diff - q * c.se;
  c.ci_hi = c.mean_diff + q * c.se;
  if (c.se > 0) {
    c.p_value = 2.0 * boost::math::cdf(boost::math::complement(t, std::abs(c.mean_diff) / c.se));
  } else {
    c.p_value = c.mean_diff == 0.0 ? 1.0 : 0.0;  // identical pairs, or a constant shift
  }
  return c;
}

double student_t_critical(double df, double confidence) {
  return boost::math::quantile(boost::math::students_t(df), 0.5 + confidence / 2.0);
}

namespace {
std::vector<std::size_t> finite_order(std::span<const double> p) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (!std::isnan(p[i])) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  return order;
}
}  // namespace

std::vector<double> holm_adjust(std::span<const double> p) {
  std::vector<double> out(p.begin(), p.end());
  const auto order = finite_order(p);
  const double m = static_cast<double>(order.size());
  double running = 0.0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    running = std::max(running, std::min(1.0, (m - static_cast<double>(k)) * p[order[k]]));
    out[order[k]] = running;
  }
  return out;
}

std::vector<double> benjamini_hochberg_adjust(std::span<const double> p) {
  std::vector<double> out(p.begin(), p.end());
  const auto order = finite_order(p);
  const double m = static_cast<double>(order.size());
  double running = 1.0;
  for (std::size_t k = order.size(); k-- > 0;) {
    running = std::min(running, std::min(1.0, m / static_cast<double>(k + 1) * p[order[k]]));
    out[order[k]] = running;
  }
  return out;
}

std::vector<double> adjust_p_values(std::span<const double> p_values, PAdjustment method) {
  switch (method) {
    case PAdjustment::kHolm: return holm_adjust(p_values);
    case PAdjustment::kBenjaminiHochberg: return benjamini_hochberg_adjust(p_values);
    case PAdjustment::kNone: break;
  }
  return {p_values.begin(), p_values.end()};
}

double relative_trend(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const double count = static_cast<double>(n);
  const double mean_x = std::accumulate(x.begin(), x.begin() + n, 0.0) / count;
  const double mean_y = std::accumulate(y.begin(), y.begin() + n, 0.0) / count;
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mean_x) * (y[i] - mean_y);
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
  }
  if (sxx == 0 || mean_y == 0) return std::numeric_limits<double>::quiet_NaN();
  return sxy / sxx * (x[n - 1] - x[0]) / mean_y;
}

SteadyState mser(std::span<const double> series, std::size_t batch) {
  SteadyState out;
  if (batch == 0) return out;
  const std::size_t m = series.size() / batch;
  out.batches = m;
  // The statistic is unstable when few batches are kept (a few batch means
  // can agree by chance): every truncation keeps at least kMinKept, so a
  // series needs 2 * kMinKept batches to be judged at all.
  constexpr std::size_t kMinKept = 10;
  if (m < 2 * kMinKept) return out;
  std::vector<double> means(m);
  for (std::size_t i = 0; i < m; ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < batch; ++j) sum += series[i * batch + j];
    means[i] = sum / static_cast<double>(batch);
  }
  // Suffix sums give every truncation's mean and spread in one pass.
  std::vector<double> sum(m + 1, 0.0), sum_sq(m + 1, 0.0);
  for (std::size_t i = m; i-- > 0;) {
    sum[i] = sum[i + 1] + means[i];
    sum_sq[i] = sum_sq[i + 1] + means[i] * means[i];
  }
  double best = 0;
  std::size_t best_d = 0;
  // A minimum past the half is a verdict (no steady state: the series still
  // moves), not a truncation to use.
  for (std::size_t d = 0; d + kMinKept <= m; ++d) {
    const auto kept = static_cast<double>(m - d);
    const double mean = sum[d] / kept;
    const double spread = std::max(0.0, sum_sq[d] - kept * mean * mean);
    const double mse = spread / (kept * kept);
    if (d == 0 || mse < best) {
      best = mse;
      best_d = d;
    }
  }
  if (best_d <= m / 2) out.truncation = static_cast<std::ptrdiff_t>(best_d * batch);
  return out;
}

}  // namespace trustsim::stats
