-- A rate-limit take of several keys at once (store.Take): a sign-in
-- code's limits per phone, per address and per both were three takes, so
-- a refusal by the last had already spent the first two. Limit i is
-- p_keys[i]'s (a key repeats for each of its limits). The keys' locks are
-- taken in one order, so two takes sharing keys cannot deadlock; the
-- function is VOLATILE, so its counts see every take of the keys that
-- held the locks before it (as in 0011, which instances not yet upgraded
-- still call).
CREATE FUNCTION zhipai_rate_take_all(p_keys TEXT[], p_at BIGINT, p_since BIGINT[], p_max INT[]) RETURNS INT
LANGUAGE sql VOLATILE AS $$
SELECT pg_advisory_xact_lock(h)
FROM (SELECT DISTINCT hashtextextended(k, 7316) AS h FROM unnest(p_keys) AS k ORDER BY h) AS locks;
WITH over AS (
    SELECT min(i) - 1 AS i FROM generate_subscripts(p_since, 1) AS i
    WHERE (SELECT count(*) FROM rate_events WHERE key = p_keys[i] AND at >= p_since[i]) >= p_max[i]
), ins AS (
    INSERT INTO rate_events (key, at)
    SELECT DISTINCT k, p_at FROM unnest(p_keys) AS k, over WHERE over.i IS NULL RETURNING 1
)
SELECT coalesce((SELECT i FROM over), -1);
$$;
