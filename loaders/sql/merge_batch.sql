-- The batch's exact aggregates: counts add, firstSeen min, lastSeen max, sketches element-wise min.
CREATE TABLE seen_from AS
SELECT accountId, ipKey, CAST(sum(count) AS BIGINT) AS count, min(firstSeen) AS firstSeen, max(lastSeen) AS lastSeen
FROM chunk_seen_from GROUP BY accountId, ipKey;
-- An IP's version and subnet are functions of the IP, so every chunk gives the same ones.
CREATE TABLE ips AS
SELECT ipKey, min(version) AS version, min(subnetKey) AS subnetKey FROM chunk_ips GROUP BY ipKey;
CREATE TABLE activity AS
SELECT accountId, CAST(sum(exchanges) AS BIGINT) AS exchanges, CAST(sum(inputTokens) AS BIGINT) AS inputTokens,
       CAST(sum(outputTokens) AS BIGINT) AS outputTokens, CAST(sum(tokenReports) AS BIGINT) AS tokenReports,
       min(firstSeen) AS firstSeen, max(lastSeen) AS lastSeen,
       CAST(sum(capCot) AS BIGINT) AS capCot, CAST(sum(capCode) AS BIGINT) AS capCode,
       CAST(sum(capTool) AS BIGINT) AS capTool, CAST(sum(capMath) AS BIGINT) AS capMath,
       CAST(sum(capRubric) AS BIGINT) AS capRubric, CAST(sum(capRewrite) AS BIGINT) AS capRewrite
FROM chunk_activity GROUP BY accountId;
CREATE TABLE hours AS
SELECT accountId, hour, CAST(sum(count) AS BIGINT) AS count FROM chunk_hours GROUP BY accountId, hour;
CREATE TABLE models AS
SELECT accountId, model, CAST(sum(count) AS BIGINT) AS count FROM chunk_models GROUP BY accountId, model;
CREATE TABLE sync AS
SELECT accountId, slot, min(value) AS value FROM chunk_sync GROUP BY accountId, slot;
-- Two raw texts with one exact key (same normalised text) may mask to different templates: the smallest
-- template key (unsigned order) wins, with its band keys, so the choice does not depend on chunk order.
CREATE TABLE prompts AS
SELECT promptKey, exactLow, templateHigh, templateLow FROM (
    SELECT *, row_number() OVER (
        PARTITION BY promptKey
        ORDER BY CASE WHEN templateHigh < 0 THEN 1 ELSE 0 END, templateHigh,
                 CASE WHEN templateLow < 0 THEN 1 ELSE 0 END, templateLow, exactLow) AS pick
    FROM chunk_prompts
) AS candidates WHERE pick = 1;
CREATE TABLE prompt_bands AS
SELECT DISTINCT b.promptKey, b.band
FROM chunk_prompt_bands AS b
JOIN prompts AS p ON b.promptKey = p.promptKey AND b.templateHigh = p.templateHigh AND b.templateLow = p.templateLow;
CREATE TABLE prompt_sent AS
SELECT accountId, promptKey, CAST(sum(count) AS BIGINT) AS count, min(firstSeen) AS firstSeen,
       max(lastSeen) AS lastSeen
FROM chunk_prompt_sent GROUP BY accountId, promptKey;
CREATE TABLE upstream_sent AS
SELECT accountId, fingerprintKey, min(kind) AS kind, CAST(sum(count) AS BIGINT) AS count,
       min(firstSeen) AS firstSeen, max(lastSeen) AS lastSeen
FROM chunk_upstream_sent GROUP BY accountId, fingerprintKey
