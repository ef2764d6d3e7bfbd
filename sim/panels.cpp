// Microdata panels (MODEL.md 9), off by default: a weekly panel of a fixed
// sample of sellers and the horizon orders of a fixed sample of buyers. They
// are what a check of "sales growth after a first negative" or "time to the
// next order after a late delivery" needs. Both are read from state the day
// loop keeps anyway (seller tallies; the sampled buyers' orders, logged per
// thread and sorted here), so their rows do not depend on thread or rank
// counts.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "outcomes.hpp"

namespace trustsim {

namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

// What a seller-panel column reads: the seller, the week, its tally now and
// at the last week's end.
struct PanelRow {
  const Marketplace& market;
  std::size_t seller;
  std::int32_t week;
  const SellerTally& now;
  const SellerTally& before;
  double counter(Counter c) const { return static_cast<double>(now.count(c) - before.count(c)); }
};

double status_code(SellerStatus status) { return static_cast<double>(static_cast<int>(status)); }

const std::vector<Outcome<PanelRow>>& seller_columns() {
  using R = PanelRow;
  static const std::vector<Outcome<R>> table = {
      {{"seller", "id", "seller id (stable within the task)"},
       [](const R& r) { return static_cast<double>(r.seller); }},
      {{"week", "week", "horizon week (days 7w to 7w + 6); the last may be shorter"},
       [](const R& r) { return static_cast<double>(r.week); }},
      {{"tenure", "enum", "tenure band id (/lookup/cohorts order within tenure)"},
       [](const R& r) { return static_cast<double>(idx(r.market.sellers().tenure[r.seller])); }},
      {{"channel", "enum", "fulfilment channel id"},
       [](const R& r) {
         return static_cast<double>(idx(r.market.sellers().profile[r.seller].channel));
       }},
      {{"category", "enum", "category id"},
       [](const R& r) { return static_cast<double>(idx(r.market.sellers().category[r.seller])); }},
      {{"quality", "logit", "latent quality factor (higher: more defects of every kind)"},
       [](const R& r) { return static_cast<double>(r.market.sellers().quality[r.seller]); }},
      {{"status", "enum", "at the week's end: 0 active, 1 suspended, 2 exited"},
       [](const R& r) { return status_code(r.market.sellers().status[r.seller]); }},
      {{"listed", "0/1", "offers listed at the week's end (active, no suppression)"},
       [](const R& r) { return r.market.sellers().listed(r.seller) ? 1.0 : 0.0; }},
      {{"orders", "orders", "orders in the week"},
       [](const R& r) { return r.counter(Counter::kOrders); }},
      {{"gmv", "currency", "GMV of the week's orders not cancelled"},
       [](const R& r) {
         return static_cast<double>(r.now.gmv_cents - r.before.gmv_cents) / 100.0;
       }},
      {{"positive_feedback", "orders", "positive feedback left"},
       [](const R& r) { return r.counter(Counter::kPositiveFeedback); }},
      {{"neutral_feedback", "orders", "neutral feedback left"},
       [](const R& r) {
         return r.counter(Counter::kFeedback) - r.counter(Counter::kPositiveFeedback) -
                r.counter(Counter::kNegativeFeedback);
       }},
      {{"negative_feedback", "orders", "negative feedback left"},
       [](const R& r) { return r.counter(Counter::kNegativeFeedback); }},
      {{"claims", "orders", "guarantee claims"},
       [](const R& r) { return r.counter(Counter::kClaims); }},
      {{"chargebacks", "orders", "chargebacks"},
       [](const R& r) { return r.counter(Counter::kChargebacks); }},
      {{"order_defects", "orders", "order defects charged to the seller"},
       [](const R& r) { return r.counter(Counter::kOrderDefects); }},
      {{"cancellations", "orders", "pre-fulfilment cancellations"},
       [](const R& r) { return r.counter(Counter::kCancels); }},
      {{"late_shipments", "orders", "late shipments (seller-shipped orders)"},
       [](const R& r) { return r.counter(Counter::kLateShipments); }},
      {{"untracked_shipments", "orders", "seller-shipped orders without valid tracking"},
       [](const R& r) {
         return r.counter(Counter::kShipments) - r.counter(Counter::kValidTracking);
       }},
      {{"late_deliveries", "orders", "late deliveries, whoever delivered"},
       [](const R& r) { return r.counter(Counter::kDeliveries) - r.counter(Counter::kOnTime); }},
      {{"not_as_described", "orders", "items not as described or damaged"},
       [](const R& r) { return r.counter(Counter::kNotAsDescribed); }},
      {{"warnings", "actions", "warnings in the week"},
       [](const R& r) { return static_cast<double>(r.now.warnings - r.before.warnings); }},
      {{"suppressions", "actions", "listing suppressions in the week"},
       [](const R& r) { return static_cast<double>(r.now.suppressions - r.before.suppressions); }},
      {{"suspensions", "actions", "suspensions in the week"},
       [](const R& r) { return static_cast<double>(r.now.suspensions - r.before.suspensions); }},
      {{"reinstatements", "actions", "reinstatements on appeal in the week"},
       [](const R& r) {
         return static_cast<double>(r.now.reinstatements - r.before.reinstatements);
       }},
      {{"exited", "0/1", "the seller left the marketplace in the week"},
       [](const R& r) { return static_cast<double>(r.now.exited - r.before.exited); }},
      {{"rating_percent_positive", "percent",
        "displayed rating at the week's end: percent positive over the rating window (NaN: "
        "no feedback in the window)"},
       [](const R& r) {
         if (r.market.rating_count(r.seller) == 0) return kNone;
         return 100.0 - static_cast<double>(r.market.sellers().rating_deficit[r.seller]);
       }},
      {{"rating_feedback", "orders", "feedback in the rating window at the week's end"},
       [](const R& r) { return static_cast<double>(r.market.rating_count(r.seller)); }},
  };
  return table;
}

// What a buyer-event column reads: the order and the buyer's next one.
struct EventRow {
  const BuyerEvent& event;
  std::int32_t next_day;  // -1: no later order in the horizon
  double flag(BuyerEvent::Flag f) const { return event.has(f) ? 1.0 : 0.0; }
};

const std::vector<Outcome<EventRow>>& event_columns() {
  using R = EventRow;
  using F = BuyerEvent;
  static const std::vector<Outcome<R>> table = {
      {{"buyer", "id", "buyer id (stable within the task)"},
       [](const R& r) { return static_cast<double>(r.event.buyer); }},
      {{"day", "day", "horizon day of the order"},
       [](const R& r) { return static_cast<double>(r.event.day); }},
      {{"event", "index", "the buyer's shopping event of the day (0, 1, ...)"},
       [](const R& r) { return static_cast<double>(r.event.seq); }},
      {{"persona", "index", "the buyer's persona, in the scenario's order"},
       [](const R& r) { return static_cast<double>(r.event.persona); }},
      {{"seller", "id", "the seller bought from"},
       [](const R& r) { return static_cast<double>(r.event.seller); }},
      {{"gmv", "currency", "the order's value (0 if cancelled)"},
       [](const R& r) { return static_cast<double>(r.event.gmv_cents) / 100.0; }},
      {{"cancelled", "0/1", "cancelled before fulfilment"},
       [](const R& r) { return r.flag(F::kCancelled); }},
      {{"late_shipment", "0/1", "shipped late by the seller"},
       [](const R& r) { return r.flag(F::kLateShipment); }},
      {{"untracked", "0/1", "seller-shipped without valid tracking"},
       [](const R& r) { return r.flag(F::kUntracked); }},
      {{"late_delivery", "0/1", "delivered late"},
       [](const R& r) { return r.flag(F::kLateDelivery); }},
      {{"days_late", "days", "days late (0 if on time)"},
       [](const R& r) { return static_cast<double>(r.event.days_late); }},
      {{"early_delivery", "0/1", "delivered early"},
       [](const R& r) { return r.flag(F::kEarlyDelivery); }},
      {{"not_as_described", "0/1", "not as described or damaged"},
       [](const R& r) { return r.flag(F::kNotAsDescribed); }},
      {{"no_cs_response_24h", "0/1", "a customer-service contact not answered within 24 h"},
       [](const R& r) { return r.flag(F::kNoResponse24h); }},
      {{"unresolved", "0/1", "a problem left unresolved"},
       [](const R& r) { return r.flag(F::kUnresolved); }},
      {{"feedback", "enum", "feedback left: 0 none, 1 positive, 2 neutral, 3 negative"},
       [](const R& r) { return static_cast<double>(static_cast<int>(r.event.feedback)); }},
      {{"claim", "0/1", "guarantee claim"}, [](const R& r) { return r.flag(F::kClaim); }},
      {{"chargeback", "0/1", "chargeback"}, [](const R& r) { return r.flag(F::kChargeback); }},
      {{"seller_order_defect", "0/1", "an order defect charged to the seller"},
       [](const R& r) { return r.flag(F::kSellerDefect); }},
      {{"trust_before", "0-1", "the buyer's trust before the order's outcome"},
       [](const R& r) { return static_cast<double>(r.event.trust_before); }},
      {{"trust_after", "0-1", "the buyer's trust after it"},
       [](const R& r) { return static_cast<double>(r.event.trust_after); }},
      {{"next_order_day", "day",
        "horizon day of the buyer's next order (-1: none before the horizon ends)"},
       [](const R& r) { return static_cast<double>(r.next_day); }},
  };
  return table;
}

template <class Row>
void append_row(const std::vector<Outcome<Row>>& table, const Row& row,
                std::vector<std::vector<double>>& columns) {
  const auto row_values = values(table, row);
  columns.resize(row_values.size());
  for (std::size_t c = 0; c < row_values.size(); ++c) columns[c].push_back(row_values[c]);
}

}  // namespace

const std::vector<OutcomeDefinition>& seller_panel_columns() {
  static const auto defs = definitions(seller_columns());
  return defs;
}

const std::vector<OutcomeDefinition>& buyer_event_columns() {
  static const auto defs = definitions(event_columns());
  return defs;
}

void SellerPanel::add_week(const Marketplace& market, std::int32_t horizon_day,
                           std::vector<std::vector<double>>& columns) {
  const auto& sellers = market.sellers();
  last.resize(sellers.size());
  closed.resize(sellers.size(), 0);
  const auto week = horizon_day / 7;
  for (std::size_t s = 0; s < sellers.size(); ++s) {
    // Sellers present in the horizon, until the week they leave.
    if (closed[s] || !sellers.tally[s].present || !in_sample(s, threshold)) continue;
    append_row(seller_columns(), PanelRow{market, s, week, sellers.tally[s], last[s]}, columns);
    last[s] = sellers.tally[s];
    if (sellers.status[s] == SellerStatus::kExited) closed[s] = 1;
  }
}

std::vector<std::vector<double>> buyer_event_table(std::vector<BuyerEvent> events) {
  // One order per (buyer, day, event): this order is the same whatever
  // thread logged each order.
  std::sort(events.begin(), events.end(), [](const BuyerEvent& a, const BuyerEvent& b) {
    return a.buyer != b.buyer ? a.buyer < b.buyer : a.day != b.day ? a.day < b.day : a.seq < b.seq;
  });
  std::vector<std::vector<double>> columns;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const bool has_next = i + 1 < events.size() && events[i + 1].buyer == events[i].buyer;
    append_row(event_columns(), EventRow{events[i], has_next ? events[i + 1].day : -1}, columns);
  }
  return columns;
}

}  // namespace trustsim
