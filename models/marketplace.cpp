// Marketplace set-up (population creation) and the day loop's phases.
#include "trustsim/marketplace.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <omp.h>

namespace trustsim {
namespace {

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Sorts ids ascending: least-significant-digit radix sort, 11 bits a pass,
// as many passes as the largest id needs (two for up to 4 million buyers).
void sort_ids(std::vector<std::uint32_t>& ids, std::vector<std::uint32_t>& scratch) {
  constexpr unsigned kBits = 11;
  constexpr std::uint32_t kBuckets = 1u << kBits;
  std::uint32_t largest = 0;
  for (auto id : ids) largest = std::max(largest, id);
  scratch.resize(ids.size());
  for (unsigned shift = 0; shift < 32 && (largest >> shift) != 0; shift += kBits) {
    std::array<std::uint32_t, kBuckets + 1> start{};
    for (auto id : ids) ++start[((id >> shift) & (kBuckets - 1)) + 1];
    for (std::uint32_t b = 0; b < kBuckets; ++b) start[b + 1] += start[b];
    for (auto id : ids) scratch[start[(id >> shift) & (kBuckets - 1)]++] = id;
    ids.swap(scratch);
  }
}

// A starting count plus the arrivals expected over `days` at `per_day`, with
// a margin of 4 standard deviations (Poisson).
std::size_t expected_with_margin(std::size_t count, double per_day, std::int32_t days) {
  const double arrivals = per_day * days;
  return count + static_cast<std::size_t>(arrivals + 4.0 * std::sqrt(arrivals));
}

// Shifts a base probability on the logit scale; 0 and 1 stay put.
float shift_probability(double base, double shift) {
  if (base <= 0.0) return 0.0f;
  if (base >= 1.0) return 1.0f;
  return static_cast<float>(logistic(std::log(base / (1.0 - base)) + shift));
}

float scale_probability(double p, double multiplier) {
  return static_cast<float>(std::clamp(p * multiplier, 0.0, 1.0));
}

template <class E>
E draw_enum(rng::Stream& s, const Shares<E>& shares) {
  return static_cast<E>(dist::discrete(s.uniform(), shares));
}

}  // namespace

void register_windows(RollingWindows& windows, const ModelParams& params) {
  const PolicySet policies(params);
  for (std::size_t i = 0; i < policies.size(); ++i) policies[i].require_windows(windows);
  const auto w = static_cast<std::uint32_t>(params.signals.window_days);
  windows.require(Counter::kFqiLoss, w);
  windows.require(Counter::kOrderDefects, w);
  windows.require(Counter::kOrders, w);
  windows.require(Counter::kOrders, 30);  // lost-sales comparison: last 30 vs prior 30 days
  windows.require(Counter::kOrders, 60);
}

void register_rating_windows(WeeklyWindows& windows, const ModelParams& params) {
  windows.require(static_cast<std::uint32_t>(params.signals.rating_window_weeks));
}

Marketplace::Marketplace(const RunSettings& baseline, std::span<const RunSettings> arms)
    : settings_(baseline), creation_key_(baseline.key), policies_(baseline.params) {
  const auto& p = settings_.params;
  register_windows(sellers_.windows, baseline.params);
  for (const auto& arm : arms) register_windows(sellers_.windows, arm.params);
  register_rating_windows(sellers_.ratings, baseline.params);
  for (const auto& arm : arms) register_rating_windows(sellers_.ratings, arm.params);
  bind_windows();
  read_shares();
  calendar_.assign(
      1, std::vector<std::vector<std::uint32_t>>(static_cast<std::size_t>(settings_.total_days())));

  // Room for the expected entrants (+ 4 sd) so the windows and seller arrays
  // are laid out once.
  seller_capacity_ = expected_with_margin(
      p.population.sellers.count, p.population.sellers.entry_per_day, settings_.total_days());
  sellers_.windows.reserve(seller_capacity_);
  sellers_.ratings.reserve(seller_capacity_);
  // Likewise for the buyers: growing the array as they arrive would copy it
  // (and fault in fresh pages) on one thread, in the middle of the day loop.
  buyer_capacity_ = expected_with_margin(
      p.population.buyers.count, p.population.buyers.arrivals_per_day, settings_.total_days());
  create_sellers(p.population.sellers.count, 0, /*entering=*/false);
  DayTotals ignored;
  create_buyers(p.population.buyers.count, 0, ignored);
  trust_sum_fixed_ += ignored.trust_delta_fixed;
  buyers_present_ += ignored.present_delta;
  compute_attraction(0);
  rebuild_offer_tables();
}

void Marketplace::compute_attraction(std::size_t first_seller) {
  const auto& personas = settings_.params.population.buyers.personas;
  const std::size_t n = sellers_.size();
  resize_within(attraction_, personas.size() * n, personas.size() * seller_capacity_, 0.0);
  for (std::size_t s = first_seller; s < n; ++s)
    for (std::size_t q = 0; q < personas.size(); ++q)
      attraction_[s * personas.size() + q] = attraction(personas[q].second, s);
}

double Marketplace::attraction(const Persona& persona, std::size_t s) const {
  return std::exp(persona.price * sellers_.neg_log_price[s] -
                  persona.speed * sellers_.promised_days[s] -
                  persona.rating * sellers_.rating_deficit[s]);
}

void Marketplace::sample_buyer_events(double share) { event_sample_ = sample_threshold(share); }

std::vector<BuyerEvent> Marketplace::take_buyer_events() {
  std::vector<BuyerEvent> all;
  for (auto& log : event_logs_) {
    all.insert(all.end(), log.events.begin(), log.events.end());
    log.events.clear();
  }
  return all;
}

BuyerEvent BuyerEvent::of(const OrderOutcome& o, std::uint32_t buyer, std::uint32_t seller,
                          std::int32_t day, std::uint16_t seq, std::uint8_t persona,
                          std::int64_t gmv_cents, float trust_before, float trust_after) {
  BuyerEvent e;
  e.day = day;
  e.buyer = buyer;
  e.seller = seller;
  e.seq = seq;
  e.persona = persona;
  e.days_late = static_cast<std::uint8_t>(std::min<std::uint32_t>(o.days_late, 255));
  e.feedback = o.feedback;
  e.gmv_cents = gmv_cents;
  e.trust_before = trust_before;
  e.trust_after = trust_after;
  const bool flags[kFlagCount] = {
      o.cancelled,      o.late_shipment,    o.seller_ships && !o.valid_tracking,   o.late_delivery,
      o.early_delivery, o.not_as_described, o.cs_contact && !o.cs_response_24h,    o.unresolved,
      o.claim,          o.chargeback,       o.order_defect && o.seller_accountable};
  for (unsigned f = 0; f < kFlagCount; ++f) e.flags |= static_cast<std::uint16_t>(flags[f] << f);
  return e;
}

void Marketplace::bind_windows() {
  const auto& w = sellers_.windows;
  policies_.bind_windows(w);
  const auto days = static_cast<std::uint32_t>(settings_.params.signals.window_days);
  handles_.signal_loss = w.find(Counter::kFqiLoss, days);
  handles_.signal_defects = w.find(Counter::kOrderDefects, days);
  handles_.signal_orders = w.find(Counter::kOrders, days);
  handles_.orders_30 = w.find(Counter::kOrders, 30);
  handles_.orders_60 = w.find(Counter::kOrders, 60);
  handles_.rating = sellers_.ratings.find(
      static_cast<std::uint32_t>(settings_.params.signals.rating_window_weeks));
}

void Marketplace::read_shares() {
  persona_shares_.clear();
  for (const auto& [name, persona] : settings_.params.population.buyers.personas)
    persona_shares_.push_back(persona.share);
  category_shares_.clear();
  for (const auto& c : settings_.params.categories) category_shares_.push_back(c.search_share);
}

void Marketplace::apply_arm(const RunSettings& arm_settings) {
  settings_ = arm_settings;
  policies_.take_parameters(PolicySet(settings_.params), sellers_.size(), seller_capacity_);
  bind_windows();
  read_shares();
  // Channel, category, order and CS parameters, and the decline shift, may
  // differ: every seller's quality, order profile and promise are made again
  // from its creation draws.
  const auto& p = settings_.params;
  for (std::size_t s = 0; s < sellers_.size(); ++s) {
    const SellerDraws d = current_draws(s);
    sellers_.quality[s] = static_cast<float>(d.quality);
    sellers_.profile[s] = order_profile(d, p);
    sellers_.promised_days[s] =
        static_cast<float>(p.channels[idx(sellers_.profile[s].channel)].promised_days);
  }
  compute_attraction(0);
  rebuild_offer_tables();
}

// Every draw a seller's traits are made of, from its own creation stream.
// Draw order is part of the RNG layout: append new draws at the end.
SellerDraws draw_seller(const rng::StreamKey& key, std::size_t id, const SellerPopulation& pop) {
  rng::Stream r(key, id, rng::kCreationDay, rng::Purpose::kSellerTraits);
  SellerDraws d;
  d.tenure = draw_enum<Tenure>(r, pop.tenure);
  d.category = draw_enum<Category>(r, pop.category);
  d.region = draw_enum<Region>(r, pop.region);
  d.channel = draw_enum<Channel>(r, pop.channel);
  d.cs_provider = draw_enum<CsProvider>(r, pop.cs_provider);
  d.quality = pop.quality.factor_sd * dist::normal_quantile(r.uniform());
  d.offers = dist::lognormal_mean_cv(r.uniform(), pop.offers_mean, pop.offers_cv);
  d.price_level = dist::lognormal_mean_cv(r.uniform(), 1.0, pop.price_cv);
  for (auto& noise : d.noise) noise = pop.quality.noise_sd * dist::normal_quantile(r.uniform());
  if (r.uniform() < pop.quality.problem_share) d.quality += pop.quality.problem_shift;
  d.exit_clock = -std::log1p(-r.uniform());
  d.decline_clock = -std::log1p(-r.uniform());
  return d;
}

SellerDraws Marketplace::current_draws(std::size_t id) const {
  const auto& p = settings_.params;
  SellerDraws d = draw_seller(creation_key_, id, p.population.sellers);
  if (sellers_.declined[id] != 0) d.quality += p.seller_behaviour.decline_shift;
  return d;
}

void Marketplace::decline(std::size_t id) {
  sellers_.declined[id] = 1;
  const SellerDraws d = current_draws(id);
  sellers_.quality[id] = static_cast<float>(d.quality);
  sellers_.profile[id] = order_profile(d, settings_.params);
}

// A seller's order-outcome probabilities under parameters `p`: the channel's,
// category's and CS provider's base rates, shifted on the logit scale by the
// seller's latent quality and its own noise (MODEL.md 2).
SellerOrderProfile order_profile(const SellerDraws& d, const ModelParams& p) {
  const auto& ch = p.channels[idx(d.channel)];
  const auto& cat = p.categories[idx(d.category)];
  const double z = d.quality;
  const double border = d.region == Region::kCrossBorder ? p.orders.cross_border_multiplier : 1.0;
  SellerOrderProfile prof;
  prof.channel = d.channel;
  prof.cs_provider = d.cs_provider;
  prof.cancel = shift_probability(ch.cancel, z + d.noise[0]);
  prof.late_shipment = shift_probability(
      std::min(ch.late_shipment * cat.late_shipment_multiplier, 1.0), z + d.noise[1]);
  prof.invalid_tracking = shift_probability(ch.invalid_tracking, z + d.noise[2]);
  const double late_base = ch.late_delivery * cat.late_delivery_multiplier * border;
  prof.late_delivery = ch.seller_owns_delivery
                           ? shift_probability(std::min(late_base, 1.0), z + d.noise[3])
                           : scale_probability(late_base, 1.0);
  prof.not_as_described =
      shift_probability(std::min(p.orders.not_as_described * border, 1.0), z + d.noise[4]);
  prof.damage = scale_probability(ch.damage, cat.damage_multiplier);
  const double response = p.cs_providers[idx(d.cs_provider)].response_24h;
  prof.cs_response_24h =
      d.cs_provider == CsProvider::kSelf
          ? shift_probability(response, -p.population.sellers.self_cs_quality_weight * z)
          : static_cast<float>(response);
  return prof;
}

// One seller's traits: cohort, channel, CS provider, latent quality and its
// order profile, listings and price.
void Marketplace::draw_seller_traits(std::size_t id, bool entering) {
  const auto& p = settings_.params;
  auto& s = sellers_;
  const SellerDraws d = draw_seller(creation_key_, id, p.population.sellers);
  s.tenure[id] = entering ? Tenure::kNew : d.tenure;
  s.category[id] = d.category;
  s.region[id] = d.region;
  s.quality[id] = static_cast<float>(d.quality);
  s.offers[id] = static_cast<float>(d.offers);
  s.price_level[id] = static_cast<float>(d.price_level);
  s.exit_clock[id] = static_cast<float>(d.exit_clock);
  s.decline_clock[id] = static_cast<float>(d.decline_clock);
  s.neg_log_price[id] = -std::log(s.price_level[id]);
  s.profile[id] = order_profile(d, p);
  s.promised_days[id] = static_cast<float>(p.channels[idx(d.channel)].promised_days);
}

void Marketplace::create_sellers(std::size_t count, std::int32_t day, bool entering) {
  const auto& p = settings_.params;
  const auto& pop = p.population.sellers;
  auto& s = sellers_;
  const std::size_t first = s.size();
  const std::size_t n = first + count;
  auto grow = [this, n](auto& v, auto value) { resize_within(v, n, seller_capacity_, value); };
  grow(s.tenure, Tenure::kNew);
  grow(s.category, Category::kStandard);
  grow(s.region, Region::kDomestic);
  grow(s.profile, SellerOrderProfile{});
  grow(s.quality, 0.0f);
  grow(s.offers, 0.0f);
  grow(s.price_level, 1.0f);
  grow(s.neg_log_price, 0.0f);
  grow(s.promised_days, 0.0f);
  grow(s.capacity, 1.0f);
  grow(s.created_day, day);
  grow(s.exit_clock, 0.0f);
  grow(s.exit_exposure, 0.0f);
  grow(s.decline_clock, 0.0f);
  grow(s.decline_exposure, 0.0f);
  grow(s.declined, std::uint8_t{0});
  grow(s.status, SellerStatus::kActive);
  grow(s.effort, 0.0f);
  grow(s.load, 0.0f);
  grow(s.signal, 1.0f);
  grow(s.rank_score, 0.0f);
  grow(s.rating_deficit, 0.0f);
  grow(s.last_order_day, day);
  grow(s.last_lost_sales_day, -1000000);
  grow(s.appeal_day, -1);
  grow(s.suppressions, std::uint16_t{0});
  grow(s.wrongly_held, std::uint8_t{0});
  grow(s.own_appeal, std::uint8_t{0});
  grow(s.appeal_odds, std::array<double, 3>{});
  grow(s.breach_since, -1);
  grow(s.lifetime_gmv_cents, std::int64_t{0});
  grow(s.listed_days, 0);
  policies_.resize(n, seller_capacity_);
  grow(s.tally, SellerTally{});
  grow(day_counts_, SellerDay{});
  s.windows.add_sellers(count);
  s.ratings.add_sellers(count);

  for (std::size_t id = first; id < n; ++id) draw_seller_traits(id, entering);

  // Capacity: a multiple of the demand the seller's listings would attract
  // among the sellers present now.
  std::array<double, enum_count<Category>()> category_offers{};
  for (std::size_t id = 0; id < n; ++id)
    if (s.status[id] != SellerStatus::kExited) category_offers[idx(s.category[id])] += s.offers[id];
  const double daily_orders = static_cast<double>(p.population.buyers.count) *
                              p.population.buyers.orders_per_month_mean / 30.0;
  for (std::size_t id = first; id < n; ++id) {
    const auto c = idx(s.category[id]);
    const double demand = daily_orders * p.categories[c].search_share * s.offers[id] /
                          std::max(category_offers[c], 1e-9);
    s.capacity[id] = static_cast<float>(std::max(0.5, pop.capacity_headroom * demand));
  }
}

void Marketplace::create_buyers(std::size_t count, std::int32_t day, DayTotals& totals) {
  const auto& p = settings_.params;
  const auto& pop = p.population.buyers;
  const std::size_t first = buyers_.size();
  const auto initial = static_cast<float>(p.trust.initial);
  resize_within(buyers_, first + count, buyer_capacity_, Buyer{});
  const double scale = pop.orders_per_month_mean / pop.orders_per_month_shape;
  // Traits in parallel (each buyer draws from its own stream; the gamma
  // quantile dominates), then totals and the calendar in id order.
  const auto last = static_cast<std::int64_t>(buyers_.size());
#pragma omp parallel for schedule(static) if (count >= 256)
  for (std::int64_t i = static_cast<std::int64_t>(first); i < last; ++i) {
    const auto id = static_cast<std::size_t>(i);
    rng::Stream r(settings_.key, id, rng::kCreationDay, rng::Purpose::kBuyerTraits);
    Buyer& b = buyers_[id];
    b.trust = initial;
    b.persona = static_cast<std::uint8_t>(dist::discrete(r.uniform(), persona_shares_));
    const double monthly = dist::gamma_quantile(r.uniform(), pop.orders_per_month_shape, scale);
    b.base_rate = static_cast<float>(monthly / 30.0);
    const double wait = b.base_rate > 0.0f ? dist::exponential(r.uniform(), b.base_rate) : 1e30;
    b.next_time = static_cast<float>(std::min(day + wait, 1e30));
  }
  for (std::size_t id = first; id < buyers_.size(); ++id) {
    totals.trust_delta_fixed += trust_fixed(initial);
    totals.present_delta += 1;
    schedule(static_cast<std::uint32_t>(id));
  }
  totals.arrived += static_cast<std::int64_t>(count);
}

void Marketplace::schedule(std::uint32_t buyer) {
  const double t = buyers_[buyer].next_time;
  if (t < static_cast<double>(settings_.total_days()))
    calendar_.front()[static_cast<std::size_t>(t)].push_back(buyer);
}

void Marketplace::ListedOffers::clear() {
  for (auto& ids : sellers) ids.clear();
  signal_loss = signal_defects = signal_orders = 0;
}

void Marketplace::ListedOffers::collect(const Sellers& sl, const WindowHandles& handles,
                                        std::size_t s) {
  if (sl.status[s] == SellerStatus::kExited) return;
  const auto& w = sl.windows;
  signal_loss += w.sum(s, handles.signal_loss);
  signal_defects += w.sum(s, handles.signal_defects);
  signal_orders += w.sum(s, handles.signal_orders);
  if (sl.listed(s)) sellers[idx(sl.category[s])].push_back(static_cast<std::uint32_t>(s));
}

void Marketplace::rebuild_offer_tables() {
  listed_blocks_.resize(std::max<std::size_t>(listed_blocks_.size(), 1));
  auto& all = listed_blocks_.front();
  all.clear();
  for (std::size_t s = 0; s < sellers_.size(); ++s) all.collect(sellers_, handles_, s);
  build_offer_tables({&all, 1});
}

void Marketplace::build_offer_tables(std::span<const ListedOffers> blocks) {
  std::int64_t loss = 0, defects = 0, orders = 0;
  for (const auto& block : blocks) {
    loss += block.signal_loss;
    defects += block.signal_defects;
    orders += block.signal_orders;
  }
  // Categories in parallel; within one, the listed sellers in id order
  // (blocks are consecutive id ranges), whatever the thread count.
  const auto categories = static_cast<std::int64_t>(offer_tables_.size());
#pragma omp parallel for schedule(dynamic, 1) if (sellers_.size() >= 4096)
  for (std::int64_t i = 0; i < categories; ++i) {
    const auto c = static_cast<std::size_t>(i);
    auto& listed = listed_scratch_[c];
    listed.clear();
    for (const auto& block : blocks)
      listed.insert(listed.end(), block.sellers[c].begin(), block.sellers[c].end());
    auto& weights = weight_scratch_[c];
    weights.resize(listed.size());
    for (std::size_t k = 0; k < listed.size(); ++k) weights[k] = sellers_.offers[listed[k]];
    offer_tables_[c].build(weights, [&](std::size_t k) {
      const auto s = listed[k];
      return OfferTable::Offer{sellers_.rank_score[s], s, sellers_.signal[s]};
    });
  }
  // Platform-wide averages: the prior that shrinks small sellers' signals.
  platform_loss_rate_ = orders > 0 ? static_cast<double>(loss) / orders / kLossUnits : 0.0;
  platform_defect_rate_ = orders > 0 ? static_cast<double>(defects) / orders : 0.0;
}

namespace {
constexpr std::size_t kShoppersPerChunk = 512;
constexpr std::size_t kSellersPerBlock = 2048;  // 2048 x 56 bytes of day counts: 112 KiB
}  // namespace

// The day loop: named phases, each timed into /timing (day_phases.hpp).
DayTotals Marketplace::step_day(std::int32_t day) {
  double clock = omp_get_wtime();
  auto phase_done = [&](DayPhase phase) {
    const double now = omp_get_wtime();
    phase_seconds_[phase] += now - clock;
    clock = now;
  };
  DayTotals totals;
  arrive(day, totals);
  phase_done(DayPhase::kArrivals);
  const DayPlan plan = plan_day(day);
  phase_done(DayPhase::kCalendar);
  std::vector<ThreadTotals> per_thread(plan.threads);
  shop(day, plan, per_thread);
  phase_done(DayPhase::kShopping);
  close_sellers(day, plan, per_thread);
  for (const auto& t : per_thread) totals.add(t.totals);
  trust_sum_fixed_ += totals.trust_delta_fixed;
  buyers_present_ += totals.present_delta;
  phase_done(DayPhase::kSellers);
  build_offer_tables({listed_blocks_.data(), plan.blocks});
  phase_done(DayPhase::kOfferTables);
  return totals;
}

// Arrivals (sequential): seller entry and buyer arrivals, ids in arrival order.
void Marketplace::arrive(std::int32_t day, DayTotals& totals) {
  const auto& p = settings_.params;
  rng::Stream entry(settings_.key, 0, static_cast<std::uint64_t>(day), rng::Purpose::kSellerEntry);
  const auto entering = dist::poisson(entry, p.population.sellers.entry_per_day);
  if (entering > 0) {
    create_sellers(entering, day, /*entering=*/true);
    compute_attraction(sellers_.size() - entering);
  }
  totals.seller_entries += entering;
  for (std::size_t s = sellers_.size() - entering; s < sellers_.size(); ++s)
    sellers_.tally[s].entered = sellers_.tally[s].present = in_horizon(day) ? 1 : 0;
  rng::Stream arrivals(settings_.key, 0, static_cast<std::uint64_t>(day),
                       rng::Purpose::kBuyerArrivals);
  create_buyers(dist::poisson(arrivals, p.population.buyers.arrivals_per_day), day, totals);
}

// Calendar: today's shoppers by lane, in id order, cut into chunks for the
// threads; the blocks sellers close the day in; per-thread logs laid out.
Marketplace::DayPlan Marketplace::plan_day(std::int32_t day) {
  DayPlan plan;
  plan.threads = static_cast<std::size_t>(omp_get_max_threads());
  const auto threads = plan.threads;
  const auto total_days = settings_.total_days();
  if (calendar_.size() < threads)
    calendar_.resize(threads,
                     std::vector<std::vector<std::uint32_t>>(static_cast<std::size_t>(total_days)));
  auto& shoppers = plan.shoppers;
  shoppers.resize(calendar_.size());
  sort_scratch_.resize(calendar_.size());
  const auto lanes = static_cast<std::int64_t>(calendar_.size());
  // Each lane's shoppers in id order: their records are then read as a
  // forward stream instead of scattered over the whole array.
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t lane = 0; lane < lanes; ++lane) {
    auto& ids = shoppers[static_cast<std::size_t>(lane)];
    ids =
        std::exchange(calendar_[static_cast<std::size_t>(lane)][static_cast<std::size_t>(day)], {});
    sort_ids(ids, sort_scratch_[static_cast<std::size_t>(lane)]);
  }
  for (std::size_t lane = 0; lane < calendar_.size(); ++lane) {
    for (std::size_t first = 0; first < shoppers[lane].size(); first += kShoppersPerChunk)
      plan.chunks.push_back(
          {lane, first, std::min(shoppers[lane].size(), first + kShoppersPerChunk)});
  }
  // Sellers close the day in blocks: at least one per thread, and small
  // enough that a block's day counts stay in a core's cache while its
  // orders are added up.
  plan.block_size =
      std::clamp<std::size_t>((sellers_.size() + threads - 1) / threads, 1, kSellersPerBlock);
  plan.blocks = std::max<std::size_t>(1, (sellers_.size() + plan.block_size - 1) / plan.block_size);
  order_logs_.resize(std::max(order_logs_.size(), threads));
  rescheduled_.resize(std::max(rescheduled_.size(), threads));
  event_logs_.resize(std::max(event_logs_.size(), threads));
  for (auto& log : order_logs_) log.resize(plan.blocks);
  listed_blocks_.resize(std::max(listed_blocks_.size(), plan.blocks));
  return plan;
}

// Shopping (parallel over today's shoppers): orders against sellers' state
// frozen at the start of the day. Each thread logs its orders by seller
// block and reschedules its shoppers into its own calendar lane.
void Marketplace::shop(std::int32_t day, const DayPlan& plan,
                       std::vector<ThreadTotals>& per_thread) {
  const auto total_days = settings_.total_days();
  const auto n_chunks = static_cast<std::int64_t>(plan.chunks.size());
#pragma omp parallel
  {
    const auto thread = static_cast<std::size_t>(omp_get_thread_num());
    DayTotals& mine = per_thread[thread].totals;
    OrderLog& log = order_logs_[thread];
    auto& rescheduled = rescheduled_[thread].shoppers;
    auto& events = event_logs_[thread].events;
#pragma omp for schedule(dynamic, 1) nowait
    for (std::int64_t c = 0; c < n_chunks; ++c) {
      const auto& chunk = plan.chunks[static_cast<std::size_t>(c)];
      const auto& ids = plan.shoppers[chunk.lane];
      for (std::size_t i = chunk.begin; i < chunk.end; ++i) {
        // The buyer record is a random access into a large array: fetch ahead.
        if (i + 8 < chunk.end) __builtin_prefetch(&buyers_[ids[i + 8]], 1);
        const auto next = shop(ids[i], day, log, plan.block_size, mine, events);
        if (next < total_days) rescheduled.push_back({ids[i], next});
      }
    }
    // Into this thread's lane in one tight pass: interleaved with shopping,
    // the calendar's list ends would be pushed out of cache by buyer records.
    auto& lane = calendar_[thread];
    for (const auto& [buyer, next] : rescheduled)
      lane[static_cast<std::size_t>(next)].push_back(buyer);
    rescheduled.clear();
  }
}

// Closing sellers (parallel over blocks of sellers): add up each seller's
// orders from every thread's log, roll windows, signals and behaviour, put
// the seller before the policies, and collect tomorrow's offers. A block
// takes each step for all its sellers before the next (and the policies one
// after another): each pass then reads a few arrays as forward streams
// instead of one seller's scattered rows at a time. On bench-every-policy
// (one thread) that cut the policies' share of the day loop from 12.0% to
// 8.3% (medians of 5 interleaved rounds; docs/enforcement-rules.md).
void Marketplace::close_sellers(std::int32_t day, const DayPlan& plan,
                                std::vector<ThreadTotals>& per_thread) {
  const std::size_t n_sellers = sellers_.size();
  const std::size_t block_size = plan.block_size;
  policies_.begin_review(sellers_, settings_, day);
  sellers_.windows.begin_day(static_cast<std::uint64_t>(day));
  sellers_.ratings.begin_day(static_cast<std::uint64_t>(day));
#pragma omp parallel
  {
    DayTotals& mine = per_thread[static_cast<std::size_t>(omp_get_thread_num())].totals;
    // Contiguous runs of blocks per thread: each seller array is then read
    // as a few long streams (18% less time than interleaved blocks on 2 threads).
#pragma omp for schedule(static)
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(plan.blocks); ++b) {
      const auto block = static_cast<std::size_t>(b);
      for (auto& log : order_logs_) {
        for (const auto& order : log[block].orders) day_counts_[order.seller].add(order);
        log[block].orders.clear();
      }
      auto& listed = listed_blocks_[block];
      listed.clear();
      const std::size_t first = block * block_size;
      const std::size_t last = std::min(n_sellers, first + block_size);
      for (std::size_t s = first; s < last; ++s)
        close_seller_day(s, day, std::exchange(day_counts_[s], {}), mine);
      enforce(first, last, day, mine);
      for (std::size_t s = first; s < last; ++s) listed.collect(sellers_, handles_, s);
    }
  }
}

void Marketplace::begin_horizon() {
  for (std::size_t s = 0; s < sellers_.size(); ++s)
    sellers_.tally[s].present = sellers_.status[s] != SellerStatus::kExited;
  policies_.begin_horizon();
}

std::size_t Marketplace::listed_sellers() const {
  std::size_t n = 0;
  for (std::size_t s = 0; s < sellers_.size(); ++s) n += sellers_.listed(s);
  return n;
}

std::size_t Marketplace::suspended_sellers() const {
  return static_cast<std::size_t>(
      std::count(sellers_.status.begin(), sellers_.status.end(), SellerStatus::kSuspended));
}

}  // namespace trustsim
