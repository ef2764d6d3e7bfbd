// A smooth function of buyer trust (0..1), tabulated once per arm and read by
// linear interpolation: the purchase-intensity multiplier and the churn
// hazard are evaluated at every order, where pow() and exp() would cost more
// than the order's own decisions. With 1024 segments the intensity
// multiplier errs by under 2e-6 and the hazard by under 1e-5 relative
// (tests/test_engine.cpp, TrustCurve).
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>

namespace trustsim {

class TrustCurve {
 public:
  static constexpr std::size_t kSegments = 1024;

  TrustCurve() = default;
  template <class F>
  requires std::invocable<F, double>  // never mistaken for a copy constructor
  explicit TrustCurve(F&& f) {
    for (std::size_t i = 0; i <= kSegments; ++i) values_[i] = f(static_cast<double>(i) / kSegments);
  }

  double operator()(double trust) const {
    const double x = std::clamp(trust, 0.0, 1.0) * kSegments;
    const auto i = std::min(static_cast<std::size_t>(x), kSegments - 1);
    const double frac = x - static_cast<double>(i);
    return values_[i] + frac * (values_[i + 1] - values_[i]);
  }

 private:
  std::array<double, kSegments + 1> values_{};
};

}  // namespace trustsim
