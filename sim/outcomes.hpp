// Accumulates one arm's daily totals over the horizon into its /summary row,
// /timeseries rows and /cohort_summary rows.
#pragma once

#include <climits>
#include <functional>
#include <string>
#include <vector>

#include "trustsim/experiment.hpp"
#include "trustsim/marketplace.hpp"

namespace trustsim {

// One output column, declared once: name, unit and meaning, and how it is
// computed from `Facts` (what a row is made from). The order of a table's
// entries is the order of its columns.
template <class Facts>
struct Outcome {
  OutcomeDefinition definition;
  std::function<double(const Facts&)> value;
};

template <class Facts>
std::vector<OutcomeDefinition> definitions(const std::vector<Outcome<Facts>>& table) {
  std::vector<OutcomeDefinition> defs;
  for (const auto& o : table) defs.push_back(o.definition);
  return defs;
}

template <class Facts>
std::vector<double> values(const std::vector<Outcome<Facts>>& table, const Facts& facts) {
  std::vector<double> row;
  row.reserve(table.size());
  for (const auto& o : table) row.push_back(o.value(facts));
  return row;
}

// The weekly seller panel (outputs.seller_panel; sim/panels.cpp): each
// sampled seller's tally at the last week's end, so a week's row is the
// difference.
struct SellerPanel {
  std::uint64_t threshold = 0;  // in_sample threshold; 0: no panel
  std::vector<SellerTally> last;
  std::vector<std::uint8_t> closed;  // [seller]: its exit week is written
  // Rows for the week ending on `horizon_day`, appended to `columns`.
  void add_week(const Marketplace& market, std::int32_t horizon_day,
                std::vector<std::vector<double>>& columns);
};

// The buyer event sample as columns, each buyer's next order day joined in.
std::vector<std::vector<double>> buyer_event_table(std::vector<BuyerEvent> events);

// The baseline's daily series that the steady-state test (MSER-5) reads,
// over the warm-up and the horizon: orders, buyers present, listed sellers
// and mean trust, the outcomes the steady-state target names
// (calibration-targets.md, "steady state").
const std::vector<const char*>& steady_state_series();
struct DailySeries {
  std::vector<std::vector<double>> values;  // [series][day]
  void add(const Marketplace& market, const DayTotals& day);
  // MSER-5 truncation of each series (-1: none).
  std::vector<std::int64_t> truncations() const;
  // Each series' relative trend over its days from `first` on (the horizon).
  std::vector<double> drifts(std::size_t first) const;
};

struct ArmAccumulator {
  ArmRun run;
  DayTotals horizon;
  DayTotals period;
  std::int32_t period_first = kNoPeriod;  // first day of the open /timeseries period
  std::int64_t buyers_at_start = 0;
  SellerPanel panel;
  std::vector<BuyerEvent> events;
  static constexpr std::int32_t kNoPeriod = INT32_MIN;

  // Day `horizon_day` (negative in the warm-up) into the time series, and in
  // the horizon into the totals and panels.
  void add_day(Marketplace& market, const DayTotals& day, std::int32_t horizon_day,
               TimeseriesStep step);
  void finish(const Marketplace& market, const std::vector<std::string>& cohort_labels,
              const std::vector<CohortDimension>& dims);
};

}  // namespace trustsim
