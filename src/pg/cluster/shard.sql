-- custintel sharded over PostgreSQL with PL/Proxy: the layout of ONE SHARD (src/pg/README.md,
-- "Past one machine"). Run it on every shard database, as a superuser (or the database owner
-- with CREATE EXTENSION rights); it is idempotent (run it again after an upgrade):
--
--   psql -v ON_ERROR_STOP=1 -d shop -f "$(pg_config --sharedir)/contrib/custintel/shard.sql"
--   (or `custintel pg-cluster init`, which runs it on every shard and cluster.sql on the coordinator)
--
-- It creates:
--   - the custintel extension (its queue, cache and functions) in schema public when missing;
--   - the customer tables of DESIGN.md §4 in schema silver (customers, orders, order_items,
--     events, reviews, tickets), each carrying customer_id so that a customer's rows live together
--     on one shard; reviews and tickets analysed on insert by the extension's non-blocking trigger
--     (text engine at once; with a model backend configured for this database, queued for this
--     shard's workers);
--   - schema custintel_shard: the functions the coordinator's PL/Proxy functions call (same
--     names, same arguments): per-customer writes and reads, and the partial aggregates the
--     coordinator combines (counts and sums, never averages).
--
-- Rows are never written by this script; tables and functions already there are kept (tables)
-- or replaced (functions).

SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS custintel;
CREATE SCHEMA IF NOT EXISTS silver;
CREATE SCHEMA IF NOT EXISTS custintel_shard;

-- Where this shard sits in its cluster: written by the coordinator's custintel_cluster.init
-- (through PL/Proxy, RUN ON each partition). No row: a standalone database (everything is its).
CREATE TABLE IF NOT EXISTS custintel_shard.placement (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    shard_index integer NOT NULL CHECK (shard_index >= 0),
    shard_count integer NOT NULL CHECK (shard_count >= 1 AND shard_index < shard_count),
    modular boolean NOT NULL,  -- PL/Proxy's modular_mapping: abs(hash % n); else hash & (n - 1)
    cluster_name text NOT NULL,
    placed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS silver.customers (
    customer_id text PRIMARY KEY,
    email text,
    first_name text,
    last_name text,
    segment text,
    plan text,
    region text,
    account_id text,
    acquisition_date date,
    last_active_date date,
    attributes jsonb
);
CREATE TABLE IF NOT EXISTS silver.orders (
    order_id text PRIMARY KEY,
    customer_id text NOT NULL REFERENCES silver.customers,
    ordered_at timestamptz NOT NULL,
    amount numeric NOT NULL,
    currency text,
    status text,
    channel text
);
CREATE INDEX IF NOT EXISTS orders_customer ON silver.orders (customer_id, ordered_at);
-- customer_id is the order's customer, repeated so the items are co-located with their order.
CREATE TABLE IF NOT EXISTS silver.order_items (
    order_id text NOT NULL REFERENCES silver.orders,
    customer_id text NOT NULL REFERENCES silver.customers,
    product_id text NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    unit_price numeric NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
CREATE TABLE IF NOT EXISTS silver.events (
    event_id text PRIMARY KEY,
    customer_id text NOT NULL REFERENCES silver.customers,
    event_type text NOT NULL,
    channel text,
    occurred_at timestamptz NOT NULL,
    content text,
    properties jsonb
);
CREATE INDEX IF NOT EXISTS events_customer ON silver.events (customer_id, occurred_at);
CREATE TABLE IF NOT EXISTS silver.reviews (
    review_id text PRIMARY KEY,
    customer_id text NOT NULL REFERENCES silver.customers,
    product_id text,
    rating smallint CHECK (rating BETWEEN 1 AND 5),
    title text,
    review_text text,
    verified_purchase boolean,
    helpful_count integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- filled on insert (custintel_analyze_on_insert below)
    sentiment double precision,
    summary text,
    themes text[]
);
CREATE INDEX IF NOT EXISTS reviews_customer ON silver.reviews (customer_id);
CREATE TABLE IF NOT EXISTS silver.tickets (
    ticket_id text PRIMARY KEY,
    customer_id text NOT NULL REFERENCES silver.customers,
    category text,
    priority text,
    subject text,
    description text,
    resolution text,
    satisfaction_score smallint CHECK (satisfaction_score BETWEEN 1 AND 5),
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    sentiment double precision,
    summary text,
    themes text[]
);
CREATE INDEX IF NOT EXISTS tickets_customer ON silver.tickets (customer_id);

-- Reviews and tickets analysed where they are stored: the extension's trigger (instant text
-- engine answers; model work queued for this shard's workers when a model backend is set).
DO $$
DECLARE
    ext name := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                 WHERE e.extname = 'custintel');
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('silver.reviews', 'review_text'), ('silver.tickets', 'description')) v(tab, col)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t.tab::regclass
                       AND tgname = 'custintel_analyze_' || t.col) THEN
            EXECUTE format('SELECT %I.custintel_analyze_on_insert(%L, %L, sentiment_column := %L, '
                           'summary_column := %L, themes_column := %L)',
                           ext, t.tab, t.col, 'sentiment', 'summary', 'themes');
        END IF;
    END LOOP;
END
$$;

-- ---- placement --------------------------------------------------------------------------------

-- The partition PL/Proxy sends `customer_id` to, for a cluster of `shard_count` partitions
-- (RUN ON hashtext(customer_id)): hash & (n - 1) for a power-of-two count, abs(hash % n) with
-- modular_mapping.
CREATE OR REPLACE FUNCTION custintel_shard.partition_of(customer_id text, shard_count integer, modular boolean)
RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE WHEN modular THEN abs(hashtext(customer_id) % shard_count)
                ELSE hashtext(customer_id) & (shard_count - 1) END
$$;

-- Whether `customer_id` belongs on this shard (true in a standalone database).
CREATE OR REPLACE FUNCTION custintel_shard.owns(customer_id text)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce((SELECT custintel_shard.partition_of(customer_id, p.shard_count, p.modular) = p.shard_index
                     FROM custintel_shard.placement p), true)
$$;

-- Refuses a write of a customer that is not this shard's: a client that bypasses the
-- coordinator (or a stale routing after adding shards) fails instead of splitting a customer.
CREATE OR REPLACE FUNCTION custintel_shard.check_owner(customer_id text)
RETURNS void LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF customer_id IS NULL THEN
        RAISE EXCEPTION 'custintel_shard: customer_id must not be NULL' USING ERRCODE = 'not_null_violation';
    END IF;
    IF NOT custintel_shard.owns(customer_id) THEN
        RAISE EXCEPTION 'custintel_shard: customer % belongs to another shard (this is shard % of %)', customer_id,
            (SELECT shard_index FROM custintel_shard.placement), (SELECT shard_count FROM custintel_shard.placement)
            USING ERRCODE = 'check_violation',
                  HINT = 'Write through the coordinator''s custintel_cluster functions.';
    END IF;
END
$$;

-- Called by the coordinator's custintel_cluster.init on each partition.
CREATE OR REPLACE FUNCTION custintel_shard.place(shard_index integer, shard_count integer, modular boolean,
                                                 cluster_name text)
RETURNS text LANGUAGE plpgsql
AS $$
DECLARE
    misplaced bigint;
BEGIN
    INSERT INTO custintel_shard.placement AS p (shard_index, shard_count, modular, cluster_name)
    VALUES (place.shard_index, place.shard_count, place.modular, place.cluster_name)
    ON CONFLICT (one) DO UPDATE SET shard_index = excluded.shard_index, shard_count = excluded.shard_count,
        modular = excluded.modular, cluster_name = excluded.cluster_name, placed_at = now();
    SELECT count(*) INTO misplaced FROM silver.customers c WHERE NOT custintel_shard.owns(c.customer_id);
    IF misplaced > 0 THEN
        RAISE WARNING 'custintel_shard: % customers on this shard belong to other shards now: move them '
                      '(src/pg/README.md, "Adding shards")', misplaced;
    END IF;
    RETURN current_database() || ' on port ' || current_setting('port') || ': shard ' || shard_index || ' of ' || shard_count;
END
$$;

-- custintel.toml's default purchase rule ([orders]: excluded cancel|refund, a missing status is a
-- purchase), the rule the DuckDB engine's is_purchase() applies by default.
CREATE OR REPLACE FUNCTION custintel_shard.is_purchase(status text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT status IS NULL OR lower(status) !~ '(cancel|refund)' $$;

-- ---- per-customer writes and reads (the coordinator routes them: RUN ON hashtext(customer_id)) --

CREATE OR REPLACE FUNCTION custintel_shard.upsert_customer(
    customer_id text, email text DEFAULT NULL, first_name text DEFAULT NULL, last_name text DEFAULT NULL,
    segment text DEFAULT NULL, plan text DEFAULT NULL, region text DEFAULT NULL, account_id text DEFAULT NULL,
    acquisition_date date DEFAULT NULL, attributes jsonb DEFAULT NULL)
RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM custintel_shard.check_owner(upsert_customer.customer_id);
    INSERT INTO silver.customers AS c (customer_id, email, first_name, last_name, segment, plan, region,
                                       account_id, acquisition_date, attributes)
    VALUES (upsert_customer.customer_id, upsert_customer.email, upsert_customer.first_name,
            upsert_customer.last_name, upsert_customer.segment, upsert_customer.plan, upsert_customer.region,
            upsert_customer.account_id, upsert_customer.acquisition_date, upsert_customer.attributes)
    ON CONFLICT ON CONSTRAINT customers_pkey DO UPDATE SET
        email = coalesce(excluded.email, c.email), first_name = coalesce(excluded.first_name, c.first_name),
        last_name = coalesce(excluded.last_name, c.last_name), segment = coalesce(excluded.segment, c.segment),
        plan = coalesce(excluded.plan, c.plan), region = coalesce(excluded.region, c.region),
        account_id = coalesce(excluded.account_id, c.account_id),
        acquisition_date = coalesce(excluded.acquisition_date, c.acquisition_date),
        attributes = coalesce(excluded.attributes, c.attributes);
    RETURN upsert_customer.customer_id;
END
$$;

CREATE OR REPLACE FUNCTION custintel_shard.insert_order(
    customer_id text, order_id text, ordered_at timestamptz, amount numeric, currency text DEFAULT NULL,
    status text DEFAULT NULL, channel text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM custintel_shard.check_owner(insert_order.customer_id);
    INSERT INTO silver.orders (order_id, customer_id, ordered_at, amount, currency, status, channel)
    VALUES (insert_order.order_id, insert_order.customer_id, insert_order.ordered_at, insert_order.amount,
            insert_order.currency, insert_order.status, insert_order.channel);
    RETURN insert_order.order_id;
END
$$;

-- Many orders at once: the coordinator SPLITs the arrays per shard (one call per shard).
CREATE OR REPLACE FUNCTION custintel_shard.insert_orders(
    customer_ids text[], order_ids text[], ordered_ats timestamptz[], amounts numeric[])
RETURNS SETOF text LANGUAGE plpgsql
AS $$
DECLARE
    c text;
BEGIN
    IF cardinality(customer_ids) <> cardinality(order_ids) OR cardinality(customer_ids) <> cardinality(ordered_ats)
       OR cardinality(customer_ids) <> cardinality(amounts) THEN
        RAISE EXCEPTION 'custintel_shard.insert_orders: the arrays must have one element per order'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH c IN ARRAY customer_ids LOOP
        PERFORM custintel_shard.check_owner(c);
    END LOOP;
    RETURN QUERY
    INSERT INTO silver.orders (order_id, customer_id, ordered_at, amount)
    SELECT o, c2, t, a FROM unnest(order_ids, customer_ids, ordered_ats, amounts) u(o, c2, t, a)
    RETURNING order_id;
END
$$;

CREATE OR REPLACE FUNCTION custintel_shard.insert_order_item(
    customer_id text, order_id text, product_id text, quantity integer, unit_price numeric)
RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM custintel_shard.check_owner(insert_order_item.customer_id);
    INSERT INTO silver.order_items (order_id, customer_id, product_id, quantity, unit_price)
    VALUES (insert_order_item.order_id, insert_order_item.customer_id, insert_order_item.product_id,
            insert_order_item.quantity, insert_order_item.unit_price);
    RETURN insert_order_item.order_id;
END
$$;

CREATE OR REPLACE FUNCTION custintel_shard.insert_event(
    customer_id text, event_id text, event_type text, occurred_at timestamptz, channel text DEFAULT NULL,
    content text DEFAULT NULL, properties jsonb DEFAULT NULL)
RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM custintel_shard.check_owner(insert_event.customer_id);
    INSERT INTO silver.events (event_id, customer_id, event_type, channel, occurred_at, content, properties)
    VALUES (insert_event.event_id, insert_event.customer_id, insert_event.event_type, insert_event.channel,
            insert_event.occurred_at, insert_event.content, insert_event.properties);
    RETURN insert_event.event_id;
END
$$;

-- The review is analysed on this shard by the trigger as it is inserted.
CREATE OR REPLACE FUNCTION custintel_shard.insert_review(
    customer_id text, review_id text, review_text text, rating integer DEFAULT NULL, product_id text DEFAULT NULL,
    title text DEFAULT NULL, created_at timestamptz DEFAULT NULL)
RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM custintel_shard.check_owner(insert_review.customer_id);
    INSERT INTO silver.reviews (review_id, customer_id, product_id, rating, title, review_text, created_at)
    VALUES (insert_review.review_id, insert_review.customer_id, insert_review.product_id, insert_review.rating,
            insert_review.title, insert_review.review_text, coalesce(insert_review.created_at, now()));
    RETURN insert_review.review_id;
END
$$;

CREATE OR REPLACE FUNCTION custintel_shard.insert_ticket(
    customer_id text, ticket_id text, subject text, description text, category text DEFAULT NULL,
    priority text DEFAULT NULL, created_at timestamptz DEFAULT NULL, resolved_at timestamptz DEFAULT NULL)
RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM custintel_shard.check_owner(insert_ticket.customer_id);
    INSERT INTO silver.tickets (ticket_id, customer_id, category, priority, subject, description, created_at, resolved_at)
    VALUES (insert_ticket.ticket_id, insert_ticket.customer_id, insert_ticket.category, insert_ticket.priority,
            insert_ticket.subject, insert_ticket.description, coalesce(insert_ticket.created_at, now()),
            insert_ticket.resolved_at);
    RETURN insert_ticket.ticket_id;
END
$$;

-- One customer with their figures and analysed reviews, as JSON (NULL when unknown).
CREATE OR REPLACE FUNCTION custintel_shard.get_customer(customer_id text)
RETURNS jsonb LANGUAGE sql STABLE
AS $$
    SELECT to_jsonb(c) || jsonb_build_object(
        'orders', (SELECT count(*) FROM silver.orders o WHERE o.customer_id = c.customer_id),
        'revenue', (SELECT coalesce(sum(o.amount), 0) FROM silver.orders o WHERE o.customer_id = c.customer_id
                    AND custintel_shard.is_purchase(o.status)),
        'open_tickets', (SELECT count(*) FROM silver.tickets t WHERE t.customer_id = c.customer_id AND t.resolved_at IS NULL),
        'reviews', coalesce((SELECT jsonb_agg(jsonb_build_object('review_id', r.review_id, 'rating', r.rating,
                                      'sentiment', r.sentiment, 'summary', r.summary, 'themes', r.themes)
                                      ORDER BY r.created_at, r.review_id)
                             FROM silver.reviews r WHERE r.customer_id = c.customer_id), '[]'::jsonb))
    FROM silver.customers c WHERE c.customer_id = get_customer.customer_id
$$;

-- ---- partial aggregates (the coordinator fans them out: RUN ON ALL, and combines) --------------

-- This shard's KPI partials: counts and sums only (an average is combined from its sum and count
-- on the coordinator, never averaged across shards). Sentiment classes use the text engine's
-- thresholds (text/sentiment.h: |compound| < 0.05 is neutral).
CREATE OR REPLACE FUNCTION custintel_shard.kpi_partials(
    OUT customers bigint, OUT orders bigint, OUT revenue numeric, OUT reviews bigint, OUT rating_sum bigint,
    OUT rating_count bigint, OUT tickets bigint, OUT open_tickets bigint, OUT sentiment_negative bigint,
    OUT sentiment_neutral bigint, OUT sentiment_positive bigint, OUT queued bigint)
RETURNS SETOF record LANGUAGE plpgsql STABLE
AS $$
DECLARE
    ext name := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                 WHERE e.extname = 'custintel');
BEGIN
    SELECT count(*) INTO customers FROM silver.customers;
    SELECT count(*) FILTER (WHERE custintel_shard.is_purchase(o.status)),
           coalesce(sum(o.amount) FILTER (WHERE custintel_shard.is_purchase(o.status)), 0)
      INTO orders, revenue FROM silver.orders o;
    SELECT count(*), coalesce(sum(r.rating), 0), count(r.rating),
           count(*) FILTER (WHERE r.sentiment <= -0.05), count(*) FILTER (WHERE r.sentiment > -0.05 AND r.sentiment < 0.05),
           count(*) FILTER (WHERE r.sentiment >= 0.05)
      INTO reviews, rating_sum, rating_count, sentiment_negative, sentiment_neutral, sentiment_positive
      FROM silver.reviews r;
    SELECT count(*), count(*) FILTER (WHERE t.resolved_at IS NULL) INTO tickets, open_tickets FROM silver.tickets t;
    EXECUTE format('SELECT count(*) FROM %I.custintel_queue', ext) INTO queued;
    RETURN NEXT;
END
$$;

-- Per-segment partials (customers without a segment under '(none)').
CREATE OR REPLACE FUNCTION custintel_shard.segment_partials(
    OUT segment text, OUT customers bigint, OUT orders bigint, OUT revenue numeric, OUT reviews bigint,
    OUT rating_sum bigint, OUT rating_count bigint, OUT open_tickets bigint)
RETURNS SETOF record LANGUAGE sql STABLE
AS $$
    SELECT coalesce(c.segment, '(none)'), count(*),
           coalesce(sum(o.n), 0)::bigint, coalesce(sum(o.revenue), 0),
           coalesce(sum(r.n), 0)::bigint, coalesce(sum(r.rating_sum), 0)::bigint, coalesce(sum(r.rating_count), 0)::bigint,
           coalesce(sum(t.open), 0)::bigint
    FROM silver.customers c
    LEFT JOIN (SELECT customer_id, count(*) AS n, sum(amount) AS revenue FROM silver.orders
               WHERE custintel_shard.is_purchase(status) GROUP BY customer_id) o USING (customer_id)
    LEFT JOIN (SELECT customer_id, count(*) AS n, sum(rating) AS rating_sum, count(rating) AS rating_count
               FROM silver.reviews GROUP BY customer_id) r USING (customer_id)
    LEFT JOIN (SELECT customer_id, count(*) FILTER (WHERE resolved_at IS NULL) AS open FROM silver.tickets
               GROUP BY customer_id) t USING (customer_id)
    GROUP BY 1
$$;

-- BG/NBD's sufficient statistics, grouped: one row per distinct (x, t_x, T) with its number of
-- customers, built as lifetimes' summary_data_from_transaction_data builds them (models/clv/
-- clv_summary.h): purchases (is_purchase) up to `observation_end`, bucketed into UTC calendar
-- days; x = days with a purchase - 1, t_x = first to last purchase day, T = first purchase day to
-- the observation end's day, in units of `period_days` days (1: days, 7: lifetimes' weeks).
-- The per-customer rows stay on the shard; only the groups travel.
CREATE OR REPLACE FUNCTION custintel_shard.bgnbd_summary(
    observation_end timestamptz, period_days double precision,
    OUT x double precision, OUT t_x double precision, OUT t double precision, OUT customers bigint)
RETURNS SETOF record LANGUAGE sql STABLE
AS $$
    WITH days AS (
        SELECT DISTINCT o.customer_id, (o.ordered_at AT TIME ZONE 'UTC')::date AS day
        FROM silver.orders o
        WHERE o.ordered_at <= observation_end AND custintel_shard.is_purchase(o.status)
    ), per_customer AS (
        SELECT count(*) - 1 AS x, max(day) - min(day) AS span, (observation_end AT TIME ZONE 'UTC')::date - min(day) AS age
        FROM days GROUP BY customer_id
    )
    SELECT x::double precision, span / period_days, age / period_days, count(*)
    FROM per_customer GROUP BY 1, 2, 3
$$;

-- Moving customers (src/pg/README.md, "Adding shards"): the customers of this shard that belong
-- to another partition under the current placement.
CREATE OR REPLACE FUNCTION custintel_shard.misplaced_customers()
RETURNS SETOF text LANGUAGE sql STABLE
AS $$ SELECT c.customer_id FROM silver.customers c WHERE NOT custintel_shard.owns(c.customer_id) $$;

-- Step 4 of adding shards: deletes the rows of the customers that belong elsewhere now (children
-- first), once they are on their new shard. Returns the number of customers deleted.
CREATE OR REPLACE FUNCTION custintel_shard.delete_misplaced()
RETURNS bigint LANGUAGE plpgsql
AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM custintel_shard.placement) THEN
        RAISE EXCEPTION 'custintel_shard.delete_misplaced: this database has no placement (custintel_cluster.init sets it)'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    DELETE FROM silver.order_items WHERE NOT custintel_shard.owns(customer_id);
    DELETE FROM silver.events WHERE NOT custintel_shard.owns(customer_id);
    DELETE FROM silver.reviews WHERE NOT custintel_shard.owns(customer_id);
    DELETE FROM silver.tickets WHERE NOT custintel_shard.owns(customer_id);
    DELETE FROM silver.orders WHERE NOT custintel_shard.owns(customer_id);
    DELETE FROM silver.customers WHERE NOT custintel_shard.owns(customer_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
