-- Freshness checks of the stored customer and account texts (issue 26 item 2;
-- src/insight/text_checks.h): which input hash is known to be current for a subject, as of which
-- run's facts and under which writer settings, so an on-demand request answers from the store
-- without building the subject's fact sheet.
--   insight_run_checks      rewritten by every pass over all customers (a run's insights step,
--                           `insights --all` / `--refresh`): every customer and account text it left
--                           stored is current as of that run. Only those passes write it.
--   insight_request_checks  written by on-demand requests that built the subject's sheet (to write
--                           its texts or to find them current). Only requests write it.
-- facts_of is meta.runs.started_at of the run whose gold tables the texts were checked against;
-- settings is insight::detail::TextSettings (writer settings, LLM identity, playbook).
CREATE TABLE meta.insight_run_checks (
  subject_kind VARCHAR NOT NULL, subject_id VARCHAR NOT NULL, input_hash VARCHAR NOT NULL,
  facts_of TIMESTAMPTZ, settings VARCHAR);
CREATE TABLE meta.insight_request_checks (
  subject_kind VARCHAR NOT NULL, subject_id VARCHAR NOT NULL, input_hash VARCHAR NOT NULL,
  facts_of TIMESTAMPTZ, settings VARCHAR, checked_at TIMESTAMPTZ DEFAULT current_timestamp);
