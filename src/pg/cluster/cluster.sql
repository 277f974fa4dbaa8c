-- custintel sharded over PostgreSQL with PL/Proxy: the COORDINATOR (src/pg/README.md, "Past one
-- machine"). Run it on the coordinator database as a superuser; it is idempotent:
--
--   psql -v ON_ERROR_STOP=1 -d shop -f "$(pg_config --sharedir)/contrib/custintel/cluster.sql"
--   psql -d shop -c "SELECT * FROM custintel_cluster.init(ARRAY['host=db1 dbname=shop', 'host=db2 dbname=shop'])"
--   (or `custintel pg-cluster init`, which does both and runs shard.sql on every shard first)
--
-- The coordinator holds no customer rows. Its functions (schema custintel_cluster) are PL/Proxy
-- functions over the cluster `custintel_shards` (SQL/MED: a SERVER of the plproxy foreign data
-- wrapper, one option pN per shard, and a user mapping), each calling the custintel_shard
-- function of the same name and arguments on the shards:
--   - per-customer writes and reads run on the customer's shard: RUN ON hashtext(customer_id);
--   - many orders at once are SPLIT per shard;
--   - analytics fan out to every shard in parallel (RUN ON ALL) and return each shard's partial
--     aggregates (counts, sums, sufficient statistics), combined here by plain SQL.

SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS plproxy;
CREATE EXTENSION IF NOT EXISTS custintel;  -- custintel_fit_bgnbd, and the AI functions for ad-hoc use
CREATE SCHEMA IF NOT EXISTS custintel_cluster;

-- ---- the cluster configuration --------------------------------------------------------------

-- The shards' libpq connection strings (key=value form), in partition order.
CREATE OR REPLACE FUNCTION custintel_cluster.shards()
RETURNS TABLE(shard_index integer, connstr text) LANGUAGE sql STABLE
AS $$
    SELECT substr(split_part(o, '=', 1), 2)::integer, substr(o, strpos(o, '=') + 1)
    FROM pg_foreign_server s, unnest(s.srvoptions) o
    WHERE s.srvname = 'custintel_shards' AND o ~ '^p[0-9]+='
    ORDER BY 1
$$;

-- The partition PL/Proxy routes `customer_id` to (what RUN ON hashtext(customer_id) picks).
CREATE OR REPLACE FUNCTION custintel_cluster.shard_of(customer_id text)
RETURNS integer LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN coalesce((SELECT true FROM pg_foreign_server s, unnest(s.srvoptions) o
                               WHERE s.srvname = 'custintel_shards' AND o = 'modular_mapping=1'), false)
                THEN abs(hashtext(customer_id) % n) ELSE hashtext(customer_id) & (n - 1) END
    FROM (SELECT count(*)::integer AS n FROM custintel_cluster.shards()) c
    WHERE n > 0
$$;

-- Records one shard's place on it (custintel_shard.place); RUN ON the partition number itself.
CREATE OR REPLACE FUNCTION custintel_cluster.place(shard_index integer, shard_count integer, modular boolean,
                                                   cluster_name text)
RETURNS text AS $$
    CLUSTER 'custintel_shards';
    RUN ON shard_index;
    TARGET custintel_shard.place;
$$ LANGUAGE plproxy;

-- (Re)defines the cluster: `shards` are libpq connection strings in key=value form ('host=10.0.0.5
-- port=5432 dbname=shop'), partition 0 first. A power-of-two count maps hash & (n - 1) (doubling
-- the shards splits each in two); any other count uses PL/Proxy's modular_mapping. `shard_user`
-- and `shard_password` go into the user mapping for PUBLIC (omitted: the calling role's own name,
-- and .pgpass / trust on the shards). Then tells each shard its place; returns what each says.
CREATE OR REPLACE FUNCTION custintel_cluster.init(shards text[], shard_user text DEFAULT NULL,
                                                  shard_password text DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpgsql
SET client_min_messages = warning
AS $$
DECLARE
    n integer := coalesce(cardinality(shards), 0);
    modular boolean;
    options text := '';
    mapping text := '';
    i integer;
BEGIN
    IF n < 1 THEN
        RAISE EXCEPTION 'custintel_cluster.init: give at least one shard connection string'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR i IN 1..n LOOP
        IF shards[i] IS NULL OR btrim(shards[i]) = '' THEN
            RAISE EXCEPTION 'custintel_cluster.init: shard % has an empty connection string', i - 1
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF shards[i] ~* '^postgres(ql)?://' THEN
            RAISE EXCEPTION 'custintel_cluster.init: shard % is a URI (%); PL/Proxy needs key=value connection strings',
                i - 1, regexp_replace(shards[i], ':[^:@/]*@', ':***@')
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Write it as ''host=HOST port=PORT dbname=DB''.';
        END IF;
        IF shards[i] ~* '(^|\s)(user|password)\s*=' THEN
            RAISE EXCEPTION 'custintel_cluster.init: shard % names a user or password; give them as shard_user / shard_password', i - 1
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF array_position(shards, shards[i]) <> i THEN
            RAISE EXCEPTION 'custintel_cluster.init: shard % repeats shard %', i - 1, array_position(shards, shards[i]) - 1
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        options := options || format(', p%s %L', i - 1, shards[i]);
    END LOOP;
    modular := (n & (n - 1)) <> 0;
    DROP SERVER IF EXISTS custintel_shards CASCADE;
    EXECUTE format('CREATE SERVER custintel_shards FOREIGN DATA WRAPPER plproxy OPTIONS (connection_lifetime %L%s%s)',
                   '1800', CASE WHEN modular THEN ', modular_mapping ''1''' ELSE '' END, options);
    IF shard_user IS NOT NULL THEN
        mapping := format('user %L', shard_user);
    END IF;
    IF shard_password IS NOT NULL THEN
        mapping := mapping || CASE WHEN mapping = '' THEN '' ELSE ', ' END || format('password %L', shard_password);
    END IF;
    EXECUTE 'CREATE USER MAPPING FOR PUBLIC SERVER custintel_shards'
            || CASE WHEN mapping = '' THEN '' ELSE ' OPTIONS (' || mapping || ')' END;
    GRANT USAGE ON FOREIGN SERVER custintel_shards TO PUBLIC;
    FOR i IN 0..n - 1 LOOP
        RETURN NEXT custintel_cluster.place(i, n, modular, 'custintel_shards');
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION custintel_cluster.init(text[], text, text) FROM PUBLIC;

-- ---- per-customer writes and reads: on the customer's shard ----------------------------------

CREATE OR REPLACE FUNCTION custintel_cluster.upsert_customer(
    customer_id text, email text DEFAULT NULL, first_name text DEFAULT NULL, last_name text DEFAULT NULL,
    segment text DEFAULT NULL, plan text DEFAULT NULL, region text DEFAULT NULL, account_id text DEFAULT NULL,
    acquisition_date date DEFAULT NULL, attributes jsonb DEFAULT NULL)
RETURNS text AS $$
    CLUSTER 'custintel_shards';
    RUN ON hashtext(customer_id);
    TARGET custintel_shard.upsert_customer;
$$ LANGUAGE plproxy;

CREATE OR REPLACE FUNCTION custintel_cluster.insert_order(
    customer_id text, order_id text, ordered_at timestamptz, amount numeric, currency text DEFAULT NULL,
    status text DEFAULT NULL, channel text DEFAULT NULL)
RETURNS text AS $$
    CLUSTER 'custintel_shards';
    RUN ON hashtext(customer_id);
    TARGET custintel_shard.insert_order;
$$ LANGUAGE plproxy;

-- Bulk: the arrays are split per shard (SPLIT), each shard gets one call with its orders.
CREATE OR REPLACE FUNCTION custintel_cluster.insert_orders(
    customer_ids text[], order_ids text[], ordered_ats timestamptz[], amounts numeric[])
RETURNS SETOF text AS $$
    CLUSTER 'custintel_shards';
    SPLIT customer_ids, order_ids, ordered_ats, amounts;
    RUN ON hashtext(customer_ids);
    TARGET custintel_shard.insert_orders;
$$ LANGUAGE plproxy;

CREATE OR REPLACE FUNCTION custintel_cluster.insert_order_item(
    customer_id text, order_id text, product_id text, quantity integer, unit_price numeric)
RETURNS text AS $$
    CLUSTER 'custintel_shards';
    RUN ON hashtext(customer_id);
    TARGET custintel_shard.insert_order_item;
$$ LANGUAGE plproxy;

CREATE OR REPLACE FUNCTION custintel_cluster.insert_event(
    customer_id text, event_id text, event_type text, occurred_at timestamptz, channel text DEFAULT NULL,
    content text DEFAULT NULL, properties jsonb DEFAULT NULL)
RETURNS text AS $$
    CLUSTER 'custintel_shards';
    RUN ON hashtext(customer_id);
    TARGET custintel_shard.insert_event;
$$ LANGUAGE plproxy;

-- Analysed on the shard that stores it (its trigger, its queue, its workers).
CREATE OR REPLACE FUNCTION custintel_cluster.insert_review(
    customer_id text, review_id text, review_text text, rating integer DEFAULT NULL, product_id text DEFAULT NULL,
    title text DEFAULT NULL, created_at timestamptz DEFAULT NULL)
RETURNS text AS $$
    CLUSTER 'custintel_shards';
    RUN ON hashtext(customer_id);
    TARGET custintel_shard.insert_review;
$$ LANGUAGE plproxy;

CREATE OR REPLACE FUNCTION custintel_cluster.insert_ticket(
    customer_id text, ticket_id text, subject text, description text, category text DEFAULT NULL,
    priority text DEFAULT NULL, created_at timestamptz DEFAULT NULL, resolved_at timestamptz DEFAULT NULL)
RETURNS text AS $$
    CLUSTER 'custintel_shards';
    RUN ON hashtext(customer_id);
    TARGET custintel_shard.insert_ticket;
$$ LANGUAGE plproxy;

CREATE OR REPLACE FUNCTION custintel_cluster.get_customer(customer_id text)
RETURNS jsonb AS $$
    CLUSTER 'custintel_shards';
    RUN ON hashtext(customer_id);
    TARGET custintel_shard.get_customer;
$$ LANGUAGE plproxy;

-- ---- analytics: partials from every shard (RUN ON ALL, in parallel), combined here ----------

CREATE OR REPLACE FUNCTION custintel_cluster.kpi_partials(
    OUT customers bigint, OUT orders bigint, OUT revenue numeric, OUT reviews bigint, OUT rating_sum bigint,
    OUT rating_count bigint, OUT tickets bigint, OUT open_tickets bigint, OUT sentiment_negative bigint,
    OUT sentiment_neutral bigint, OUT sentiment_positive bigint, OUT queued bigint)
RETURNS SETOF record AS $$
    CLUSTER 'custintel_shards';
    RUN ON ALL;
    TARGET custintel_shard.kpi_partials;
$$ LANGUAGE plproxy;

-- The KPI figures of the whole customer base: sums of the shards' counts and sums; the average
-- rating is their summed ratings over their summed rating count.
CREATE OR REPLACE FUNCTION custintel_cluster.kpi(
    OUT shards integer, OUT customers bigint, OUT orders bigint, OUT revenue numeric, OUT reviews bigint,
    OUT average_rating double precision, OUT tickets bigint, OUT open_tickets bigint,
    OUT sentiment_negative bigint, OUT sentiment_neutral bigint, OUT sentiment_positive bigint,
    OUT queued bigint)
LANGUAGE sql
AS $$
    SELECT count(*)::integer, sum(p.customers)::bigint, sum(p.orders)::bigint, sum(p.revenue), sum(p.reviews)::bigint,
           sum(p.rating_sum)::double precision / nullif(sum(p.rating_count), 0),
           sum(p.tickets)::bigint, sum(p.open_tickets)::bigint, sum(p.sentiment_negative)::bigint,
           sum(p.sentiment_neutral)::bigint, sum(p.sentiment_positive)::bigint, sum(p.queued)::bigint
    FROM custintel_cluster.kpi_partials() p
$$;

-- The executive summary of the whole customer base: its figures combined from the shards'
-- partials (as kpi()), and a text written here, on the coordinator, from those figures alone by
-- a fixed template (the wording of the pipeline's builtin run summary, insight/writer_builtin.cc):
-- every number in it is one of the returned figures, printed as returned; no model is asked and
-- no review text is read, so nothing in the data can steer it. Figures that do not exist (no
-- reviews, no orders) leave their sentence out rather than print a zero average.
CREATE OR REPLACE FUNCTION custintel_cluster.executive_summary(
    OUT shards integer, OUT customers bigint, OUT orders bigint, OUT revenue numeric,
    OUT average_ltv numeric, OUT reviews bigint, OUT average_rating numeric, OUT tickets bigint,
    OUT open_tickets bigint, OUT sentiment_negative bigint, OUT sentiment_neutral bigint,
    OUT sentiment_positive bigint, OUT summary text)
LANGUAGE sql
AS $$
    SELECT k.shards, k.customers, k.orders, k.revenue, round(k.revenue / nullif(k.customers, 0), 2), k.reviews,
           round(k.average_rating::numeric, 1), k.tickets, k.open_tickets, k.sentiment_negative,
           k.sentiment_neutral, k.sentiment_positive,
           concat_ws(' ',
               format('Executive summary over %s shards: %s customers placed %s purchases worth %s in total.',
                      k.shards, k.customers, k.orders, coalesce(k.revenue, 0)),
               CASE WHEN k.customers > 0 AND k.revenue IS NOT NULL THEN
                   format('The average lifetime value (spend to date) is %s.', round(k.revenue / k.customers, 2)) END,
               CASE WHEN k.reviews > 0 AND k.average_rating IS NOT NULL THEN
                   format('Customers wrote %s reviews with an average review rating of %s (%s negative, %s neutral, '
                          '%s positive).', k.reviews, round(k.average_rating::numeric, 1), k.sentiment_negative,
                          k.sentiment_neutral, k.sentiment_positive) END,
               format('%s of %s support tickets are open.', k.open_tickets, k.tickets))
    FROM custintel_cluster.kpi() k
$$;

CREATE OR REPLACE FUNCTION custintel_cluster.segment_partials(
    OUT segment text, OUT customers bigint, OUT orders bigint, OUT revenue numeric, OUT reviews bigint,
    OUT rating_sum bigint, OUT rating_count bigint, OUT open_tickets bigint)
RETURNS SETOF record AS $$
    CLUSTER 'custintel_shards';
    RUN ON ALL;
    TARGET custintel_shard.segment_partials;
$$ LANGUAGE plproxy;

-- Segment profiles over all shards: one row per segment, combined from the shards' partials.
CREATE OR REPLACE FUNCTION custintel_cluster.segments()
RETURNS TABLE(segment text, customers bigint, orders bigint, revenue numeric, revenue_per_customer numeric,
              reviews bigint, average_rating double precision, open_tickets bigint)
LANGUAGE sql
AS $$
    SELECT p.segment, sum(p.customers)::bigint, sum(p.orders)::bigint, sum(p.revenue),
           round(sum(p.revenue) / nullif(sum(p.customers), 0), 2), sum(p.reviews)::bigint,
           sum(p.rating_sum)::double precision / nullif(sum(p.rating_count), 0), sum(p.open_tickets)::bigint
    FROM custintel_cluster.segment_partials() p
    GROUP BY p.segment
    ORDER BY sum(p.revenue) DESC, p.segment
$$;

CREATE OR REPLACE FUNCTION custintel_cluster.bgnbd_summary(
    observation_end timestamptz, period_days double precision,
    OUT x double precision, OUT t_x double precision, OUT t double precision, OUT customers bigint)
RETURNS SETOF record AS $$
    CLUSTER 'custintel_shards';
    RUN ON ALL;
    TARGET custintel_shard.bgnbd_summary;
$$ LANGUAGE plproxy;

-- BG/NBD fitted on the coordinator from the shards' grouped (x, t_x, T) (custintel_fit_bgnbd,
-- models/clv): {r, alpha, a, b, log_likelihood, customers, groups, converged, ...} plus
-- "groups_gathered", the rows that crossed the network. period_days 7: lifetimes' weeks.
CREATE OR REPLACE FUNCTION custintel_cluster.fit_bgnbd(observation_end timestamptz,
                                                       period_days double precision DEFAULT 7,
                                                       penalizer double precision DEFAULT 0)
RETURNS jsonb LANGUAGE plpgsql
AS $$
DECLARE
    ext name := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                 WHERE e.extname = 'custintel');
    fit jsonb;
    gathered bigint;
BEGIN
    IF period_days IS NULL OR period_days <= 0 THEN
        RAISE EXCEPTION 'custintel_cluster.fit_bgnbd: period_days must be positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS custintel_bgnbd_groups (x float8, t_x float8, t float8, customers bigint) ON COMMIT DROP;
    TRUNCATE custintel_bgnbd_groups;
    INSERT INTO custintel_bgnbd_groups SELECT * FROM custintel_cluster.bgnbd_summary(observation_end, period_days);
    SELECT count(*) INTO gathered FROM custintel_bgnbd_groups;
    IF gathered = 0 THEN
        RAISE EXCEPTION 'custintel_cluster.fit_bgnbd: no customer has a purchase before %', observation_end
            USING ERRCODE = 'no_data_found';
    END IF;
    EXECUTE format('SELECT %I.custintel_fit_bgnbd(array_agg(g.x), array_agg(g.t_x), array_agg(g.t), $1) '
                   'FROM custintel_bgnbd_groups g CROSS JOIN LATERAL generate_series(1, g.customers)', ext)
        INTO fit USING penalizer;
    DROP TABLE custintel_bgnbd_groups;
    RETURN fit || jsonb_build_object('groups_gathered', gathered);
END
$$;
