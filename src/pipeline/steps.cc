// The table of `custintel run`'s steps (step.h). Each entry is the whole of a step's wiring:
// what it reads and writes, how it is scoped, and the call into its part.
#include <memory>
#include <string>

#include "features/customer_features.h"
#include "insight/step.h"
#include "models/churn/churn_heuristic.h"
#include "models/churn/churn_model.h"
#include "models/clv_score.h"
#include "models/cohorts.h"
#include "models/customer_status.h"
#include "models/executive_metrics.h"
#include "models/recommend/recommend_data.h"
#include "models/rfm.h"
#include "models/segments.h"
#include "models/send_times.h"
#include "pipeline/step.h"
#include "pipeline/text/insights.h"

namespace custintel::pipeline {
namespace {

const features::Scope kEveryone = features::Scope::All();

// Analyses only the reviews, tickets and events whose text changed (in an incremental run only
// tickets and events of later batches are candidates); a model service writes them through the
// AI layer, the builtin engine (null or builtin) directly. Then adds the customers whose
// interaction sentiment changed to an incremental run's scope.
Status TextInsights(StepContext& c) {
  InsightsOptions o;
  o.as_of = c.as_of;  // nothing written after it is analysed, or stays analysed in gold
  if (c.plan.incremental) {  // silver lost no rows (PlanRun checked), so there is nothing to prune
    o.prune = false;
    o.since_watermark = c.plan.since_watermark;
    o.since_open_batches = c.plan.since_open_batches;
  }
  o.ai = c.options.ai;
  CI_ASSIGN_OR_RETURN(InsightsReport r, UpdateTextInsights(c.conn, o));
  c.note = r.Note();
  return AddTextChanges(c.conn, &c.plan);
}

Status CustomerFeatures(StepContext& c) { return features::BuildCustomerFeatures(c.conn, c.as_of, c.scope()); }

Status ChurnHeuristic(StepContext& c) { return models::ScoreChurnHeuristic(c.conn, c.as_of, c.scope()); }

// Degenerate data (too few repeat buyers, ...) is a note, not a failure.
Status Clv(StepContext& c) {
  CI_ASSIGN_OR_RETURN(models::ClvScoreReport clv, models::ScoreClv(c.conn, c.as_of, {}, c.scope()));
  c.note = clv.message;
  return Status::Ok();
}

Status ChurnModel(StepContext& c) { return models::RunChurnModelStep(c.conn, c.as_of, &c.note, c.scope(), c.config.churn); }

Status CustomerStatus(StepContext& c) {
  return models::AssignCustomerStatus(c.conn, c.as_of, c.config.churn, c.scope());
}

Status Segments(StepContext& c) { return models::AssignSegments(c.conn, c.config.segments, c.scope()); }

Status SegmentThemes(StepContext& c) { return BuildSegmentThemes(c.conn, c.as_of); }

Status SegmentProfiles(StepContext& c) { return models::ProfileSegments(c.conn); }

Status Rfm(StepContext& c) { return models::ScoreRfm(c.conn, c.as_of, c.scope()); }

Status Cohorts(StepContext& c) { return models::BuildCohorts(c.conn, c.as_of); }

Status Recommendations(StepContext& c) {
  return models::BuildRecommendations(c.conn, c.as_of, {}, c.scope());
}

Status SendTimes(StepContext& c) {
  return models::BuildSendTimes(c.conn, c.as_of, c.config.notifications, c.scope(), &c.note);
}

Status ExecutiveMetrics(StepContext& c) { return models::RecordExecutiveMetrics(c.conn, c.as_of); }

Status Insights(StepContext& c) {
  return insight::RunInsightsStep(c.conn, c.as_of, c.options.ai, &c.note, c.scope());
}

// Every step reads silver as of the run's as-of (the silver.*_as_of macros, store migration 0028):
// a customer's existence at as_of is decided by all the tables that name them, so steps that
// list customers read those tables too. Text first: customer features read avg_sentiment from gold.interaction_sentiment. CLV before
// the churn model: behavioural churn reads each customer's P(alive) as of the run from
// gold.customer_clv (its training cutoffs fit BG/NBD on their own and write no table).
const Step kSteps[] = {
    {"text_insights",
     {"silver.reviews", "silver.tickets", "silver.events", "silver.notes"},
     {"gold.review_insights", "gold.ticket_insights", "gold.interaction_sentiment", "gold.sentiment_domain"},
     Scoping::kChangedRows, TextInsights},
    {"customer_features",
     {"silver.customers", "silver.orders", "silver.order_items", "silver.products", "silver.events",
      "silver.reviews", "silver.tickets", "gold.interaction_sentiment"},
     {"gold.customer_features"},
     Scoping::kCustomers, CustomerFeatures},
    {"churn_heuristic", {"gold.customer_features"}, {"gold.customer_scores"}, Scoping::kCustomers, ChurnHeuristic},
    {"clv", {"silver.orders"}, {"gold.customer_clv", "gold.clv_model", "gold.customer_scores"}, Scoping::kCustomers,
     Clv},
    {"churn_model",
     {"silver.customers", "silver.orders", "silver.events", "silver.reviews", "silver.tickets",
      "gold.customer_features", "gold.customer_clv", "gold.clv_model"},
     {"gold.customer_scores"},
     Scoping::kCustomers, ChurnModel},
    {"customer_status",
     {"silver.orders", "gold.customer_features", "gold.customer_scores"},
     {"gold.customer_scores", "gold.risk_definition"},
     Scoping::kCustomers, CustomerStatus},
    {"segments",
     {"gold.customer_features", "gold.customer_scores"},
     {"gold.customer_scores", "gold.segments"},
     Scoping::kCustomers, Segments},
    {"segment_themes",
     {"gold.review_insights", "gold.ticket_insights", "gold.customer_scores"},
     {"gold.segment_themes"},
     Scoping::kPopulation, SegmentThemes},
    {"segment_profiles",
     {"gold.customer_features", "gold.customer_scores", "gold.segments"},
     {"gold.segments"},
     Scoping::kPopulation, SegmentProfiles},
    {"rfm", {"gold.customer_features"}, {"gold.customer_scores", "gold.rfm", "gold.rfm_rules"}, Scoping::kCustomers, Rfm},
    {"cohorts",
     {"silver.customers", "silver.orders", "silver.events", "silver.reviews", "silver.tickets"},
     {"gold.cohorts"},
     Scoping::kPopulation, Cohorts},
    {"recommendations",
     {"silver.customers", "silver.orders", "silver.order_items", "silver.products", "silver.events",
      "silver.reviews", "silver.tickets"},
     {"gold.recommendations"},
     Scoping::kCustomers, Recommendations},
    {"send_times", {"silver.orders"}, {"gold.send_times"}, Scoping::kCustomers, SendTimes},
    {"executive_metrics",
     {"gold.customer_scores", "silver.reviews", "silver.tickets"},
     {"gold.executive_metrics"},
     Scoping::kPopulation, ExecutiveMetrics},
    {"insights",
     {"silver.notes", "silver.orders", "silver.order_items", "silver.products", "silver.reviews", "silver.tickets",
      "gold.customer_features", "gold.customer_scores", "gold.segments", "gold.segment_themes",
      "gold.recommendations", "gold.review_insights", "gold.executive_metrics", "gold.send_times"},
     {"gold.segment_insights", "gold.account_summaries", "gold.retention_strategies",
      "gold.personal_recommendations", "gold.notifications", "gold.executive_summary"},
     Scoping::kCustomers, Insights},
};

}  // namespace

const features::Scope& StepContext::scope() const {
  return scoping == Scoping::kCustomers ? plan.scope : kEveryone;
}

std::span<const Step> RunSteps() { return kSteps; }

}  // namespace custintel::pipeline
