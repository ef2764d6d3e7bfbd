// A scenario: the experiment (seed, days, replications, arms, outputs) and
// the model parameters of each arm, loaded from YAML with every default
// applied, every `--set KEY.PATH=VALUE` override applied, and every value
// checked. Problems are reported all at once as InputError.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "trustsim/params.hpp"

namespace trustsim {

struct OutputParams {
  TimeseriesStep timeseries = TimeseriesStep::kWeekly;
  std::vector<CohortDimension> cohorts{CohortDimension::kTenure, CohortDimension::kCategory,
                                       CohortDimension::kChannel};
  bool timeseries_warmup = false;
  double seller_panel = 0.0;  // share of sellers in the weekly panel (0: no panel)
  double buyer_events = 0.0;  // share of buyers whose horizon orders are sampled (0: none)
  template <class V>
  void visit(V& v) {
    v.choice("timeseries", timeseries, "resolution of /timeseries");
    v.choices("cohorts", cohorts, "seller attributes that /cohort_summary breaks down by");
    v.flag("timeseries_warmup", timeseries_warmup,
           "/timeseries also holds the warm-up's periods (days < 0, before every arm forks)");
    v.value("seller_panel", seller_panel, bounds::kShare,
            "share of sellers (a fixed sample by seller id) in /panels/sellers, a weekly panel "
            "of each one's orders, GMV, feedback, claims, defects, actions and status (0: none)");
    v.value("buyer_events", buyer_events, bounds::kShare,
            "share of buyers (a fixed sample by buyer id) whose horizon orders are written to "
            "/panels/buyer_events: outcome, trust before and after, next order day (0: none)");
  }
};

// How contrasts are tested and intervals built.
struct AnalysisParams {
  PAdjustment p_adjustment = PAdjustment::kHolm;
  double confidence = 0.95;
  template <class V>
  void visit(V& v) {
    v.choice("p_adjustment", p_adjustment,
             "multiple-comparison adjustment of p-values across the candidate arms of each "
             "metric (holm controls the family-wise error rate, benjamini_hochberg the false "
             "discovery rate)");
    v.value("confidence", confidence, {0.5, 0.9999, "a level between 0.5 and 0.9999"},
            "confidence level of the contrasts' intervals and of precision targets");
  }
};

// One precision target: the confidence-interval half-width of a candidate's
// difference to the baseline on one summary metric.
struct PrecisionTarget {
  std::string metric;
  std::string arm;                 // candidate arm name; empty = every candidate arm
  double half_width = 0;           // absolute, in the metric's unit (0 = not used)
  double relative_half_width = 0;  // as a share of |baseline mean| (0 = not used)
  template <class V>
  void visit(V& v) {
    v.text("metric", metric, "a /summary outcome name (see /lookup/metrics)");
    v.text("arm", arm, "candidate arm the target applies to (empty: every candidate arm)");
    v.value("half_width", half_width, bounds::kNonNegative,
            "target CI half-width of the difference to baseline, in the metric's unit");
    v.value("relative_half_width", relative_half_width, bounds::kNonNegative,
            "target CI half-width as a share of the baseline mean's magnitude (0.01 = 1%)");
  }
};

// Sequential replication until every target is met (Hoad, Robinson & Davies
// 2010: confidence-interval rule with a look-ahead). Off when no targets.
struct PrecisionParams {
  std::uint64_t min_replications = 10;
  std::uint64_t max_replications = 200;
  std::uint64_t batch = 10;
  std::uint64_t look_ahead = 5;
  std::vector<PrecisionTarget> targets;
  template <class V>
  void visit(V& v) {
    v.value("min_replications", min_replications, {2.0, 1e6, "a whole number from 2 to 1000000"},
            "replications run before targets are first checked");
    v.value("max_replications", max_replications, {2.0, 1e6, "a whole number from 2 to 1000000"},
            "replications at which the experiment stops even if targets are unmet");
    v.value("batch", batch, {1.0, 1e6, "a whole number from 1 to 1000000"},
            "replications added per round while targets are unmet");
    v.value("look_ahead", look_ahead, {0.0, 1e6, "a whole number from 0 to 1000000"},
            "replications a target must stay met for before stopping (HRD kLimit; scaled by "
            "n/100 above 100 replications)");
    v.list("targets", targets, "precision targets; none means a fixed number of replications");
  }
};

// One swept parameter: a scenario key path and the values it takes.
struct SweepParameter {
  std::string key;
  std::vector<double> values;  // grid designs
  double min = 0;              // sampled designs (latin_hypercube, sobol, saltelli)
  double max = 0;
  ParameterScale scale = ParameterScale::kLinear;
  bool whole = false;
  template <class V>
  void visit(V& v) {
    v.text("key", key, "scenario key path, e.g. policies[0].above");
    v.numbers("values", values, bounds::kAny, 0, 100000, "values of a grid design");
    v.value("min", min, bounds::kAny, "lower end of the range of a sampled design");
    v.value("max", max, bounds::kAny, "upper end of the range of a sampled design");
    v.choice("scale", scale, "how a sampled design spreads values over [min, max]");
    v.flag("whole", whole, "round sampled values to whole numbers (counts, days)");
  }
};

// Limits of an experiment's design, checked by validation: every point's arm models are
// resolved and checked when the scenario is read (about half a millisecond a point), and
// every finished task's results stay in rank 0's memory until the file is written.
inline constexpr std::uint64_t kMaxSweepPoints = 10000;
inline constexpr std::uint64_t kMaxTasks = 1000000;  // points x (most) replications

// Sweep points: every arm runs at every point; tasks are (point, replication).
struct SweepParams {
  SweepDesign design = SweepDesign::kGrid;
  std::uint64_t points = 0;
  std::uint64_t seed = 1;
  std::vector<SweepParameter> parameters;
  template <class V>
  void visit(V& v) {
    v.choice("design", design,
             "grid (every combination of values), latin_hypercube, sobol (scrambled "
             "low-discrepancy) or saltelli (for Sobol sensitivity indices)");
    v.value("points", points, {0.0, 10000.0, "a whole number from 0 to 10000"},
            "points of a latin_hypercube or sobol design; base samples N of a saltelli design "
            "(N x (parameters + 2) points); any design has at most 10000 points");
    v.value("seed", seed, {0.0, 1.8e19, "a whole number >= 0"},
            "seed of the design's randomisation (separate from the simulation seed)");
    v.list("parameters", parameters, "swept parameters; none means no sweep");
  }
};

// Calibration (`trustsim calibrate`, docs/calibration.md): parameters fitted
// by the simulated method of moments.
struct CalibrationParameter {
  std::string key;
  double min = 0;
  double max = 0;
  ParameterScale scale = ParameterScale::kLinear;
  double start = std::numeric_limits<double>::quiet_NaN();  // NaN: the scenario's own value
  template <class V>
  void visit(V& v) {
    v.text("key", key, "scenario key path of a model parameter, e.g. orders.claim_if_unresolved");
    v.value("min", min, bounds::kAny, "lowest value the search may try");
    v.value("max", max, bounds::kAny, "highest value the search may try");
    v.choice("scale", scale, "linear, or log (searched on the log of the value; min > 0)");
    v.value("start", start, bounds::kAny,
            "where the search starts (absent: the value the scenario gives the key)");
  }
};

// One moment: a number every replication of the baseline produces, and the
// value it should take. Exactly one of outcome, series, cohort (with
// column), panel or numerator (with denominator) says what it is.
struct CalibrationMoment {
  std::string name;
  std::string outcome;  // a /summary outcome
  std::string series;   // a /timeseries column over the horizon, reduced by `reduce`
  SeriesReduce reduce = SeriesReduce::kMean;
  double quantile = 0.5;
  std::string cohort;       // a /cohort_summary cohort label ...
  std::string column;       // ... and column
  std::string panel;        // a /panels/sellers column, mean over the panel's rows
  std::string numerator;    // a ratio of two other moments (by name) ...
  std::string denominator;  // ... numerator / denominator
  bool fit = true;          // false: reported (and usable in ratios), not fitted
  double target = 0;
  double tolerance = 0;
  std::string source;  // where the target comes from, and how solid it is
  template <class V>
  void visit(V& v) {
    v.text("name", name, "the moment's name in tables and the terminal");
    v.text("outcome", outcome, "a /summary outcome of the baseline (see /lookup/metrics)");
    v.text("series", series, "a /timeseries column of the baseline over the horizon");
    v.choice("reduce", reduce,
             "how a series becomes one number: mean (over the horizon's rows), trend (least-"
             "squares change over the horizon relative to the series mean: -0.03 is a 3% "
             "decline) or quantile");
    v.value("quantile", quantile, bounds::kProbability, "the quantile of reduce: quantile");
    v.text("cohort", cohort, "a /cohort_summary cohort label (e.g. tenure:new), with column");
    v.text("column", column, "the /cohort_summary column of the cohort moment");
    v.text("panel", panel,
           "a /panels/sellers column, mean over the panel's rows (needs outputs.seller_panel)");
    v.text("numerator", numerator, "a ratio moment: the name of the moment divided ...");
    v.text("denominator", denominator, "... by the moment of this name");
    v.flag("fit", fit, "fit this moment (false: report it, and let ratios use it)");
    v.value("target", target, bounds::kAny, "the value the moment should take");
    v.value("tolerance", tolerance, bounds::kNonNegative,
            "how far from the target is one unit of distance (weight 1 / tolerance^2); > 0 for "
            "a fitted moment");
    v.text("source", source,
           "where the target comes from and how solid it is (kept in /calibration/moments)");
  }
};

struct CalibrationParams {
  std::vector<CalibrationParameter> parameters;
  std::vector<CalibrationMoment> moments;
  std::uint64_t replications = 4;
  std::uint64_t final_replications = 0;
  std::uint64_t budget = 120;
  std::uint64_t population = 0;
  double sigma = 0.3;
  double sensitivity_step = 0.05;
  std::uint64_t seed = 1;
  MomentWeights weights = MomentWeights::kTolerance;
  template <class V>
  void visit(V& v) {
    v.list("parameters", parameters, "parameters to fit; none means no calibration");
    v.list("moments", moments, "moments to match");
    v.value("replications", replications, {1.0, 10000.0, "a whole number from 1 to 10000"},
            "replications per evaluation of a candidate (common random numbers: every "
            "candidate runs replications 0, 1, ...)");
    v.value("final_replications", final_replications,
            {0.0, 10000.0, "a whole number from 0 to 10000"},
            "replications of the final evaluation that the moment table reports (0: twice "
            "replications)");
    v.value("budget", budget, {1.0, 100000.0, "a whole number from 1 to 100000"},
            "most candidates the search evaluates");
    v.value("population", population, {0.0, 1000.0, "a whole number from 0 to 1000"},
            "candidates per CMA-ES generation (0: 4 + 3 ln(parameters))");
    v.value("sigma", sigma, {1e-6, 1.0, "a number between 1e-6 and 1"},
            "initial CMA-ES step, as a share of each parameter's (scaled) range");
    v.value("sensitivity_step", sensitivity_step, {1e-4, 0.5, "a number between 1e-4 and 0.5"},
            "step of the central differences of the local sensitivity, as a share of each "
            "parameter's (scaled) range");
    v.value("seed", seed, {0.0, 1.8e19, "a whole number >= 0"},
            "seed of the search's own draws (separate from the simulation seed)");
    v.choice("weights", weights,
             "moment weights: tolerance (1 / tolerance^2) or variance (1 / the variance across "
             "replications at the start)");
  }
};

// Experiment-level settings plus the baseline model, as one YAML document.
struct ScenarioSettings {
  std::string name = "scenario";
  std::string description;
  std::uint64_t seed = 0;
  std::uint64_t warmup_days = 90;
  std::uint64_t horizon_days = 365;
  std::uint64_t replications = 10;
  bool independent_arms = false;
  std::string reference_standard;  // an arm's name; empty: the baseline
  ModelParams model;
  OutputParams outputs;
  AnalysisParams analysis;
  PrecisionParams precision;
  SweepParams sweep;
  CalibrationParams calibration;
  template <class V>
  void visit(V& v) {
    v.text("name", name, "short name of the experiment");
    v.text("description", description, "the question the experiment answers");
    v.value("seed", seed, {0.0, 1.8e19, "a whole number >= 0"},
            "master seed: with the replication index, the key of every random stream",
            /*required=*/true);
    v.value("warmup_days", warmup_days, bounds::kDaysOrZero,
            "days simulated under the baseline before the horizon (fills windows, settles "
            "trust); excluded from outcomes");
    v.value("horizon_days", horizon_days, bounds::kDays,
            "days evaluated; candidate policies are in force from the first horizon day");
    v.value("replications", replications, {1.0, 1e6, "a whole number from 1 to 1000000"},
            "independent replications (each runs every arm on common random numbers); not used "
            "when precision.targets are given (min_replications and max_replications decide)");
    v.flag("independent_arms", independent_arms,
           "give each arm its own random numbers and its own warm-up instead of common random "
           "numbers (for measuring what CRN buys; contrasts are then far noisier)");
    v.text("reference_standard", reference_standard,
           "the arm whose rules (threshold and defect-count rules: metric, threshold, channels) "
           "are the standard false positives and negatives are judged against, for every arm "
           "alike (empty: the baseline)");
    model.visit(v);
    v.section("outputs", outputs, "what the result file records");
    v.section("analysis", analysis, "how contrasts are tested");
    v.section("precision", precision, "replicate until contrasts are precise enough");
    v.section("sweep", sweep, "run the experiment at several parameter points");
    v.section("calibration", calibration,
              "fit model parameters to target moments (trustsim calibrate)");
  }
};

struct Arm {
  std::string name;
  ModelParams model;
  std::vector<std::string> overrides;  // "KEY.PATH=VALUE" as written, for the record
};

// One point of a sweep: the swept values and every arm's model there.
struct SweepPoint {
  std::vector<double> values;           // one per sweep parameter, as applied
  std::vector<ModelParams> arm_models;  // one per arm, in arm order
};

struct Scenario {
  ScenarioSettings settings;  // the baseline arm's model lives in arms[0]
  std::vector<Arm> arms;      // arms[0] is the baseline
  // At least one; without a sweep, point 0 holds the arms' models.
  std::vector<SweepPoint> points;
  std::string source_file;
  std::string resolved_yaml;  // fully resolved scenario (defaults, --set applied)
  // The arm whose rules are the reference standard (settings.reference_standard).
  std::size_t reference_arm() const {
    for (std::size_t a = 0; a < arms.size(); ++a)
      if (arms[a].name == settings.reference_standard) return a;
    return 0;
  }
};

struct LoadOptions {
  std::vector<std::string> set_overrides;     // "KEY.PATH=VALUE"
  std::optional<std::uint64_t> replications;  // --replications
  bool check_memory = true;                   // refuse populations that cannot fit
};

// Loads and validates a scenario file. Throws InputError listing every
// problem (FILE:LINE:COL: error: KEY.PATH: ... (expected ...)).
Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options = {});

// The text of a scenario file; InputError if it cannot be read.
std::string read_scenario_text(const std::filesystem::path& file);

// A scenario's text with its `include:` files merged in, as one document
// that loads without them (what rank 0 sends the other ranks, which may not
// see the same files); the text itself when it includes nothing. `label` is
// the scenario's path, which relative includes start from.
std::string self_contained_text(const std::string& text, const std::string& label);

// The document `top` laid over `base` (both YAML texts, `base` without
// includes), `top` winning: maps merge key by key, lists and values are
// replaced whole, as an included file's keys give way to the including
// scenario's. `label` names `base` in messages.
std::string lay_over(const std::string& base, const std::string& top, const std::string& label);

// Same from YAML text (tests, tools, MPI ranks given rank 0's text);
// `file_label` names the source in messages.
// Each candidate arm's resolved values that differ from the baseline's, as
// YAML comment lines ("# arm 'X' resolves to the baseline with:", then
// "#   KEY.PATH: VALUE"), for `validate --print`.
std::string arm_differences(const Scenario& scenario);

Scenario load_scenario_text(const std::string& yaml_text, const std::string& file_label,
                            const LoadOptions& options = {});

// The parameter values of every sweep point, [point][parameter], in point
// order (a grid varies its first parameter slowest; sampled designs map the
// unit design onto [min, max], log-uniformly for scale: log, rounded when
// whole). Empty without sweep parameters.
std::vector<std::vector<double>> sweep_values(const SweepParams& sweep);

// Markdown reference of every key, its default and its meaning.
std::string scenario_reference_markdown();

// Bytes the simulation needs for this scenario's population (all arms of one
// task live at once, per worker), and the estimate's per-entity parts.
struct MemoryEstimate {
  std::uint64_t bytes_per_buyer;
  std::uint64_t bytes_per_seller;
  std::uint64_t total_bytes;
};
MemoryEstimate estimate_memory(const Scenario& scenario);

}  // namespace trustsim
