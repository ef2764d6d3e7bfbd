// Statistics of an experiment: paired contrasts between a candidate arm and
// the baseline over replications (common random numbers make the pairs),
// Student-t confidence intervals and p-values, multiple-comparison adjustment.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

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
};

// `arm[i]` and `baseline[i]` come from replication i. Sums run in index order.
PairedContrast paired_contrast(std::span<const double> arm, std::span<const double> baseline,
                               double confidence = 0.95);

// Holm (1979) step-down adjustment: controls the family-wise error rate.
// NaN p-values are passed through and do not count towards the family size.
std::vector<double> holm_adjust(std::span<const double> p_values);

// Benjamini-Hochberg (1995) step-up adjustment: controls the false discovery rate.
std::vector<double> benjamini_hochberg_adjust(std::span<const double> p_values);

}  // namespace trustsim::stats
