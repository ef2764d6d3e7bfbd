// CMA-ES (Hansen 2016, "The CMA Evolution Strategy: A Tutorial"): the
// derivative-free search `trustsim calibrate` minimises the simulated method
// of moments' distance with. A population of candidates per generation suits
// the task farm (each candidate's replications are tasks), and ranking the
// candidates by their losses makes it robust to simulation noise.
//
// Coordinates are the calibration's normalised ones, each in [0, 1]
// (bounds, and a log scale where asked, are mapped outside). A candidate
// sampled outside the box is reflected into it. Draws come from the engine's
// counter-based streams (seed, generation), so a search is the same on any
// machine, and its state is a plain value that can be saved and restored.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Dense>

namespace trustsim {

class Cmaes {
 public:
  // `start` in [0, 1]^n; `sigma` the initial step (0.3: a third of the box);
  // `population` 0 picks the default 4 + floor(3 ln n).
  Cmaes(std::vector<double> start, double sigma, std::uint64_t seed, std::size_t population = 0);

  // This generation's candidates (the same until tell()).
  const std::vector<std::vector<double>>& ask();
  // Their losses, in ask() order; ends the generation.
  void tell(std::span<const double> losses);

  std::size_t dimension() const { return static_cast<std::size_t>(mean_.size()); }
  std::size_t population() const { return lambda_; }
  std::size_t generation() const { return generation_; }
  double sigma() const { return sigma_; }
  std::vector<double> mean() const;
  // The best candidate told so far and its loss.
  const std::vector<double>& best() const { return best_; }
  double best_loss() const { return best_loss_; }
  // The search has narrowed below `tolerance` in every coordinate.
  bool converged(double tolerance) const;

 private:
  void sample();
  std::size_t lambda_, mu_;
  std::uint64_t seed_;
  std::size_t generation_ = 0;
  double sigma_;
  Eigen::VectorXd weights_;
  double mu_eff_, c_sigma_, d_sigma_, c_c_, c_1_, c_mu_, chi_n_;
  Eigen::VectorXd mean_, path_sigma_, path_c_;
  Eigen::MatrixXd cov_, basis_;         // C = B diag(D^2) B^T
  Eigen::VectorXd scales_;              // D
  std::vector<Eigen::VectorXd> steps_;  // y_k = (x_k - m) / sigma of this generation
  std::vector<std::vector<double>> candidates_;
  bool sampled_ = false;
  std::vector<double> best_;
  double best_loss_;
};

}  // namespace trustsim
