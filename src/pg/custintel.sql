-- The custintel extension (src/pg/README.md). Installed by CREATE EXTENSION custintel;
-- every object lives in the extension's schema (@extschema@, the current schema by default, so
-- the SteadyText names resolve as they do for pg_steadytext users) and is named schema-qualified.
\echo Use "CREATE EXTENSION custintel" to load this file. \quit

-- The answer cache, shared by every session of the database (issue 23 item 4). key = sha256 of
-- the operation, backend, model identity (file sha256 / server id), every sampling parameter
-- (seed, max_tokens, temperature, top_p, top_k), the choices or schema, and the input
-- (ai/cache.h CacheKey). Written by the functions below in the caller's transaction.
CREATE TABLE @extschema@.custintel_ai_cache (
    key text PRIMARY KEY,
    op text NOT NULL,
    template text NOT NULL DEFAULT '',
    output text NOT NULL,
    prompt_tokens integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    hits bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_hit_at timestamptz
);
COMMENT ON TABLE @extschema@.custintel_ai_cache IS
    'custintel: every model answer, keyed by everything that determines it; same key, same answer';
-- pg_dump keeps the cached answers.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.custintel_ai_cache', '');
-- Only the extension's functions (SECURITY DEFINER) write it: no role can plant an answer.
REVOKE ALL ON @extschema@.custintel_ai_cache FROM PUBLIC;

-- Each role's model usage per UTC day (scope 'tenant:role <name>:<yyyy-mm-dd>'), counted only
-- while a daily cap is set (custintel.max_calls_per_role_day / max_tokens_per_role_day).
CREATE TABLE @extschema@.custintel_usage (
    scope text PRIMARY KEY,
    calls bigint NOT NULL DEFAULT 0,
    tokens bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
REVOKE ALL ON @extschema@.custintel_usage FROM PUBLIC;

-- SteadyText-compatible functions: pg_steadytext's names, parameter names, defaults and return
-- types (embeddings are real[]: no pgvector). VOLATILE: they write the cache (see README.md).
CREATE FUNCTION @extschema@.steadytext_generate(
    prompt text, max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true, seed integer DEFAULT 42,
    eos_string text DEFAULT '[EOS]', model text DEFAULT NULL, model_repo text DEFAULT NULL,
    model_filename text DEFAULT NULL, size text DEFAULT NULL, unsafe_mode boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_generate'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.steadytext_generate_choice(
    prompt text, choices text[], max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true,
    seed integer DEFAULT 42, unsafe_mode boolean DEFAULT false, model text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_choose'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- The schema as jsonb, json, or text (an untyped literal resolves to text).
CREATE FUNCTION @extschema@.steadytext_generate_json(
    prompt text, schema jsonb, max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true,
    seed integer DEFAULT 42, unsafe_mode boolean DEFAULT false, model text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_json_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.steadytext_generate_json(
    prompt text, schema json, max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true,
    seed integer DEFAULT 42, unsafe_mode boolean DEFAULT false, model text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_json_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.steadytext_generate_json(
    prompt text, schema text, max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true,
    seed integer DEFAULT 42, unsafe_mode boolean DEFAULT false, model text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_json_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.steadytext_embed(
    text_input text, use_cache boolean DEFAULT true, seed integer DEFAULT 42, model text DEFAULT NULL,
    unsafe_mode boolean DEFAULT false)
RETURNS real[]
AS 'MODULE_PATHNAME', 'custintel_embed'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.custintel_rerank_scores(
    query text, documents text[], seed integer DEFAULT 42)
RETURNS double precision[]
AS 'MODULE_PATHNAME', 'custintel_rerank_scores'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Documents with their relevance to the query, most relevant first (score NULL when
-- return_scores is false). `task` is accepted for compatibility; the reranker ignores it.
CREATE FUNCTION @extschema@.steadytext_rerank(
    query text, documents text[],
    task text DEFAULT 'Given a web search query, retrieve relevant passages that answer the query',
    return_scores boolean DEFAULT true, seed integer DEFAULT 42)
RETURNS TABLE(document text, score double precision)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.document, CASE WHEN $4 IS NOT FALSE THEN r.score END
    FROM unnest($2, @extschema@.custintel_rerank_scores($1, $2, $5)) AS r(document, score)
    ORDER BY r.score DESC
$$;

-- The st_* aliases: the same functions under SteadyText's short names.
CREATE FUNCTION @extschema@.st_generate(
    prompt text, max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true, seed integer DEFAULT 42,
    eos_string text DEFAULT '[EOS]', model text DEFAULT NULL, model_repo text DEFAULT NULL,
    model_filename text DEFAULT NULL, size text DEFAULT NULL, unsafe_mode boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_generate'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.st_generate_choice(
    prompt text, choices text[], max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true,
    seed integer DEFAULT 42, unsafe_mode boolean DEFAULT false, model text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_choose'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.st_generate_json(
    prompt text, schema jsonb, max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true,
    seed integer DEFAULT 42, unsafe_mode boolean DEFAULT false, model text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_json_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.st_generate_json(
    prompt text, schema json, max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true,
    seed integer DEFAULT 42, unsafe_mode boolean DEFAULT false, model text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_json_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.st_generate_json(
    prompt text, schema text, max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true,
    seed integer DEFAULT 42, unsafe_mode boolean DEFAULT false, model text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_json_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.st_embed(
    text_input text, use_cache boolean DEFAULT true, seed integer DEFAULT 42, model text DEFAULT NULL,
    unsafe_mode boolean DEFAULT false)
RETURNS real[]
AS 'MODULE_PATHNAME', 'custintel_embed'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.st_rerank(
    query text, documents text[],
    task text DEFAULT 'Given a web search query, retrieve relevant passages that answer the query',
    return_scores boolean DEFAULT true, seed integer DEFAULT 42)
RETURNS TABLE(document text, score double precision)
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM @extschema@.steadytext_rerank($1, $2, $3, $4, $5) $$;

-- custintel's own names, as in the DuckDB functions (store/ai/sql_functions.h).
CREATE FUNCTION @extschema@.ai_generate(
    prompt text, max_tokens integer DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_generate'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.ai_choose(
    prompt text, choices text[])
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_choose'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.ai_json(
    prompt text, schema jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'custintel_json'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.ai_json(
    prompt text, schema json)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'custintel_json'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.ai_json(
    prompt text, schema text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'custintel_json'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.ai_embed(
    input text)
RETURNS real[]
AS 'MODULE_PATHNAME', 'custintel_embed'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.ai_sentiment(
    input text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'custintel_sentiment'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.ai_summarize(
    input text)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_summarize'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.ai_themes(
    input text)
RETURNS text[]
AS 'MODULE_PATHNAME', 'custintel_themes'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Always the text engine, whatever the backend, and no SQL inside: IMMUTABLE (usable in
-- generated columns and indexes).
CREATE FUNCTION @extschema@.ai_mask(
    input text)
RETURNS text
AS 'MODULE_PATHNAME', 'custintel_mask'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.ai_triage(
    input text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'custintel_triage'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- The backend, model identity and settings in force for this session.
CREATE FUNCTION @extschema@.custintel_info()
RETURNS jsonb
AS 'MODULE_PATHNAME', 'custintel_info'
LANGUAGE C STABLE PARALLEL UNSAFE;


-- The BG/NBD purchase model (models/clv) fitted on one (x, t_x, T) row per customer: x repeat
-- purchase periods, the last at t_x, observed for T (lifetimes' frequency, recency, T). A sharded
-- layout gathers these from its shards and fits on the coordinator (README.md, "Past one
-- machine"). Returns {r, alpha, a, b, log_likelihood, customers, groups, converged, ...}.
CREATE FUNCTION @extschema@.custintel_fit_bgnbd(
    x double precision[], t_x double precision[], t double precision[], penalizer double precision DEFAULT 0)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'custintel_fit_bgnbd'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- The queue (issue 23 item 5): work enqueued now, done by workers in batches later. A worker
-- (custintel_work, run in a loop by `custintel pg-worker --dsn ...`) claims up to N due items
-- with FOR UPDATE SKIP LOCKED and, in the same transaction, computes them as one batch per
-- kind, writes the results and deletes the items: each item is done exactly once (a worker
-- that dies mid-batch leaves its items to the next). A failed item is retried after 1 s, 2 s,
-- 4 s ... and after max_attempts moves to custintel_failed with its error. An item is visible
-- to workers once the enqueuing transaction commits.
CREATE TABLE @extschema@.custintel_queue (
    id bigserial PRIMARY KEY,
    op text NOT NULL CHECK (op IN ('generate', 'choose', 'json', 'embed', 'sentiment', 'summarize', 'themes')),
    input text NOT NULL,
    choices text[],
    schema text,
    max_tokens integer CHECK (max_tokens >= 1),
    seed integer NOT NULL DEFAULT 42 CHECK (seed >= 0),
    attempts integer NOT NULL DEFAULT 0,
    run_after timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_error text,
    enqueued_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    enqueued_by name NOT NULL DEFAULT CURRENT_USER,
    -- Where the result goes besides custintel_results (custintel_analyze_on_insert's triggers):
    -- column target_column of the row of target_table whose primary key is target_key, written
    -- with the privileges of enqueued_by.
    target_table regclass,
    target_key text,
    target_column name,
    -- The SteadyText async API's handle (steadytext_*_async): unguessable, readable only through
    -- the functions, so only the enqueuer (who was handed it) can look up or cancel a pending item.
    request_id uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid() UNIQUE,
    CHECK ((target_table IS NULL) = (target_key IS NULL) AND (target_table IS NULL) = (target_column IS NULL)),
    CHECK (op <> 'choose' OR coalesce(cardinality(choices), 0) >= 1),
    CHECK (op <> 'json' OR schema IS NOT NULL)
);
CREATE INDEX custintel_queue_due ON @extschema@.custintel_queue (run_after, id);
CREATE TABLE @extschema@.custintel_results (
    id bigint PRIMARY KEY,  -- the queue item's id: one result per item
    op text NOT NULL,
    result text NOT NULL,   -- text; JSON for json, embed (array), themes (array), sentiment (number)
    attempts integer NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    request_id uuid,
    enqueued_at timestamptz
);
CREATE TABLE @extschema@.custintel_failed (
    id bigint PRIMARY KEY,
    op text NOT NULL,
    input text NOT NULL,
    choices text[],
    schema text,
    max_tokens integer,
    seed integer NOT NULL,
    attempts integer NOT NULL,
    error text NOT NULL,
    enqueued_at timestamptz NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    request_id uuid
);
-- Items cancelled while pending (steadytext_cancel_async): never computed.
CREATE TABLE @extschema@.custintel_cancelled (
    id bigint PRIMARY KEY,
    request_id uuid NOT NULL UNIQUE,
    op text NOT NULL,
    enqueued_at timestamptz NOT NULL,
    cancelled_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
REVOKE ALL ON @extschema@.custintel_cancelled FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.custintel_cancelled', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.custintel_queue', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.custintel_results', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.custintel_failed', '');
REVOKE ALL ON @extschema@.custintel_queue, @extschema@.custintel_results, @extschema@.custintel_failed FROM PUBLIC;
GRANT SELECT ON @extschema@.custintel_results, @extschema@.custintel_failed TO PUBLIC;
-- Any role may enqueue; enqueued_by is not among the columns it may set, so it is always the
-- role that enqueued (the worker writes results back with that role's privileges).
GRANT INSERT (op, input, choices, schema, max_tokens, seed, target_table, target_key, target_column, request_id),
      SELECT (id) ON @extschema@.custintel_queue TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.custintel_queue_id_seq TO PUBLIC;

-- Puts one item in the queue; returns its id (the id of its row in custintel_results later).
CREATE FUNCTION @extschema@.custintel_enqueue(
    op text, input text, choices text[] DEFAULT NULL, schema text DEFAULT NULL,
    max_tokens integer DEFAULT NULL, seed integer DEFAULT 42)
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO @extschema@.custintel_queue (op, input, choices, schema, max_tokens, seed)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING id
$$;

-- Where an item stands: queued (with attempts and last error), done (with the result), failed.
CREATE FUNCTION @extschema@.custintel_job(id bigint)
RETURNS TABLE(status text, result text, attempts integer, error text)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'done', r.result, r.attempts, NULL FROM @extschema@.custintel_results r WHERE r.id = $1
    UNION ALL
    SELECT 'queued', NULL, q.attempts, q.last_error FROM @extschema@.custintel_queue q WHERE q.id = $1
    UNION ALL
    SELECT 'failed', NULL, f.attempts, f.error FROM @extschema@.custintel_failed f WHERE f.id = $1
$$;

-- One worker step: claims up to batch_size due items, computes, writes, deletes, in the
-- caller's transaction; returns how many items it took (0: nothing due).
CREATE FUNCTION @extschema@.custintel_work(batch_size integer DEFAULT 32, max_attempts integer DEFAULT 3)
RETURNS integer
AS 'MODULE_PATHNAME', 'custintel_work'
LANGUAGE C VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.custintel_work(integer, integer) FROM PUBLIC;

-- Non-blocking analysis on insert (issue 23 item 6). The text engine's answers, always local
-- and fast, whatever the backend (IMMUTABLE):
CREATE FUNCTION @extschema@.custintel_text_sentiment(input text) RETURNS double precision
AS 'MODULE_PATHNAME', 'custintel_text_sentiment' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.custintel_text_summary(input text) RETURNS text
AS 'MODULE_PATHNAME', 'custintel_text_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.custintel_text_themes(input text) RETURNS text[]
AS 'MODULE_PATHNAME', 'custintel_text_themes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Writes a queue result into its target row (called by custintel_work with the enqueuing
-- role's privileges). A JSON array result goes into an array column as its elements.
CREATE FUNCTION @extschema@.custintel_write_back(target regclass, key text, col name, result text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    pk name;
    typ oid;
    n bigint;
BEGIN
    SELECT a.attname INTO pk FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE i.indrelid = target AND i.indisprimary AND i.indnkeyatts = 1;
    SELECT atttypid INTO typ FROM pg_attribute WHERE attrelid = target AND attname = col AND NOT attisdropped;
    IF pk IS NULL OR typ IS NULL THEN
        RAISE EXCEPTION 'custintel: %.% is no column of a table with a one-column primary key', target, col
            USING ERRCODE = 'undefined_column';
    END IF;
    IF (SELECT typcategory FROM pg_type WHERE oid = typ) = 'A' AND left(result, 1) = '[' THEN
        EXECUTE format('UPDATE %s SET %I = ARRAY(SELECT jsonb_array_elements_text($1::jsonb)) WHERE %I::text = $2',
                       target, col, pk) USING result, key;
    ELSE
        EXECUTE format('UPDATE %s SET %I = $1::%s WHERE %I::text = $2', target, col, format_type(typ, NULL), pk)
            USING result, key;
    END IF;
END
$$;

-- The trigger custintel_analyze_on_insert installs. TG_ARGV: the text column, then the
-- sentiment, summary and themes columns ('' = not wanted). Fills them from the text engine at
-- once; with a model backend configured, also enqueues the same tasks for the model, whose
-- answers the workers write into the row later. The INSERT never waits for a model.
CREATE FUNCTION @extschema@.custintel_analyze_trigger() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src text := to_jsonb(NEW) ->> TG_ARGV[0];
    patch jsonb := '{}';
    backend text;
    pk name;
    key text;
BEGIN
    IF src IS NULL THEN
        RETURN NEW;
    END IF;
    IF TG_ARGV[1] <> '' THEN
        patch := patch || jsonb_build_object(TG_ARGV[1], @extschema@.custintel_text_sentiment(src));
    END IF;
    IF TG_ARGV[2] <> '' THEN
        patch := patch || jsonb_build_object(TG_ARGV[2], @extschema@.custintel_text_summary(src));
    END IF;
    IF TG_ARGV[3] <> '' THEN
        patch := patch || jsonb_build_object(TG_ARGV[3], to_jsonb(@extschema@.custintel_text_themes(src)));
    END IF;
    NEW := jsonb_populate_record(NEW, patch);
    backend := current_setting('custintel.backend', true);
    IF backend IS NOT NULL AND backend <> 'builtin' THEN
        SELECT a.attname INTO pk FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = TG_RELID AND i.indisprimary AND i.indnkeyatts = 1;
        IF pk IS NULL THEN
            RAISE EXCEPTION 'custintel: % needs a one-column primary key for model results to find their row',
                TG_RELID::regclass USING ERRCODE = 'invalid_table_definition';
        END IF;
        key := to_jsonb(NEW) ->> pk;
        INSERT INTO @extschema@.custintel_queue (op, input, target_table, target_key, target_column)
        SELECT t.op, src, TG_RELID, key, t.col
        FROM (VALUES ('sentiment', TG_ARGV[1]), ('summarize', TG_ARGV[2]), ('themes', TG_ARGV[3])) AS t(op, col)
        WHERE t.col <> '';
    END IF;
    RETURN NEW;
END
$$;

-- Turns "analyse this column on insert" into a trigger: custintel_analyze_on_insert('reviews',
-- 'body', sentiment_column := 'sentiment', summary_column := 'summary', themes_column := 'themes').
CREATE FUNCTION @extschema@.custintel_analyze_on_insert(
    target regclass, text_column name, sentiment_column name DEFAULT NULL, summary_column name DEFAULT NULL,
    themes_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c name;
BEGIN
    FOREACH c IN ARRAY ARRAY[text_column, sentiment_column, summary_column, themes_column] LOOP
        IF c IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = target AND attname = c
                                         AND attnum > 0 AND NOT attisdropped) THEN
            RAISE EXCEPTION 'custintel_analyze_on_insert: % has no column %', target, c USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OF %I ON %s FOR EACH ROW '
                   'EXECUTE FUNCTION @extschema@.custintel_analyze_trigger(%L, %L, %L, %L)',
                   'custintel_analyze_' || text_column, text_column, target, text_column,
                   coalesce(sentiment_column, ''), coalesce(summary_column, ''), coalesce(themes_column, ''));
END
$$;

-- SteadyText's asynchronous API (pg_steadytext 2025.11.25: steadytext_generate_async,
-- _generate_batch_async, _embed_async, _embed_batch_async, _check_async, _check_async_batch,
-- _get_async_result, _cancel_async; from its 1.1.0 API also _generate_json_async and
-- _generate_choice_async; the st_* aliases) over the queue above: each request is one queue
-- item, its handle the item's request_id (uuid). Statuses: 'pending' (queued, also while a
-- worker holds it: its claim is visible only when the worker's transaction commits),
-- 'completed', 'failed' (parked after max_attempts, with the error), 'cancelled'. Results exist
-- once a worker's transaction has committed. Not provided: rerank and regex requests (the queue
-- has no such operation) and LISTEN/NOTIFY (workers poll). The functions run with the caller's
-- privileges to enqueue, so enqueued_by is the caller; NULL in, NULL out.
CREATE FUNCTION @extschema@.custintel_async_enqueue(
    op text, input text, choices text[] DEFAULT NULL, schema text DEFAULT NULL, max_tokens integer DEFAULT NULL,
    seed integer DEFAULT 42, model text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    handle uuid := gen_random_uuid();
BEGIN
    IF input IS NULL THEN
        RETURN NULL;
    END IF;
    IF model IS NOT NULL THEN
        RAISE EXCEPTION 'steadytext async: choosing a model per call is not supported'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'A superuser sets the model for everyone: custintel.backend and custintel.model.';
    END IF;
    INSERT INTO @extschema@.custintel_queue (op, input, choices, schema, max_tokens, seed, request_id)
    VALUES (op, input, choices, schema, max_tokens, seed, handle);
    RETURN handle;
END
$$;

CREATE FUNCTION @extschema@.steadytext_generate_async(prompt text, max_tokens integer DEFAULT 512)
RETURNS uuid LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.custintel_async_enqueue('generate', $1, max_tokens := $2) $$;

CREATE FUNCTION @extschema@.steadytext_generate_batch_async(prompts text[], max_tokens integer DEFAULT 512)
RETURNS uuid[] LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT array_agg(@extschema@.custintel_async_enqueue('generate', p, max_tokens := $2) ORDER BY n)
    FROM unnest($1) WITH ORDINALITY AS u(p, n)
$$;

CREATE FUNCTION @extschema@.steadytext_embed_async(
    text_input text, use_cache boolean DEFAULT true, seed integer DEFAULT 42, model text DEFAULT NULL,
    unsafe_mode boolean DEFAULT false)
RETURNS uuid LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.custintel_async_enqueue('embed', $1, seed := $3, model := $4) $$;

CREATE FUNCTION @extschema@.steadytext_embed_batch_async(texts text[], use_cache boolean DEFAULT true)
RETURNS uuid[] LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT array_agg(@extschema@.custintel_async_enqueue('embed', t) ORDER BY n)
    FROM unnest($1) WITH ORDINALITY AS u(t, n)
$$;

CREATE FUNCTION @extschema@.steadytext_generate_json_async(
    prompt text, schema jsonb, max_tokens integer DEFAULT NULL, use_cache boolean DEFAULT true,
    seed integer DEFAULT 42)
RETURNS uuid LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.custintel_async_enqueue('json', $1, schema := $2::text, max_tokens := $3, seed := $5) $$;

CREATE FUNCTION @extschema@.steadytext_generate_choice_async(
    prompt text, choices text[], use_cache boolean DEFAULT true, seed integer DEFAULT 42)
RETURNS uuid LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF choices IS NOT NULL AND (cardinality(choices) = 0 OR array_position(choices, NULL) IS NOT NULL) THEN
        RAISE EXCEPTION 'steadytext_generate_choice_async: choices must be a non-empty array without NULLs'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF choices IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.custintel_async_enqueue('choose', prompt, choices := choices, seed := seed);
END
$$;

-- pg_steadytext's request types for custintel's operations.
CREATE FUNCTION @extschema@.custintel_request_type(op text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE $1 WHEN 'json' THEN 'generate_json' WHEN 'choose' THEN 'generate_choice' ELSE $1 END $$;

-- Where a request stands. embedding: the vector of a completed embed request (real[]: no
-- pgvector); results / embeddings: always NULL (every request is one item).
CREATE FUNCTION @extschema@.steadytext_check_async(request_id uuid)
RETURNS TABLE(status text, result text, results text[], embedding real[], embeddings real[], error text,
              created_at timestamptz, completed_at timestamptz, processing_time_ms integer, request_type text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'completed', r.result, NULL::text[],
           CASE WHEN r.op = 'embed' THEN translate(r.result, '[]', '{}')::real[] END, NULL::real[], NULL::text,
           r.enqueued_at, r.finished_at,
           (extract(epoch FROM r.finished_at - r.enqueued_at) * 1000)::integer, @extschema@.custintel_request_type(r.op)
    FROM @extschema@.custintel_results r WHERE r.request_id = $1
    UNION ALL
    SELECT 'pending', NULL, NULL, NULL, NULL, q.last_error, q.enqueued_at, NULL, NULL,
           @extschema@.custintel_request_type(q.op)
    FROM @extschema@.custintel_queue q WHERE q.request_id = $1
    UNION ALL
    SELECT 'failed', NULL, NULL, NULL, NULL, f.error, f.enqueued_at, f.failed_at,
           (extract(epoch FROM f.failed_at - f.enqueued_at) * 1000)::integer, @extschema@.custintel_request_type(f.op)
    FROM @extschema@.custintel_failed f WHERE f.request_id = $1
    UNION ALL
    SELECT 'cancelled', NULL, NULL, NULL, NULL, NULL, c.enqueued_at, c.cancelled_at, NULL,
           @extschema@.custintel_request_type(c.op)
    FROM @extschema@.custintel_cancelled c WHERE c.request_id = $1
$$;

CREATE FUNCTION @extschema@.steadytext_check_async_batch(request_ids uuid[])
RETURNS TABLE(request_id uuid, status text, result text, error text, completed_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT u.id, c.status, c.result, c.error, c.completed_at
    FROM unnest($1) WITH ORDINALITY AS u(id, n)
    CROSS JOIN LATERAL @extschema@.steadytext_check_async(u.id) AS c
    ORDER BY u.n
$$;

-- Waits (polling every 100 ms, each look a new snapshot) until the request completes; its
-- result, or an error: failed (the item's error), cancelled, unknown id, timeout.
CREATE FUNCTION @extschema@.steadytext_get_async_result(request_id uuid, timeout_seconds integer DEFAULT 30)
RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    started timestamptz := clock_timestamp();
    c record;
BEGIN
    IF request_id IS NULL THEN
        RETURN NULL;
    END IF;
    IF timeout_seconds IS NULL OR timeout_seconds < 0 THEN
        RAISE EXCEPTION 'steadytext_get_async_result: timeout_seconds must be 0 or more'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    LOOP
        SELECT * INTO c FROM @extschema@.steadytext_check_async(request_id);
        IF NOT FOUND THEN
            RAISE EXCEPTION 'steadytext_get_async_result: no request %', request_id USING ERRCODE = 'no_data_found';
        ELSIF c.status = 'completed' THEN
            RETURN c.result;
        ELSIF c.status = 'failed' THEN
            RAISE EXCEPTION 'steadytext_get_async_result: request % failed: %', request_id, c.error
                USING ERRCODE = 'external_routine_exception';
        ELSIF c.status = 'cancelled' THEN
            RAISE EXCEPTION 'steadytext_get_async_result: request % was cancelled', request_id
                USING ERRCODE = 'query_canceled';
        ELSIF clock_timestamp() - started >= interval '1 second' * timeout_seconds THEN
            RAISE EXCEPTION 'steadytext_get_async_result: request % still pending after % s', request_id, timeout_seconds
                USING ERRCODE = 'lock_not_available',
                      HINT = 'Results appear when a worker has done the item: custintel pg-worker or the background worker.';
        END IF;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;

-- Cancels a pending request: true when it was pending and is now cancelled (never computed);
-- false when it is done, failed, already cancelled, unknown, or held by a worker right now
-- (that worker finishes it). The uuid is the capability: only the enqueuer was handed it.
CREATE FUNCTION @extschema@.steadytext_cancel_async(request_id uuid)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    WITH gone AS (
        DELETE FROM @extschema@.custintel_queue q
        WHERE q.id = (SELECT id FROM @extschema@.custintel_queue WHERE custintel_queue.request_id = $1
                      FOR UPDATE SKIP LOCKED)
        RETURNING q.id, q.request_id, q.op, q.enqueued_at)
    INSERT INTO @extschema@.custintel_cancelled (id, request_id, op, enqueued_at)
    SELECT id, gone.request_id, op, enqueued_at FROM gone;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
END
$$;

CREATE FUNCTION @extschema@.st_generate_async(prompt text, max_tokens integer DEFAULT NULL)
RETURNS uuid LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.custintel_async_enqueue('generate', $1, max_tokens := $2) $$;
CREATE FUNCTION @extschema@.st_embed_async(
    text_input text, use_cache boolean DEFAULT true, seed integer DEFAULT 42, model text DEFAULT NULL,
    unsafe_mode boolean DEFAULT false)
RETURNS uuid LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.steadytext_embed_async($1, $2, $3, $4, $5) $$;
CREATE FUNCTION @extschema@.st_check_async(request_id uuid)
RETURNS TABLE(status text, result text, results text[], embedding real[], embeddings real[], error text,
              created_at timestamptz, completed_at timestamptz, processing_time_ms integer, request_type text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT * FROM @extschema@.steadytext_check_async($1) $$;
CREATE FUNCTION @extschema@.st_get_async_result(request_id uuid, timeout_seconds integer DEFAULT 30)
RETURNS text LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.steadytext_get_async_result($1, $2) $$;
CREATE FUNCTION @extschema@.st_cancel_async(request_id uuid)
RETURNS boolean LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.steadytext_cancel_async($1) $$;

-- The issue's spelling, custintel.enqueue(...) / custintel.job(id) / custintel.work(...): when
-- the extension is installed into schema custintel (CREATE EXTENSION custintel SCHEMA custintel),
-- the queue API is also there under these short names. Installed elsewhere the extension does
-- not create a schema custintel: a schema of that name would also be the "$user" schema of a
-- role named custintel (first on its default search_path, so its CREATE TABLEs would land in
-- the extension's schema), and short generic names (enqueue, job, work) do not belong in public.
DO $do$
BEGIN
    IF '@extschema@' = 'custintel' THEN
        EXECUTE $f$
            CREATE FUNCTION custintel.enqueue(
                op text, input text, choices text[] DEFAULT NULL, schema text DEFAULT NULL,
                max_tokens integer DEFAULT NULL, seed integer DEFAULT 42)
            RETURNS bigint LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
            AS $b$ SELECT custintel.custintel_enqueue($1, $2, $3, $4, $5, $6) $b$ $f$;
        EXECUTE $f$
            CREATE FUNCTION custintel.job(id bigint)
            RETURNS TABLE(status text, result text, attempts integer, error text)
            LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
            AS $b$ SELECT * FROM custintel.custintel_job($1) $b$ $f$;
        EXECUTE $f$
            CREATE FUNCTION custintel.work(batch_size integer DEFAULT 32, max_attempts integer DEFAULT 3)
            RETURNS integer LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
            AS $b$ SELECT custintel.custintel_work($1, $2) $b$ $f$;
        EXECUTE 'REVOKE ALL ON FUNCTION custintel.work(integer, integer) FROM PUBLIC';
    END IF;
END
$do$;
