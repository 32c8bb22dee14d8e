-- Per-chunk aggregates as the Python side hands them over (keyed hashes and numbers only; times in ns).
-- Several chunks hold rows of one identity; merge_batch.sql combines them.
CREATE TABLE chunk_seen_from (accountId VARCHAR, ipKey VARCHAR, count BIGINT, firstSeen BIGINT, lastSeen BIGINT);
CREATE TABLE chunk_ips (ipKey VARCHAR, version TINYINT, subnetKey VARCHAR);
CREATE TABLE chunk_prompt_sent (accountId VARCHAR, promptKey UBIGINT, count BIGINT, firstSeen BIGINT, lastSeen BIGINT);
CREATE TABLE chunk_prompts (promptKey UBIGINT, exactLow UBIGINT, templateHigh UBIGINT, templateLow UBIGINT,
                            bands UBIGINT[]);
CREATE TABLE chunk_upstream_sent (accountId VARCHAR, fingerprintKey VARCHAR, kind VARCHAR, count BIGINT,
                                  firstSeen BIGINT, lastSeen BIGINT);
CREATE TABLE chunk_activity (accountId VARCHAR, exchanges BIGINT, inputTokens BIGINT, outputTokens BIGINT,
                             tokenReports BIGINT, firstSeen BIGINT, lastSeen BIGINT, capCot BIGINT, capCode BIGINT,
                             capTool BIGINT, capMath BIGINT, capRubric BIGINT, capRewrite BIGINT);
CREATE TABLE chunk_hours (accountId VARCHAR, hour BIGINT, count BIGINT);
CREATE TABLE chunk_models (accountId VARCHAR, model VARCHAR, count BIGINT);
CREATE TABLE chunk_sync (accountId VARCHAR, slot SMALLINT, value BIGINT);
