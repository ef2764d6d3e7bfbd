// CMA-ES (see include/trustsim/cmaes.hpp). Notation and default constants
// follow Hansen's tutorial (arXiv:1604.00772), Table 1.
#include "trustsim/cmaes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "trustsim/distributions.hpp"
#include "trustsim/rng.hpp"

namespace trustsim {

namespace {

// Reflects x into [0, 1] (a candidate that overshoots a bound comes back in
// by as much as it overshot).
double reflect(double x) {
  x = std::fmod(std::abs(x), 2.0);
  return x > 1.0 ? 2.0 - x : x;
}

}  // namespace

Cmaes::Cmaes(std::vector<double> start, double sigma, std::uint64_t seed, std::size_t population)
    : seed_(seed), sigma_(sigma), best_loss_(std::numeric_limits<double>::infinity()) {
  const auto n = start.size();
  if (n == 0) throw std::invalid_argument("Cmaes: no coordinates");
  if (!(sigma > 0.0)) throw std::invalid_argument("Cmaes: sigma must be > 0");
  const double dn = static_cast<double>(n);
  lambda_ = population ? population : 4 + static_cast<std::size_t>(std::floor(3.0 * std::log(dn)));
  if (lambda_ < 2) throw std::invalid_argument("Cmaes: a population of at least 2");
  mu_ = lambda_ / 2;
  weights_.resize(static_cast<Eigen::Index>(mu_));
  for (std::size_t i = 0; i < mu_; ++i)
    weights_[static_cast<Eigen::Index>(i)] =
        std::log((static_cast<double>(lambda_) + 1.0) / 2.0) - std::log(static_cast<double>(i + 1));
  weights_ /= weights_.sum();
  mu_eff_ = 1.0 / weights_.squaredNorm();
  c_sigma_ = (mu_eff_ + 2.0) / (dn + mu_eff_ + 5.0);
  d_sigma_ = 1.0 + 2.0 * std::max(0.0, std::sqrt((mu_eff_ - 1.0) / (dn + 1.0)) - 1.0) + c_sigma_;
  c_c_ = (4.0 + mu_eff_ / dn) / (dn + 4.0 + 2.0 * mu_eff_ / dn);
  c_1_ = 2.0 / ((dn + 1.3) * (dn + 1.3) + mu_eff_);
  c_mu_ = std::min(1.0 - c_1_,
                   2.0 * (mu_eff_ - 2.0 + 1.0 / mu_eff_) / ((dn + 2.0) * (dn + 2.0) + mu_eff_));
  chi_n_ = std::sqrt(dn) * (1.0 - 1.0 / (4.0 * dn) + 1.0 / (21.0 * dn * dn));
  mean_ = Eigen::Map<const Eigen::VectorXd>(start.data(), static_cast<Eigen::Index>(n));
  for (Eigen::Index i = 0; i < mean_.size(); ++i) mean_[i] = std::clamp(mean_[i], 0.0, 1.0);
  path_sigma_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
  path_c_ = path_sigma_;
  cov_ = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  basis_ = cov_;
  scales_ = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(n));
  best_ = std::vector<double>(mean_.data(), mean_.data() + mean_.size());
}

std::vector<double> Cmaes::mean() const {
  return std::vector<double>(mean_.data(), mean_.data() + mean_.size());
}

// Candidates x_k = m + sigma B D z_k, z_k standard normal from the stream
// (seed, generation): the same on every machine. Reflected into the box; the
// step y_k is the one actually taken, so the update learns from where the
// candidate was evaluated.
void Cmaes::sample() {
  const auto n = mean_.size();
  rng::Stream draws({seed_, 0, 0}, generation_, 0, rng::Purpose::kCalibration);
  steps_.assign(lambda_, Eigen::VectorXd(n));
  candidates_.assign(lambda_, std::vector<double>(static_cast<std::size_t>(n)));
  for (std::size_t k = 0; k < lambda_; ++k) {
    Eigen::VectorXd z(n);
    for (Eigen::Index i = 0; i < n; ++i) z[i] = dist::normal_quantile(draws.uniform());
    Eigen::VectorXd x = mean_ + sigma_ * (basis_ * scales_.cwiseProduct(z));
    for (Eigen::Index i = 0; i < n; ++i) {
      x[i] = reflect(x[i]);
      candidates_[k][static_cast<std::size_t>(i)] = x[i];
    }
    steps_[k] = (x - mean_) / sigma_;
  }
  sampled_ = true;
}

const std::vector<std::vector<double>>& Cmaes::ask() {
  if (!sampled_) sample();
  return candidates_;
}

void Cmaes::tell(std::span<const double> losses) {
  if (!sampled_ || losses.size() != lambda_)
    throw std::invalid_argument("Cmaes::tell: one loss per candidate of ask()");
  const auto n = mean_.size();
  const double dn = static_cast<double>(n);
  // Rank by loss (NaN last), ties by candidate index: a total order.
  std::vector<std::size_t> order(lambda_);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto key = [&](std::size_t k) {
    return std::isnan(losses[k]) ? std::numeric_limits<double>::infinity() : losses[k];
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  if (key(order[0]) < best_loss_) {
    best_loss_ = key(order[0]);
    best_ = candidates_[order[0]];
  }

  Eigen::VectorXd step = Eigen::VectorXd::Zero(n);
  for (std::size_t i = 0; i < mu_; ++i)
    step += weights_[static_cast<Eigen::Index>(i)] * steps_[order[i]];
  mean_ += sigma_ * step;
  for (Eigen::Index i = 0; i < n; ++i) mean_[i] = std::clamp(mean_[i], 0.0, 1.0);

  // C^-1/2 step = B D^-1 B^T step.
  const Eigen::VectorXd whitened = basis_ * (basis_.transpose() * step).cwiseQuotient(scales_);
  path_sigma_ =
      (1.0 - c_sigma_) * path_sigma_ + std::sqrt(c_sigma_ * (2.0 - c_sigma_) * mu_eff_) * whitened;
  const double generations = static_cast<double>(generation_ + 1);
  const bool stalled =
      path_sigma_.norm() / std::sqrt(1.0 - std::pow(1.0 - c_sigma_, 2.0 * generations)) <
      (1.4 + 2.0 / (dn + 1.0)) * chi_n_;
  path_c_ =
      (1.0 - c_c_) * path_c_ + (stalled ? std::sqrt(c_c_ * (2.0 - c_c_) * mu_eff_) : 0.0) * step;
  Eigen::MatrixXd rank_mu = Eigen::MatrixXd::Zero(n, n);
  for (std::size_t i = 0; i < mu_; ++i)
    rank_mu +=
        weights_[static_cast<Eigen::Index>(i)] * steps_[order[i]] * steps_[order[i]].transpose();
  const double lost = stalled ? 0.0 : c_1_ * c_c_ * (2.0 - c_c_);
  cov_ =
      (1.0 - c_1_ - c_mu_ + lost) * cov_ + c_1_ * path_c_ * path_c_.transpose() + c_mu_ * rank_mu;
  sigma_ *= std::exp((c_sigma_ / d_sigma_) * (path_sigma_.norm() / chi_n_ - 1.0));
  sigma_ = std::min(sigma_, 1.0);  // no step larger than the box

  // C = B D^2 B^T, symmetric by construction (enforced against rounding).
  cov_ = 0.5 * (cov_ + cov_.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(cov_);
  basis_ = eigen.eigenvectors();
  scales_ = eigen.eigenvalues().cwiseMax(1e-20).cwiseSqrt();
  generation_ += 1;
  sampled_ = false;
}

bool Cmaes::converged(double tolerance) const { return sigma_ * scales_.maxCoeff() < tolerance; }

}  // namespace trustsim
