// Microdata panels and warm-up rows (outputs.seller_panel, buyer_events,
// timeseries_warmup):
//  1. with every seller and buyer sampled, the panels add up to the run's
//     own totals (orders, suspensions, exits, late deliveries);
//  2. a buyer's next order day is its next sampled order;
//  3. switching them on changes no other table (bit-identical across thread
//     counts: Determinism.PanelsAreBitIdenticalForOneTwoAndThreeThreads);
//  4. warm-up rows come first, end the day before the horizon, and are the
//     same for every arm (the arms fork after the warm-up).
#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <gtest/gtest.h>

#include "small_world.hpp"
#include "trustsim/experiment.hpp"
#include "trustsim/marketplace.hpp"
#include "trustsim/outcome_tables.hpp"
#include "trustsim/result_tables.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {
namespace {

Scenario panel_scenario(std::vector<std::string> sets = {}) {
  return testing::small_quickstart(30, std::move(sets));
}

std::size_t column(const std::vector<OutcomeDefinition>& defs, const std::string& name) {
  for (std::size_t c = 0; c < defs.size(); ++c)
    if (defs[c].name == name) return c;
  ADD_FAILURE() << "no column " << name;
  return 0;
}

double sum(const std::vector<double>& values) {
  double total = 0;
  for (double v : values) total += v;
  return total;
}

TEST(Panels, FullSamplesAddUpToTheRunTotals) {
  const auto scenario = panel_scenario({"outputs.seller_panel=1", "outputs.buyer_events=1"});
  const auto tasks = run_all_tasks(scenario);
  const auto& summary = summary_outcomes();
  const auto& panel = seller_panel_columns();
  const auto& events = buyer_event_columns();
  for (const auto& [id, task] : tasks)
    for (const auto& arm : task.arms) {
      const double orders = arm.summary[column(summary, "orders")];
      ASSERT_GT(orders, 0);
      // Every seller present in the horizon, every week: the panel's orders are the run's.
      EXPECT_EQ(sum(arm.seller_panel[column(panel, "orders")]), orders);
      EXPECT_EQ(sum(arm.seller_panel[column(panel, "suspensions")]),
                arm.summary[column(summary, "suspensions")]);
      EXPECT_EQ(sum(arm.seller_panel[column(panel, "exited")]),
                arm.summary[column(summary, "seller_exits")]);
      // Every buyer: one event per order.
      const auto& late = arm.buyer_events[column(events, "late_delivery")];
      EXPECT_EQ(static_cast<double>(late.size()), orders);
      EXPECT_NEAR(sum(late),
                  arm.summary[column(summary, "late_deliveries_per_1k_orders")] * orders / 1000.0,
                  1e-6);
    }
}

// The defect-concentration outcomes of /summary, computed again from the
// full seller panel: each seller's horizon orders and seller-charged defects.
TEST(Panels, DefectConcentrationOutcomesFollowFromTheSellerPanel) {
  // Problem sellers and more claims, so that some sellers cross 1%.
  const auto scenario = panel_scenario(
      {"outputs.seller_panel=1", "population.sellers.quality.problem_share=0.1",
       "population.sellers.quality.problem_shift=3", "orders.claim_if_unresolved=0.3"});
  const auto tasks = run_all_tasks(scenario);
  const auto& summary = summary_outcomes();
  const auto& panel = seller_panel_columns();
  std::size_t informative = 0;
  for (const auto& [id, task] : tasks)
    for (const auto& arm : task.arms) {
      std::map<double, std::pair<double, double>> by_seller;  // orders, defects
      const auto& seller = arm.seller_panel[column(panel, "seller")];
      const auto& orders = arm.seller_panel[column(panel, "orders")];
      const auto& defects = arm.seller_panel[column(panel, "order_defects")];
      for (std::size_t r = 0; r < seller.size(); ++r) {
        by_seller[seller[r]].first += orders[r];
        by_seller[seller[r]].second += defects[r];
      }
      std::vector<double> counts;
      double all = 0, counted = 0, above = 0;
      for (const auto& [s, od] : by_seller) {
        counts.push_back(od.second);
        all += od.second;
        if (od.first >= 50) {
          counted += 1;
          above += od.second > 0.01 * od.first;
        }
      }
      std::sort(counts.rbegin(), counts.rend());
      const auto worst = static_cast<std::size_t>(std::ceil(0.01 * counts.size()));
      double top = 0;
      for (std::size_t i = 0; i < worst; ++i) top += counts[i];
      ASSERT_GT(all, 0);
      EXPECT_DOUBLE_EQ(arm.summary[column(summary, "worst_1pct_defect_share")], top / all);
      EXPECT_DOUBLE_EQ(arm.summary[column(summary, "sellers_above_1pct_odr")], above / counted);
      informative += above > 0 && above < counted;
    }
  EXPECT_GT(informative, 0u) << "no arm had sellers on both sides of 1%";
}

TEST(Panels, NextOrderDayIsTheBuyersNextOrder) {
  const auto scenario = panel_scenario({"outputs.buyer_events=0.2"});
  const auto tasks = run_all_tasks(scenario);
  const auto& defs = buyer_event_columns();
  const auto& arm = tasks.begin()->second.arms.front();
  const auto& buyer = arm.buyer_events[column(defs, "buyer")];
  const auto& day = arm.buyer_events[column(defs, "day")];
  const auto& next = arm.buyer_events[column(defs, "next_order_day")];
  ASSERT_GT(buyer.size(), 100u);
  // Rows are sorted by buyer, then day: each next order day is the day of
  // the following row of the same buyer, or -1 on a buyer's last row.
  for (std::size_t i = 0; i < buyer.size(); ++i) {
    const bool same_buyer = i + 1 < buyer.size() && buyer[i + 1] == buyer[i];
    EXPECT_EQ(next[i], same_buyer ? day[i + 1] : -1.0) << "row " << i;
    if (same_buyer) EXPECT_LE(day[i], day[i + 1]);
  }
}

// /timeseries repeat_order_share, counted again from every buyer's orders:
// an order is a returning buyer's when the same buyer ordered in the 30 days
// before it (the same day included). No warm-up, so every order is in the sample.
TEST(Panels, RepeatOrderShareFollowsFromTheBuyerEvents) {
  const auto scenario = testing::small_quickstart(
      0, {"outputs.buyer_events=1", "outputs.timeseries=daily", "replications=1"});
  const auto tasks = run_all_tasks(scenario);
  const auto& defs = buyer_event_columns();
  const auto share = column(timeseries_outcomes(), "repeat_order_share");
  for (const auto& [id, task] : tasks)
    for (const auto& arm : task.arms) {
      const auto& buyer = arm.buyer_events[column(defs, "buyer")];
      const auto& day = arm.buyer_events[column(defs, "day")];
      std::map<double, std::pair<double, double>> by_day;  // orders, returning buyers' orders
      for (std::size_t i = 0; i < buyer.size(); ++i) {
        const bool returning =
            i > 0 && buyer[i - 1] == buyer[i] && day[i] - day[i - 1] <= kReturningBuyerDays;
        by_day[day[i]].first += 1;
        by_day[day[i]].second += returning;
      }
      ASSERT_EQ(arm.period_start.size(), 60u);
      double low = 1, high = 0;
      for (std::size_t r = 0; r < arm.period_start.size(); ++r) {
        const auto [orders, returning] = by_day[static_cast<double>(arm.period_start[r])];
        ASSERT_GT(orders, 0) << "day " << r;
        EXPECT_DOUBLE_EQ(arm.timeseries[share][r], returning / orders) << "day " << r;
        low = std::min(low, arm.timeseries[share][r]);
        high = std::max(high, arm.timeseries[share][r]);
      }
      // Without a warm-up the share starts from buyers without history.
      EXPECT_LT(low, 0.5 * high);
    }
}

TEST(Panels, ChangeNoOtherTable) {
  const auto off = panel_scenario();
  const auto on = panel_scenario({"outputs.seller_panel=0.5", "outputs.buyer_events=0.5"});
  const auto a = run_all_tasks(off);
  const auto b = run_all_tasks(on);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [id, task] : a)
    for (std::size_t arm = 0; arm < task.arms.size(); ++arm) {
      const auto& x = task.arms[arm];
      const auto& y = b.at(id).arms[arm];
      EXPECT_EQ(x.summary, y.summary);
      EXPECT_EQ(x.timeseries, y.timeseries);
      EXPECT_EQ(x.cohorts, y.cohorts);
      EXPECT_TRUE(x.seller_panel.empty() && x.buyer_events.empty());
      EXPECT_FALSE(y.seller_panel.empty() || y.buyer_events.empty());
    }
}

TEST(Panels, WarmupRowsComeFirstAndAreSharedByEveryArm) {
  const auto plain = run_all_tasks(panel_scenario());
  const auto with = run_all_tasks(panel_scenario({"outputs.timeseries_warmup=true"}));
  for (const auto& [id, task] : with) {
    const auto& first = task.arms.front();
    // 30 warm-up days in weekly periods counted back from day 0: -30..-29
    // (2 days), then four whole weeks; the horizon rows follow unchanged.
    const std::vector<std::int64_t> warm = {-30, -28, -21, -14, -7};
    ASSERT_GT(first.period_start.size(), warm.size());
    EXPECT_TRUE(std::equal(warm.begin(), warm.end(), first.period_start.begin()));
    for (std::size_t arm = 0; arm < task.arms.size(); ++arm) {
      const auto& run = task.arms[arm];
      const auto& horizon_only = plain.at(id).arms[arm];
      for (std::size_t c = 0; c < run.timeseries.size(); ++c) {
        // Warm-up rows: the same in every arm.
        EXPECT_TRUE(std::equal(run.timeseries[c].begin(), run.timeseries[c].begin() + 5,
                               first.timeseries[c].begin()));
        // Horizon rows: as without the warm-up rows.
        EXPECT_TRUE(std::equal(run.timeseries[c].begin() + 5, run.timeseries[c].end(),
                               horizon_only.timeseries[c].begin(),
                               horizon_only.timeseries[c].end()));
      }
    }
  }
}

}  // namespace
}  // namespace trustsim
