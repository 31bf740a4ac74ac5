-- A rate-limit take in one round trip (store.Take): the key's lock, the
-- counts and the insert ran as five statements of a transaction, each a
-- round trip holding a pooled connection, on every sign-in step. The
-- function is VOLATILE, so its count takes a snapshot after the lock is
-- held and sees every take of the key before it; the lock is the calling
-- statement's transaction's, released when it commits.
CREATE FUNCTION zhipai_rate_take(p_key TEXT, p_at BIGINT, p_since BIGINT[], p_max INT[]) RETURNS INT
LANGUAGE sql VOLATILE AS $$
SELECT pg_advisory_xact_lock(hashtextextended(p_key, 7316));
WITH over AS (
    SELECT min(i) - 1 AS i FROM generate_subscripts(p_since, 1) AS i
    WHERE (SELECT count(*) FROM rate_events WHERE key = p_key AND at >= p_since[i]) >= p_max[i]
), ins AS (
    INSERT INTO rate_events (key, at) SELECT p_key, p_at FROM over WHERE over.i IS NULL RETURNING 1
)
SELECT coalesce((SELECT i FROM over), -1);
$$;
