// Statistics of an experiment: paired contrasts between a candidate arm and
// the baseline over replications (common random numbers make the pairs),
// Student-t confidence intervals and p-values, multiple-comparison adjustment.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "trustsim/enums.hpp"

namespace trustsim::stats {

struct PairedContrast {
  std::size_t n = 0;
  double mean_arm = 0;
  double mean_baseline = 0;
  double mean_diff = 0;
  double se = 0;     // standard error of the mean difference (NaN when n < 2)
  double ci_lo = 0;  // two-sided confidence interval (NaN when n < 2)
  double ci_hi = 0;
  double p_value = 0;  // two-sided paired t-test of a zero difference (NaN when n < 2)
  // Var(arm - baseline) / (Var(arm) + Var(baseline)): the variance of the paired
  // difference relative to what independent samples would give. Common random
  // numbers make it well below 1; independent arms give about 1. NaN when
  // n < 2 or both arms are constant.
  double variance_ratio = 0;
};

// `arm[i]` and `baseline[i]` come from replication i. Sums run in index order.
PairedContrast paired_contrast(std::span<const double> arm, std::span<const double> baseline,
                               double confidence = 0.95);

// Two-sided Student-t critical value for `confidence` with `df` degrees of freedom.
double student_t_critical(double df, double confidence);

// Mean and variance accumulated in order (Welford), for sequential rules.
struct RunningMoments {
  std::size_t n = 0;
  double mean = 0;
  double m2 = 0;
  void add(double x) {
    ++n;
    const double delta = x - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (x - mean);
  }
  double variance() const { return n > 1 ? m2 / static_cast<double>(n - 1) : 0.0; }
};

// Holm (1979) step-down adjustment: controls the family-wise error rate.
// NaN p-values are passed through and do not count towards the family size.
std::vector<double> holm_adjust(std::span<const double> p_values);

// Benjamini-Hochberg (1995) step-up adjustment: controls the false discovery rate.
std::vector<double> benjamini_hochberg_adjust(std::span<const double> p_values);

// The adjustment a scenario names (analysis.p_adjustment); kNone copies.
std::vector<double> adjust_p_values(std::span<const double> p_values, PAdjustment method);

// MSER-5 (White 1997; Franklin & White 2008): where a series' initial
// transient ends. The series is cut into batches of `batch` values; for each
// truncation d (batches dropped from the start, at most half of them), the
// marginal standard error is the variance of the kept batch means divided by
// their count; the truncation that minimises it marks the end of the
// transient. Truncations keep at least 10 batches. `truncation` is in
// values (d * batch), or -1 when the minimum falls in the second half of the
// series (no steady state found: the series still moves) or the series has
// fewer than 20 batches.
struct SteadyState {
  std::ptrdiff_t truncation = -1;
  std::size_t batches = 0;
};
SteadyState mser(std::span<const double> series, std::size_t batch = 5);

// The least-squares line through (x, y), its change from the first x to the
// last relative to the mean of y: how far a series drifts over its span
// (-0.05: the fitted line ends 5% of the mean below where it starts). NaN
// with fewer than two points, equal x or a zero mean.
double relative_trend(std::span<const double> x, std::span<const double> y);

}  // namespace trustsim::stats
