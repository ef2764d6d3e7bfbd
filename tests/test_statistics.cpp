// Tests for the experiment statistics (include/trustsim/statistics.hpp, sim/statistics.cpp):
// paired contrasts (means, standard error, Student-t confidence interval and two-sided p-value)
// against hand-computed and closed-form values, the degenerate cases (n = 0, n = 1, identical
// arms, constant shift, mismatched sizes), and the Holm and Benjamini-Hochberg adjustments on
// textbook examples plus their defining properties (monotone, capped at 1, NaN passthrough).
//
// Student-t reference values were computed independently with mpmath 1.3 (50 digits) from the
// regularised incomplete beta function: two-sided p = I_{df/(df+t^2)}(df/2, 1/2); quantiles by
// bisection of that expression.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "trustsim/rng.hpp"
#include "trustsim/statistics.hpp"

namespace trustsim::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Student-t 0.975 quantile, df = 4 (mpmath): 2.7764451051977943578.
constexpr double kT975Df4 = 2.7764451051977943578;
// Student-t 0.95 quantile, df = 4 (mpmath): 2.1318467863266495285.
constexpr double kT95Df4 = 2.1318467863266495285;

// Relative tolerance for quantities built from Boost's Student-t quantile/cdf: they are
// accurate to ~1e-15; 1e-12 allows for platform differences yet catches any wrong df, wrong
// tail or normal-instead-of-t mistake (those differ in the 2nd-3rd digit here).
constexpr double kRel = 1e-12;

void ExpectRelNear(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, kRel * std::abs(expected)) << what;
}

// ---------------------------------------------------------------------------------------
// paired_contrast
// ---------------------------------------------------------------------------------------

// Differences {1, 2, 3, 4, 5}: mean 3, sample variance 2.5, se = sqrt(2.5 / 5) = 0.70710678,
// t = 3 / se = 4.2426407, df = 4; two-sided p = 0.01323559956368268952 (mpmath).
TEST(PairedContrast, HandComputedExample) {
  const std::vector<double> baseline{10, 20, 30, 40, 50};
  const std::vector<double> arm{11, 22, 33, 44, 55};
  const auto c = paired_contrast(arm, baseline);
  EXPECT_EQ(c.n, 5u);
  EXPECT_DOUBLE_EQ(c.mean_arm, 33.0);
  EXPECT_DOUBLE_EQ(c.mean_baseline, 30.0);
  EXPECT_DOUBLE_EQ(c.mean_diff, 3.0);
  EXPECT_DOUBLE_EQ(c.se, std::sqrt(0.5));
  ExpectRelNear(c.ci_lo, 3.0 - kT975Df4 * std::sqrt(0.5), "ci_lo");
  ExpectRelNear(c.ci_hi, 3.0 + kT975Df4 * std::sqrt(0.5), "ci_hi");
  ExpectRelNear(c.p_value, 0.01323559956368268952, "p_value");
}

TEST(PairedContrast, ConfidenceLevelIsHonoured) {
  const std::vector<double> baseline{0, 0, 0, 0, 0};
  const std::vector<double> arm{1, 2, 3, 4, 5};
  const auto c = paired_contrast(arm, baseline, 0.90);
  ExpectRelNear(c.ci_lo, 3.0 - kT95Df4 * std::sqrt(0.5), "ci_lo 90%");
  ExpectRelNear(c.ci_hi, 3.0 + kT95Df4 * std::sqrt(0.5), "ci_hi 90%");
  // The p-value does not depend on the confidence level.
  ExpectRelNear(c.p_value, 0.01323559956368268952, "p_value");
}

// Differences {-1, 1, 2, 3, 5}: mean 2, deviations {-3, -1, 0, 1, 3}, sum of squares 20,
// variance 5, se = sqrt(5 / 5) = 1, so t = 2 exactly with df = 4. For df = 4 the t CDF has
// the closed form F(t) = 1/2 + (3/8) s (1 - t^2 / (12 (1 + t^2/4))) with s = t / sqrt(1 + t^2/4),
// giving p = 1 - 5 sqrt(2) / 8 = 0.1161165235168155945.
TEST(PairedContrast, TEqualsTwoWithFourDegreesOfFreedom) {
  const std::vector<double> baseline{100, 100, 100, 100, 100};
  const std::vector<double> arm{99, 101, 102, 103, 105};
  const auto c = paired_contrast(arm, baseline);
  EXPECT_DOUBLE_EQ(c.mean_diff, 2.0);
  EXPECT_DOUBLE_EQ(c.se, 1.0);
  ExpectRelNear(c.p_value, 1.0 - 5.0 * std::sqrt(2.0) / 8.0, "p_value closed form");
  ExpectRelNear(c.p_value, 0.1161165235168155945, "p_value mpmath");
  ExpectRelNear(c.ci_lo, 2.0 - kT975Df4, "ci_lo");
  ExpectRelNear(c.ci_hi, 2.0 + kT975Df4, "ci_hi");
}

// n = 2, differences {0, 4}: mean 2, sd sqrt(8), se 2, t = 1, df = 1 (Cauchy):
// p = 2 (1/2 - atan(1)/pi) = 0.5 exactly; t_0.975(1) = tan(0.475 pi) = 12.706204736174707.
TEST(PairedContrast, OneDegreeOfFreedomIsCauchy) {
  const std::vector<double> baseline{1, 1};
  const std::vector<double> arm{1, 5};
  const auto c = paired_contrast(arm, baseline);
  EXPECT_DOUBLE_EQ(c.se, 2.0);
  ExpectRelNear(c.p_value, 0.5, "p_value");
  const double q = std::tan(0.475 * std::numbers::pi);
  // tan near pi/2 amplifies the rounding of 0.475 pi: 1e-12 relative is still ample.
  ExpectRelNear(c.ci_hi, 2.0 + 2.0 * q, "ci_hi");
  ExpectRelNear(c.ci_lo, 2.0 - 2.0 * q, "ci_lo");
}

// The sign of the difference flips the interval and keeps the p-value.
TEST(PairedContrast, SwappingArmsNegatesDifference) {
  const std::vector<double> a{3.5, 1.25, 7.0, 2.0, 4.5, 6.0};
  const std::vector<double> b{3.0, 2.0, 5.5, 2.5, 3.0, 4.0};
  const auto ab = paired_contrast(a, b);
  const auto ba = paired_contrast(b, a);
  EXPECT_DOUBLE_EQ(ab.mean_diff, -ba.mean_diff);
  EXPECT_DOUBLE_EQ(ab.se, ba.se);
  EXPECT_DOUBLE_EQ(ab.ci_lo, -ba.ci_hi);
  EXPECT_DOUBLE_EQ(ab.ci_hi, -ba.ci_lo);
  EXPECT_DOUBLE_EQ(ab.p_value, ba.p_value);
  EXPECT_DOUBLE_EQ(ab.mean_arm, ba.mean_baseline);
  EXPECT_GT(ab.p_value, 0.0);
  EXPECT_LT(ab.p_value, 1.0);
}

// Pairing matters: a large common replication effect does not inflate the standard error.
TEST(PairedContrast, UsesPairedDifferencesNotPooledVariance) {
  const std::vector<double> baseline{10, 1000, 50, 700, 3};
  const std::vector<double> arm{11, 1001, 51, 701, 4.5};  // differences {1, 1, 1, 1, 1.5}
  const auto c = paired_contrast(arm, baseline);
  EXPECT_DOUBLE_EQ(c.mean_diff, 1.1);
  // Deviations {-0.1 x4, 0.4}: sum of squares 0.2, variance 0.05, se = sqrt(0.05 / 5) = 0.1.
  EXPECT_NEAR(c.se, 0.1, 1e-14);
  EXPECT_LT(c.p_value, 1e-3);
}

// Two-pass variance: differences of 1e-3 on levels of 1e9 keep their exact spread.
TEST(PairedContrast, StableForSmallDifferencesOnLargeLevels) {
  std::vector<double> baseline, arm;
  const double d[] = {0.5, 1.0, 1.5, 2.0, 2.5};  // exact binary fractions
  for (int i = 0; i < 5; ++i) {
    baseline.push_back(1e9 + i * 1e6);
    arm.push_back(baseline.back() + d[i]);
  }
  const auto c = paired_contrast(arm, baseline);
  EXPECT_DOUBLE_EQ(c.mean_diff, 1.5);
  // Variance of {0.5..2.5} = 0.625, se = sqrt(0.625 / 5).
  EXPECT_DOUBLE_EQ(c.se, std::sqrt(0.125));
}

TEST(PairedContrast, SingleReplicationHasMeansButNoInference) {
  const std::vector<double> arm{7.5};
  const std::vector<double> baseline{5.0};
  const auto c = paired_contrast(arm, baseline);
  EXPECT_EQ(c.n, 1u);
  EXPECT_DOUBLE_EQ(c.mean_arm, 7.5);
  EXPECT_DOUBLE_EQ(c.mean_baseline, 5.0);
  EXPECT_DOUBLE_EQ(c.mean_diff, 2.5);
  EXPECT_TRUE(std::isnan(c.se));
  EXPECT_TRUE(std::isnan(c.ci_lo));
  EXPECT_TRUE(std::isnan(c.ci_hi));
  EXPECT_TRUE(std::isnan(c.p_value));
}

TEST(PairedContrast, NoReplicationsIsAllNaN) {
  const auto c = paired_contrast(std::span<const double>{}, std::span<const double>{});
  EXPECT_EQ(c.n, 0u);
  EXPECT_TRUE(std::isnan(c.mean_arm));
  EXPECT_TRUE(std::isnan(c.mean_baseline));
  EXPECT_TRUE(std::isnan(c.mean_diff));
  EXPECT_TRUE(std::isnan(c.se));
  EXPECT_TRUE(std::isnan(c.ci_lo));
  EXPECT_TRUE(std::isnan(c.ci_hi));
  EXPECT_TRUE(std::isnan(c.p_value));
}

TEST(PairedContrast, MismatchedSizesThrow) {
  const std::vector<double> three{1, 2, 3};
  const std::vector<double> two{1, 2};
  EXPECT_THROW(paired_contrast(three, two), std::invalid_argument);
  EXPECT_THROW(paired_contrast(two, three), std::invalid_argument);
  EXPECT_THROW(paired_contrast(std::span<const double>{}, two), std::invalid_argument);
}

TEST(PairedContrast, IdenticalArmsGiveZeroDifferenceAndPOne) {
  const std::vector<double> x{4.0, 9.5, 1.0, 7.25};
  const auto c = paired_contrast(x, x);
  EXPECT_EQ(c.mean_diff, 0.0);
  EXPECT_EQ(c.se, 0.0);
  EXPECT_EQ(c.ci_lo, 0.0);
  EXPECT_EQ(c.ci_hi, 0.0);
  EXPECT_EQ(c.p_value, 1.0);
  EXPECT_DOUBLE_EQ(c.mean_arm, c.mean_baseline);
}

TEST(PairedContrast, ConstantShiftGivesZeroSeAndPZero) {
  const std::vector<double> baseline{4.0, 9.5, 1.0, 7.25};
  const std::vector<double> arm{6.0, 11.5, 3.0, 9.25};  // +2 exactly in every replication
  const auto c = paired_contrast(arm, baseline);
  EXPECT_EQ(c.mean_diff, 2.0);
  EXPECT_EQ(c.se, 0.0);
  EXPECT_EQ(c.ci_lo, 2.0);
  EXPECT_EQ(c.ci_hi, 2.0);
  EXPECT_EQ(c.p_value, 0.0);
  // A negative constant shift too.
  const auto d = paired_contrast(baseline, arm);
  EXPECT_EQ(d.mean_diff, -2.0);
  EXPECT_EQ(d.p_value, 0.0);
}

// Under the null (paired differences from a symmetric distribution with mean 0), about
// 5% of the 95% intervals miss zero. 4000 experiments of n = 8 uniform(-1,1) differences
// (the t-test is close to exact for such light-tailed data): the miss count is binomial with
// sd sqrt(4000 * 0.05 * 0.95) = 13.8 around 200; tolerance 5 sd = 69, plus 40 for the
// t-test's small non-normality bias (well under 1 percentage point for uniform data at n = 8).
TEST(PairedContrast, CoverageUnderTheNull) {
  rng::Stream s(rng::StreamKey{501, 0, 0}, 0, 0, rng::Purpose::kOrderOutcome);
  int misses = 0, p_below = 0;
  constexpr int kExperiments = 4000;
  for (int e = 0; e < kExperiments; ++e) {
    std::vector<double> arm(8), baseline(8);
    for (int i = 0; i < 8; ++i) {
      baseline[i] = 10.0 * s.uniform();
      arm[i] = baseline[i] + (2.0 * s.uniform() - 1.0);
    }
    const auto c = paired_contrast(arm, baseline);
    if (c.ci_lo > 0.0 || c.ci_hi < 0.0) ++misses;
    if (c.p_value < 0.05) ++p_below;
  }
  EXPECT_NEAR(misses, 200, 69 + 40);
  // The interval excludes zero exactly when p < 0.05 (same t distribution and df).
  EXPECT_EQ(misses, p_below);
}

// ---------------------------------------------------------------------------------------
// holm_adjust and benjamini_hochberg_adjust
// ---------------------------------------------------------------------------------------

// Adjusted values are products/maxima of the inputs, so 1e-15 absolute allows the rounding
// of e.g. 3 * 0.01 = 0.030000000000000002.
constexpr double kAbs = 1e-15;

void ExpectVectorNear(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << i;
    } else {
      EXPECT_NEAR(actual[i], expected[i], kAbs) << i;
    }
  }
}

// Sorted: 0.005 (x4 = 0.02), 0.01 (x3 = 0.03), 0.03 (x2 = 0.06), 0.04 (x1 = 0.04 -> running
// max 0.06). Same as R's p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm").
TEST(HolmAdjust, TextbookExample) {
  const std::vector<double> p{0.01, 0.04, 0.03, 0.005};
  ExpectVectorNear(holm_adjust(p), {0.03, 0.06, 0.06, 0.02});
}

// Sorted ranks 1..4: 0.005 * 4/1 = 0.02, 0.01 * 4/2 = 0.02, 0.03 * 4/3 = 0.04,
// 0.04 * 4/4 = 0.04; running minimum from the top. Same as R's p.adjust(..., "BH").
TEST(BenjaminiHochberg, TextbookExample) {
  const std::vector<double> p{0.01, 0.04, 0.03, 0.005};
  ExpectVectorNear(benjamini_hochberg_adjust(p), {0.02, 0.04, 0.04, 0.02});
}

// A second example where BH's step-up minimum matters: p = {0.01, 0.02, 0.03, 0.04, 0.05}
// gives m p / rank = 0.05 for every rank; Holm gives {0.05, 0.08, 0.09, 0.09, 0.09}.
TEST(BenjaminiHochberg, EqualRatiosExample) {
  const std::vector<double> p{0.05, 0.04, 0.03, 0.02, 0.01};
  ExpectVectorNear(benjamini_hochberg_adjust(p), {0.05, 0.05, 0.05, 0.05, 0.05});
  ExpectVectorNear(holm_adjust(p), {0.09, 0.09, 0.09, 0.08, 0.05});
}

TEST(BenjaminiHochberg, StepUpTakesMinimumOfLaterRanks) {
  // Ranks: 0.001*3 = 0.003; 0.04*3/2 = 0.06; 0.045*3/3 = 0.045 -> rank 2 becomes 0.045.
  const std::vector<double> p{0.045, 0.001, 0.04};
  ExpectVectorNear(benjamini_hochberg_adjust(p), {0.045, 0.003, 0.045});
  // Holm: 0.003, 0.08, max(0.08, 0.045) = 0.08.
  ExpectVectorNear(holm_adjust(p), {0.08, 0.003, 0.08});
}

TEST(Adjustments, CappedAtOne) {
  const std::vector<double> p{0.5, 0.6, 0.9};
  ExpectVectorNear(holm_adjust(p), {1.0, 1.0, 1.0});
  // BH: 0.9 * 3/3 = 0.9, 0.6 * 3/2 = 0.9, 0.5 * 3 = 1.5 -> min(1, 0.9) = 0.9.
  ExpectVectorNear(benjamini_hochberg_adjust(p), {0.9, 0.9, 0.9});
  const std::vector<double> q{0.7, 0.8};
  ExpectVectorNear(benjamini_hochberg_adjust(q), {0.8, 0.8});
  ExpectVectorNear(holm_adjust(q), {1.0, 1.0});
  const std::vector<double> ones{1.0, 1.0, 1.0};
  ExpectVectorNear(holm_adjust(ones), {1.0, 1.0, 1.0});
  ExpectVectorNear(benjamini_hochberg_adjust(ones), {1.0, 1.0, 1.0});
}

// NaN p-values stay NaN and do not count in the family size: with one NaN among three, the
// other two are adjusted as a family of two.
TEST(Adjustments, NaNPassesThroughAndIsNotCounted) {
  const std::vector<double> p{0.01, kNaN, 0.04};
  ExpectVectorNear(holm_adjust(p), {0.02, kNaN, 0.04});
  ExpectVectorNear(benjamini_hochberg_adjust(p), {0.02, kNaN, 0.04});
  const std::vector<double> q{kNaN, 0.03, kNaN, 0.01, kNaN};
  ExpectVectorNear(holm_adjust(q), {kNaN, 0.03, kNaN, 0.02, kNaN});
  ExpectVectorNear(benjamini_hochberg_adjust(q), {kNaN, 0.03, kNaN, 0.02, kNaN});
  const std::vector<double> all_nan{kNaN, kNaN};
  ExpectVectorNear(holm_adjust(all_nan), {kNaN, kNaN});
  ExpectVectorNear(benjamini_hochberg_adjust(all_nan), {kNaN, kNaN});
}

TEST(Adjustments, EmptyAndSingle) {
  EXPECT_TRUE(holm_adjust(std::span<const double>{}).empty());
  EXPECT_TRUE(benjamini_hochberg_adjust(std::span<const double>{}).empty());
  const std::vector<double> one{0.037};
  ExpectVectorNear(holm_adjust(one), {0.037});
  ExpectVectorNear(benjamini_hochberg_adjust(one), {0.037});
}

TEST(Adjustments, TiesGetEqualAdjustedValues) {
  const std::vector<double> p{0.02, 0.02, 0.5};
  // Holm: 0.02*3 = 0.06, 0.02*2 = 0.04 -> running max 0.06, 0.5*1 = 0.5.
  ExpectVectorNear(holm_adjust(p), {0.06, 0.06, 0.5});
  // BH: 0.5*3/3 = 0.5, 0.02*3/2 = 0.03, 0.02*3/1 = 0.06 -> min 0.03.
  ExpectVectorNear(benjamini_hochberg_adjust(p), {0.03, 0.03, 0.5});
}

// Defining properties on random families: raw <= BH <= Holm <= min(1, m raw) (Bonferroni);
// order-preserving; all in [0, 1].
TEST(Adjustments, PropertiesOnRandomFamilies) {
  rng::Stream s(rng::StreamKey{502, 0, 0}, 0, 0, rng::Purpose::kEnforcement);
  for (int family = 0; family < 500; ++family) {
    const int m = 1 + family % 12;
    std::vector<double> p(m);
    // Mix of small and large p-values, with occasional exact ties.
    for (auto& x : p) x = s.uniform() < 0.5 ? s.uniform() * 0.05 : s.uniform();
    if (m > 2 && family % 5 == 0) p[1] = p[0];
    const auto holm = holm_adjust(p);
    const auto bh = benjamini_hochberg_adjust(p);
    ASSERT_EQ(holm.size(), p.size());
    ASSERT_EQ(bh.size(), p.size());
    for (int i = 0; i < m; ++i) {
      EXPECT_GE(bh[i], p[i]);
      EXPECT_LE(bh[i], holm[i] + kAbs);
      EXPECT_LE(holm[i], std::min(1.0, m * p[i]) + kAbs);
      EXPECT_LE(holm[i], 1.0);
      EXPECT_LE(bh[i], 1.0);
      for (int j = 0; j < m; ++j) {
        if (p[i] <= p[j]) {
          EXPECT_LE(holm[i], holm[j]) << family;
          EXPECT_LE(bh[i], bh[j]) << family;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Variance ratio (what common random numbers buy) and the named adjustment.

TEST(PairedContrast, VarianceRatioComparesPairedWithUnpairedVariance) {
  // arm = base + small noise, by hand:
  // base {1, 2, 3, 4}: SS = 5; arm {1.1, 2.0, 3.1, 4.0}: mean 2.55, SS = 4.81;
  // diff {0.1, 0, 0.1, 0}: mean 0.05, SS = 0.01. Ratio = 0.01 / (4.81 + 5).
  const std::vector<double> base{1, 2, 3, 4}, arm{1.1, 2.0, 3.1, 4.0};
  EXPECT_NEAR(paired_contrast(arm, base).variance_ratio, 0.01 / 9.81, 1e-12);
  // Perfectly anti-correlated arms double the variance of the difference:
  // Var(a - b) = Var(a) + Var(b) + 2 Cov = 2 (Var(a) + Var(b)).
  const std::vector<double> up{1, 2, 3, 4}, down{4, 3, 2, 1};
  EXPECT_NEAR(paired_contrast(up, down).variance_ratio, 2.0, 1e-12);
  // Uncorrelated arms: Cov = 0 exactly for these orthogonal sequences.
  const std::vector<double> a{1, -1, 1, -1}, b{1, 1, -1, -1};
  EXPECT_NEAR(paired_contrast(a, b).variance_ratio, 1.0, 1e-12);
  // Both arms constant: undefined.
  const std::vector<double> c{2, 2, 2};
  EXPECT_TRUE(std::isnan(paired_contrast(c, c).variance_ratio));
}

TEST(Adjustments, NamedMethodDispatches) {
  const std::vector<double> p{0.01, 0.04, 0.03, 0.20};
  EXPECT_EQ(adjust_p_values(p, PAdjustment::kHolm), holm_adjust(p));
  EXPECT_EQ(adjust_p_values(p, PAdjustment::kBenjaminiHochberg), benjamini_hochberg_adjust(p));
  EXPECT_EQ(adjust_p_values(p, PAdjustment::kNone), p);
  // Holm on these known p-values (by hand): sorted 0.01, 0.03, 0.04, 0.20 get
  // x4, x3, x2, x1 = 0.04, 0.09, 0.08 -> 0.09 (monotone), 0.20.
  EXPECT_EQ(holm_adjust(p), (std::vector<double>{0.04, 0.09, 0.09, 0.20}));
}

}  // namespace
}  // namespace trustsim::stats

// MSER-5 on synthetic series with a known transient: an exponential decay
// from 10 to 0 with time constant 20 days under unit noise crosses the noise
// level of a batch mean (sd 1 / sqrt(5) = 0.45) near t = 20 ln(10 / 0.45) = 62
// and is below a tenth of it after t ~ 108; the truncation must fall in
// [40, 150]. Stationary noise needs (almost) no truncation; a series that
// keeps drifting has no steady state. Seeds fixed: the verdicts are
// deterministic, the bands hold for any seed with high probability.
namespace {
std::vector<double> noisy(std::size_t n, std::uint64_t seed, double (*mean)(double)) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> y(n);
  for (std::size_t t = 0; t < n; ++t) y[t] = mean(static_cast<double>(t)) + noise(gen);
  return y;
}
}  // namespace

TEST(SteadyState, FindsTheEndOfAnExponentialTransient) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto y = noisy(600, seed, [](double t) { return 10.0 * std::exp(-t / 20.0); });
    const auto s = trustsim::stats::mser(y);
    EXPECT_GE(s.truncation, 40) << "seed " << seed;
    EXPECT_LE(s.truncation, 150) << "seed " << seed;
  }
}

TEST(SteadyState, StationaryNoiseNeedsLittleTruncation) {
  int early = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto s = trustsim::stats::mser(noisy(600, seed, [](double) { return 3.0; }));
    ASSERT_GE(s.truncation, 0) << "seed " << seed;
    early += s.truncation <= 150;  // the first quarter
  }
  // MSER may drop a chance excursion near the start; it rarely goes far.
  EXPECT_GE(early, 18);
}

// The relative trend of a straight line is its rise over its span divided by
// its mean, whatever the noise-free points' spacing; it is undefined without
// two distinct x or with a zero mean.
TEST(RelativeTrend, OfAStraightLineIsItsRiseOverItsMean) {
  std::vector<double> x, y;
  for (int t = 0; t < 100; ++t) x.push_back(3.0 * t), y.push_back(100.0 + 0.1 * t);
  EXPECT_NEAR(trustsim::stats::relative_trend(x, y), 9.9 / 104.95, 1e-12);
  std::vector<double> falling(y.rbegin(), y.rend());
  EXPECT_NEAR(trustsim::stats::relative_trend(x, falling), -9.9 / 104.95, 1e-12);
  EXPECT_TRUE(std::isnan(
      trustsim::stats::relative_trend(std::vector<double>{1.0}, std::vector<double>{2.0})));
  EXPECT_TRUE(std::isnan(trustsim::stats::relative_trend(std::vector<double>{1.0, 1.0},
                                                         std::vector<double>{2.0, 3.0})));
  EXPECT_TRUE(std::isnan(trustsim::stats::relative_trend(std::vector<double>{0.0, 1.0},
                                                         std::vector<double>{-1.0, 1.0})));
}

TEST(SteadyState, ADriftingSeriesHasNoSteadyState) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const auto s = trustsim::stats::mser(noisy(600, seed, [](double t) { return 0.05 * t; }));
    EXPECT_EQ(s.truncation, -1) << "seed " << seed;
  }
  // Too short to judge: fewer than 20 batches of 5.
  EXPECT_EQ(trustsim::stats::mser(std::vector<double>(99, 1.0)).truncation, -1);
}
