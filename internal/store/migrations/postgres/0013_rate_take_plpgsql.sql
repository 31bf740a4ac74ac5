-- The rate-limit takes of 0011 and 0012, in PL/pgSQL, same signatures
-- and answers. A LANGUAGE sql function is planned again on every call, as
-- one plan, its counts estimated over the default 1,000 rows of
-- generate_subscripts. Where rate_events had grown faster than its
-- statistics (a rush, before autovacuum's next ANALYZE), that estimate
-- passed jit_above_cost and PostgreSQL compiled the plan on every take:
-- 115 ms of the database's CPU per take with 230,000 events, against
-- 0.4 ms. PL/pgSQL keeps each statement's plan for the connection, and
-- each count is planned for one key, as the index serves it: with the
-- statistics up to date a take went from 0.69 to 0.33 ms (go test -bench
-- RateTakeAmongManyEvents ./internal/store). Each statement takes a new
-- snapshot, so a count still sees every take of the keys whose locks were
-- held before it.
CREATE OR REPLACE FUNCTION zhipai_rate_take_all(p_keys TEXT[], p_at BIGINT, p_since BIGINT[], p_max INT[]) RETURNS INT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    h BIGINT;
BEGIN
    FOR h IN SELECT DISTINCT hashtextextended(k, 7316) FROM unnest(p_keys) AS k ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(h);
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
        IF (SELECT count(*) FROM rate_events WHERE key = p_keys[i] AND at >= p_since[i]) >= p_max[i] THEN
            RETURN i - 1;
        END IF;
    END LOOP;
    INSERT INTO rate_events (key, at) SELECT DISTINCT k, p_at FROM unnest(p_keys) AS k;
    RETURN -1;
END
$$;

CREATE OR REPLACE FUNCTION zhipai_rate_take(p_key TEXT, p_at BIGINT, p_since BIGINT[], p_max INT[]) RETURNS INT
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_key, 7316));
    FOR i IN 1 .. coalesce(array_length(p_since, 1), 0) LOOP
        IF (SELECT count(*) FROM rate_events WHERE key = p_key AND at >= p_since[i]) >= p_max[i] THEN
            RETURN i - 1;
        END IF;
    END LOOP;
    INSERT INTO rate_events (key, at) VALUES (p_key, p_at);
    RETURN -1;
END
$$;
