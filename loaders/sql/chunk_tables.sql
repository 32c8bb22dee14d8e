-- Per-chunk aggregates as the Python side hands them over (keyed hashes and numbers only; times in ns).
-- Several chunks hold rows of one identity; merge_batch.sql combines them.
-- Written once in DuckDB's dialect and transpiled for Spark (loaders/sql_dialect.py), so only types and
-- functions both engines have: 64-bit keys are unsigned numbers stored bit for bit as BIGINT (two's
-- complement); where their order matters the SQL orders them as unsigned (negative after non-negative).
-- A prompt's band keys are rows of chunk_prompt_bands (no list type), beside the template they belong to.
CREATE TABLE chunk_seen_from (accountId VARCHAR, ipKey VARCHAR, count BIGINT, firstSeen BIGINT, lastSeen BIGINT);
CREATE TABLE chunk_ips (ipKey VARCHAR, version TINYINT, subnetKey VARCHAR);
CREATE TABLE chunk_prompt_sent (accountId VARCHAR, promptKey BIGINT, count BIGINT, firstSeen BIGINT, lastSeen BIGINT);
CREATE TABLE chunk_prompts (promptKey BIGINT, exactLow BIGINT, templateHigh BIGINT, templateLow BIGINT);
CREATE TABLE chunk_prompt_bands (promptKey BIGINT, templateHigh BIGINT, templateLow BIGINT, band BIGINT);
CREATE TABLE chunk_upstream_sent (accountId VARCHAR, fingerprintKey VARCHAR, kind VARCHAR, count BIGINT,
                                  firstSeen BIGINT, lastSeen BIGINT);
CREATE TABLE chunk_activity (accountId VARCHAR, exchanges BIGINT, inputTokens BIGINT, outputTokens BIGINT,
                             tokenReports BIGINT, firstSeen BIGINT, lastSeen BIGINT, capCot BIGINT, capCode BIGINT,
                             capTool BIGINT, capMath BIGINT, capRubric BIGINT, capRewrite BIGINT);
CREATE TABLE chunk_hours (accountId VARCHAR, hour BIGINT, count BIGINT);
CREATE TABLE chunk_models (accountId VARCHAR, model VARCHAR, count BIGINT);
CREATE TABLE chunk_sync (accountId VARCHAR, slot SMALLINT, value BIGINT);
