// Policy kind "threshold_rule": a seller metric over a rolling window compared
// with a threshold, evaluated on a schedule once the window holds enough
// orders; each breach takes the next step of a ladder (warn -> suppress
// listings -> suspend) after a grace period, and a seller that recovers for
// the grace period has its warnings and suppression lapse. The public
// seller-performance standards are rules of this kind (policy-standards.md).
#pragma once

#include <cstdint>
#include <vector>

#include "trustsim/params.hpp"
#include "trustsim/policy.hpp"

namespace trustsim {

class ThresholdRule final : public Policy {
 public:
  static constexpr std::string_view kKind = "threshold_rule";
  explicit ThresholdRule(const EnforcementRule& rule) : rule_(rule) {}

  std::string_view kind() const override { return kKind; }
  std::unique_ptr<Policy> clone() const override { return std::make_unique<ThresholdRule>(*this); }
  void require_windows(RollingWindows& windows) const override;
  void bind_windows(const RollingWindows& windows) override;
  void resize(std::size_t count, std::size_t capacity) override;
  void evaluate_seller(SellerUnderReview& seller) override;
  void on_reinstated(std::size_t seller) override;
  bool missed(std::size_t seller, Channel channel, const ExpectedRates& rates,
              const DsiWeights& weights) const override;
  void take_parameters(const Policy& from) override;

  const EnforcementRule& rule() const { return rule_; }
  // Ladder steps taken against a seller (0: in good standing).
  std::uint8_t steps(std::size_t seller) const { return step_[seller]; }
  bool suppressing(std::size_t seller) const { return suppressing_[seller] != 0; }
  bool acted_in_horizon(std::size_t seller) const { return acted_[seller] != 0; }

 private:
  bool due(std::int32_t day) const;
  bool covers(Channel channel) const;
  bool breaches(double value) const;
  void act(SellerUnderReview& seller);

  EnforcementRule rule_;
  std::uint32_t numerator_ = 0, denominator_ = 0;  // window handles
  // Per seller.
  std::vector<std::uint8_t> step_;         // ladder steps taken
  std::vector<std::int32_t> step_day_;     // day of the last step
  std::vector<std::uint8_t> suppressing_;  // this rule holds the listings back
  std::vector<std::uint8_t> acted_;        // this rule acted during the horizon
};

void register_threshold_rule(PolicyRegistry& registry);

}  // namespace trustsim
