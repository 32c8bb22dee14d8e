// Per-account activity features merged into the account, guarded by $seq (activitySeq).
// Exact across batches: counts, tokens, capability counts, first/last seen, the hour-of-day histogram and
// the sync signature (element-wise min of MinHash values). Rate features combine approximately across
// batches (active hours/days add, maxima take the max, means are recomputed from the sums).
UNWIND $rows AS row
MERGE (a:Account {accountId: row.accountId})
ON CREATE SET a.lastBatchId = $batchId
WITH a, row WHERE coalesce(a.activitySeq, -1) < $seq
WITH a, row, a.hourOfDay AS oldHours, a.syncSignature AS oldSignature,
     datetime({epochMillis: row.firstSeen}) AS firstSeen, datetime({epochMillis: row.lastSeen}) AS lastSeen
SET a.exchanges = coalesce(a.exchanges, 0) + row.exchanges,
    a.inputTokens = coalesce(a.inputTokens, 0) + row.inputTokens,
    a.outputTokens = coalesce(a.outputTokens, 0) + row.outputTokens,
    a.tokenReports = coalesce(a.tokenReports, 0) + row.tokenReports,
    a.capCot = coalesce(a.capCot, 0) + row.capCot,
    a.capCode = coalesce(a.capCode, 0) + row.capCode,
    a.capTool = coalesce(a.capTool, 0) + row.capTool,
    a.capMath = coalesce(a.capMath, 0) + row.capMath,
    a.capRubric = coalesce(a.capRubric, 0) + row.capRubric,
    a.capRewrite = coalesce(a.capRewrite, 0) + row.capRewrite,
    a.firstSeen = CASE WHEN a.firstSeen IS NULL OR firstSeen < a.firstSeen THEN firstSeen ELSE a.firstSeen END,
    a.lastSeen = CASE WHEN a.lastSeen IS NULL OR lastSeen > a.lastSeen THEN lastSeen ELSE a.lastSeen END,
    a.activeHours = coalesce(a.activeHours, 0) + row.activeHours,
    a.activeDays = coalesce(a.activeDays, 0) + row.activeDays,
    a.maxPerHour = CASE WHEN coalesce(a.maxPerHour, 0) > row.maxPerHour THEN a.maxPerHour ELSE row.maxPerHour END,
    a.p95PerHour = CASE WHEN coalesce(a.p95PerHour, 0.0) > row.p95PerHour THEN a.p95PerHour ELSE row.p95PerHour END,
    a.maxPerDay = CASE WHEN coalesce(a.maxPerDay, 0) > row.maxPerDay THEN a.maxPerDay ELSE row.maxPerDay END,
    a.hourOfDay = CASE WHEN oldHours IS NULL THEN row.hourOfDay
                  ELSE [i IN range(0, 23) | oldHours[i] + row.hourOfDay[i]] END,
    a.syncSignature = CASE WHEN oldSignature IS NULL THEN row.syncSignature
                      ELSE [i IN range(0, size(oldSignature) - 1) |
                            CASE WHEN oldSignature[i] < row.syncSignature[i] THEN oldSignature[i]
                                 ELSE row.syncSignature[i] END] END,
    a.activitySeq = $seq, a.lastBatchId = $batchId
SET a.meanPerActiveHour = toFloat(a.exchanges) / CASE WHEN a.activeHours > 0 THEN a.activeHours ELSE 1 END,
    a.meanPerActiveDay = toFloat(a.exchanges) / CASE WHEN a.activeDays > 0 THEN a.activeDays ELSE 1 END
