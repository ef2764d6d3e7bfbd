// Named categories of the marketplace (seller attributes, channels, metrics,
// actions) and their YAML spellings. The spelling tables are the one place
// a name is defined; readers, writers and result lookups all use them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace trustsim {

enum class Tenure : std::uint8_t { kNew, kEstablished, kVeteran };
enum class Category : std::uint8_t { kStandard, kHeavyBulky };
enum class Region : std::uint8_t { kDomestic, kCrossBorder };
enum class Channel : std::uint8_t {
  kPlatformFulfilled,       // FBA/AFN-like: the platform ships and owns delivery defects
  kSellerFulfilled,         // MFN-like
  kSellerFulfilledPremium,  // SFP-like: seller ships under stricter standards
  kPlatformPickup,          // EasyShip-like: seller packs, the platform's carrier delivers
};
enum class CsProvider : std::uint8_t { kPlatform, kOutsourced, kSelf };

// Seller metrics that rules, ranking signals and badges can name.
enum class Metric : std::uint8_t {
  kOrderDefectRate,
  kLateShipmentRate,
  kCancelRate,
  kValidTrackingRate,
  kOnTimeDeliveryRate,
  kCsResponse24hRate,
  kFqi,
  kCsqi,
};
enum class Comparison : std::uint8_t { kAbove, kBelow };
enum class Schedule : std::uint8_t { kDaily, kWeekly, kMonthly };
// How much evidence a threshold rule needs before it acts (MODEL.md 8): the
// window's rate itself, an exact binomial test, or a Beta posterior.
enum class Evidence : std::uint8_t { kPoint, kBinomialTest, kPosterior };
// Whose appeal terms a suspension carries: the marketplace's (seller_behaviour) or the rule's own.
enum class AppealProcess : std::uint8_t { kMarketplace, kOwn };
// In order of severity: a ladder climbs them (a termination is for good, without appeal).
enum class Action : std::uint8_t { kWarn, kSuppressListings, kSuspend, kTerminate };
enum class CohortDimension : std::uint8_t { kTenure, kCategory, kRegion, kChannel, kCsProvider };
enum class RankingSignal : std::uint8_t { kFqi, kOrderDefectRate, kNone };
enum class TimeseriesStep : std::uint8_t { kDaily, kWeekly };
// Experiment design and analysis choices.
enum class PAdjustment : std::uint8_t { kHolm, kBenjaminiHochberg, kNone };
enum class SweepDesign : std::uint8_t { kGrid, kLatinHypercube, kSobol, kSaltelli };
enum class ParameterScale : std::uint8_t { kLinear, kLog };
// Calibration: how a /timeseries series becomes one number, and how moments are weighted.
enum class SeriesReduce : std::uint8_t { kMean, kTrend, kQuantile };
enum class MomentWeights : std::uint8_t { kTolerance, kVariance };

template <class E>
struct EnumNames;

#define TRUSTSIM_ENUM_NAMES(Type, ...)                                                           \
  template <>                                                                                    \
  struct EnumNames<Type> {                                                                       \
    static constexpr std::array<std::string_view,                                                \
                                std::size(std::initializer_list<std::string_view>{__VA_ARGS__})> \
        names{__VA_ARGS__};                                                                      \
  }

TRUSTSIM_ENUM_NAMES(Tenure, "new", "established", "veteran");
TRUSTSIM_ENUM_NAMES(Category, "standard", "heavy_bulky");
TRUSTSIM_ENUM_NAMES(Region, "domestic", "cross_border");
TRUSTSIM_ENUM_NAMES(Channel, "platform_fulfilled", "seller_fulfilled", "seller_fulfilled_premium",
                    "platform_pickup");
TRUSTSIM_ENUM_NAMES(CsProvider, "platform", "outsourced", "self");
TRUSTSIM_ENUM_NAMES(Metric, "order_defect_rate", "late_shipment_rate", "cancel_rate",
                    "valid_tracking_rate", "on_time_delivery_rate", "cs_response_24h_rate", "fqi",
                    "csqi");
TRUSTSIM_ENUM_NAMES(Comparison, "above", "below");
TRUSTSIM_ENUM_NAMES(Schedule, "daily", "weekly", "monthly");
TRUSTSIM_ENUM_NAMES(Evidence, "point", "binomial_test", "posterior");
TRUSTSIM_ENUM_NAMES(AppealProcess, "marketplace", "own");
TRUSTSIM_ENUM_NAMES(Action, "warn", "suppress_listings", "suspend", "terminate");
TRUSTSIM_ENUM_NAMES(CohortDimension, "tenure", "category", "region", "channel", "cs_provider");
TRUSTSIM_ENUM_NAMES(RankingSignal, "fqi", "order_defect_rate", "none");
TRUSTSIM_ENUM_NAMES(TimeseriesStep, "daily", "weekly");
TRUSTSIM_ENUM_NAMES(PAdjustment, "holm", "benjamini_hochberg", "none");
TRUSTSIM_ENUM_NAMES(SweepDesign, "grid", "latin_hypercube", "sobol", "saltelli");
TRUSTSIM_ENUM_NAMES(ParameterScale, "linear", "log");
TRUSTSIM_ENUM_NAMES(SeriesReduce, "mean", "trend", "quantile");
TRUSTSIM_ENUM_NAMES(MomentWeights, "tolerance", "variance");
#undef TRUSTSIM_ENUM_NAMES

template <class E>
constexpr std::size_t enum_count() {
  return EnumNames<E>::names.size();
}
template <class E>
constexpr std::string_view enum_name(E value) {
  return EnumNames<E>::names[static_cast<std::size_t>(value)];
}
template <class E>
constexpr std::optional<E> enum_from_name(std::string_view name) {
  const auto& names = EnumNames<E>::names;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<E>(i);
  return std::nullopt;
}
template <class E>
constexpr std::size_t idx(E value) {
  return static_cast<std::size_t>(value);
}

}  // namespace trustsim
