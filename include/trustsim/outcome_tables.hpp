// The outcome columns of /summary (also /lookup/metrics), /timeseries and
// /cohort_summary: names, units and meanings, each declared once with its
// computation in sim/outcomes.cpp; and the cohort labels of /lookup/cohorts.
#pragma once

#include <string>
#include <vector>

#include "trustsim/outcome_definition.hpp"
#include "trustsim/scenario.hpp"

namespace trustsim {

// /summary outcome columns, in order (also /lookup/metrics).
const std::vector<OutcomeDefinition>& summary_outcomes();
// /timeseries columns after task_id, arm_id, day.
const std::vector<OutcomeDefinition>& timeseries_outcomes();
// /cohort_summary columns after task_id, arm_id, cohort_id.
const std::vector<OutcomeDefinition>& cohort_outcomes();

// /panels/sellers columns after task_id, point_id, replication, arm_id
// (outputs.seller_panel), and /panels/buyer_events columns likewise
// (outputs.buyer_events).
const std::vector<OutcomeDefinition>& seller_panel_columns();
const std::vector<OutcomeDefinition>& buyer_event_columns();

// Cohort labels ("tenure:new", ...) for the scenario's outputs.cohorts.
std::vector<std::string> cohort_labels(const Scenario& scenario);

}  // namespace trustsim
