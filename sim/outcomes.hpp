// Accumulates one arm's daily totals over the horizon into its /summary row,
// /timeseries rows and /cohort_summary rows.
#pragma once

#include <string>
#include <vector>

#include "trustsim/experiment.hpp"
#include "trustsim/marketplace.hpp"

namespace trustsim {

struct ArmAccumulator {
  ArmRun run;
  DayTotals horizon;
  DayTotals period;
  std::int64_t buyers_at_start = 0;

  void add_day(const Marketplace& market, const DayTotals& day, std::int32_t horizon_day,
               TimeseriesStep step);
  void finish(const Marketplace& market, const std::vector<std::string>& cohort_labels,
              const std::vector<CohortDimension>& dims);
};

}  // namespace trustsim
