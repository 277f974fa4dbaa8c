-- Every natural-language question (`custintel ask`, POST /v1/ask) with what it became: the
-- spec, the one SQL statement that ran, its bound parameters, the caller's scope and how many
-- rows came back. Written by ask/ (issue 9) until the server's audit log covers it.
CREATE SEQUENCE meta.ask_log_seq START 1;
CREATE TABLE meta.ask_log (
  ask_id BIGINT DEFAULT nextval('meta.ask_log_seq'),
  created_at TIMESTAMPTZ DEFAULT current_timestamp,
  question VARCHAR, parser VARCHAR, answered BOOLEAN,
  status VARCHAR,          -- answered | cannot_answer | error: <message>
  reason VARCHAR,          -- why not answered
  spec JSON, sql VARCHAR, params JSON, scope JSON,
  row_count BIGINT, elapsed_ms DOUBLE);
