-- SENT edges and PromptFingerprint nodes of the batch. Per kind (exact, template, nearband) keys are numbers
-- (high, low 64-bit halves, unsigned, stored bit for bit as BIGINT; a nearband key is one band key).
-- Rules, in order:
--   1. only keys that two or more accounts of the batch sent ($min_accounts) are candidates;
--   2. per (account, key): counts add, firstSeen min, lastSeen max;
--   3. each account keeps its $per_account most used keys per kind (ties: the smaller key, unsigned);
--   4. keys that the cap left to fewer than $min_accounts accounts are dropped.
-- Upstream (exporter) fingerprints are not capped: rules 1, 2 and 4 only.
-- Dialect-neutral (DuckDB here, Spark through SQLGlot): unsigned order is "non-negative first"; the unsigned
-- minimum is the smallest non-negative value if there is one, else the smallest; hex is lpad(lower(hex())).
CREATE TABLE kind_rows AS
SELECT s.accountId, 'exact' AS kind, s.promptKey AS keyHigh, p.exactLow AS keyLow, s.count, s.firstSeen, s.lastSeen
FROM prompt_sent AS s JOIN prompts AS p ON s.promptKey = p.promptKey
UNION ALL
SELECT s.accountId, 'template' AS kind, p.templateHigh AS keyHigh, p.templateLow AS keyLow, s.count, s.firstSeen,
       s.lastSeen
FROM prompt_sent AS s JOIN prompts AS p ON s.promptKey = p.promptKey
UNION ALL
SELECT s.accountId, 'nearband' AS kind, b.band AS keyHigh, CAST(0 AS BIGINT) AS keyLow, s.count, s.firstSeen,
       s.lastSeen
FROM prompt_sent AS s JOIN prompt_bands AS b ON s.promptKey = b.promptKey;
CREATE TABLE shared_keys AS
SELECT kind, keyHigh FROM kind_rows GROUP BY kind, keyHigh HAVING count(DISTINCT accountId) >= $min_accounts;
CREATE TABLE capped_edges AS
SELECT accountId, kind, keyHigh, keyLow, count, firstSeen, lastSeen FROM (
    SELECT *, row_number() OVER (
        PARTITION BY accountId, kind
        ORDER BY count DESC, CASE WHEN keyHigh < 0 THEN 1 ELSE 0 END, keyHigh) AS rank
    FROM (
        SELECT r.accountId, r.kind, r.keyHigh,
               coalesce(min(CASE WHEN r.keyLow >= 0 THEN r.keyLow END), min(r.keyLow)) AS keyLow,
               CAST(sum(r.count) AS BIGINT) AS count, min(r.firstSeen) AS firstSeen, max(r.lastSeen) AS lastSeen
        FROM kind_rows AS r JOIN shared_keys AS k ON r.kind = k.kind AND r.keyHigh = k.keyHigh
        GROUP BY r.accountId, r.kind, r.keyHigh
    ) AS pairs
) AS ranked WHERE rank <= $per_account;
CREATE TABLE sent_edges AS
SELECT accountId,
       CASE WHEN kind = 'nearband' THEN lpad(lower(hex(keyHigh)), 16, '0')
            ELSE concat(lpad(lower(hex(keyHigh)), 16, '0'), lpad(lower(hex(keyLow)), 16, '0')) END
           AS fingerprintKey,
       kind, count, firstSeen, lastSeen
FROM (SELECT *, count(*) OVER (PARTITION BY kind, keyHigh) AS accounts FROM capped_edges) AS counted
WHERE accounts >= $min_accounts
UNION ALL
SELECT accountId, fingerprintKey, kind, count, firstSeen, lastSeen
FROM (SELECT *, count(*) OVER (PARTITION BY fingerprintKey) AS accounts FROM upstream_sent) AS counted
WHERE accounts >= $min_accounts;
CREATE TABLE fingerprint_nodes AS
SELECT fingerprintKey AS key, min(kind) AS kind, count(*) AS accounts, CAST(sum(count) AS BIGINT) AS count
FROM sent_edges GROUP BY fingerprintKey
