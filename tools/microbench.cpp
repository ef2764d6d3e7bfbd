// Micro-benchmarks of the per-order hot path pieces (Google Benchmark).
// The end-to-end benchmark is tools/bench.sh (bench.yaml, orders/s, memory).
#include <benchmark/benchmark.h>

#include "trustsim/distributions.hpp"
#include "trustsim/order_outcome.hpp"
#include "trustsim/rng.hpp"

namespace {

void BM_PhiloxUniform(benchmark::State& state) {
  trustsim::rng::Stream s({1, 2, 0}, 3, 4, trustsim::rng::Purpose::kOrderOutcome);
  double sum = 0;
  for (auto _ : state) sum += s.uniform();
  benchmark::DoNotOptimize(sum);
}
BENCHMARK(BM_PhiloxUniform);

void BM_OrderOutcome(benchmark::State& state) {
  trustsim::ModelParams params;
  const auto model = trustsim::OrderModel::from(params);
  trustsim::SellerOrderProfile profile{0.01f,
                                       0.03f,
                                       0.04f,
                                       0.06f,
                                       0.006f,
                                       0.004f,
                                       0.8f,
                                       trustsim::Channel::kSellerFulfilled,
                                       trustsim::CsProvider::kSelf};
  std::uint64_t order = 0, defects = 0;
  for (auto _ : state) {
    trustsim::OrderDraws draws({1, 2, 0}, order++, 7, 0);
    defects += model.decide(draws, profile, {0.2f, 0.5f}).order_defect;
  }
  benchmark::DoNotOptimize(defects);
}
BENCHMARK(BM_OrderOutcome);

}  // namespace

BENCHMARK_MAIN();
