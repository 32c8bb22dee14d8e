// Account -> prompt fingerprint aggregates, guarded by $seq like SEEN_FROM.
UNWIND $rows AS row
MERGE (a:Account {accountId: row.accountId})
ON CREATE SET a.lastBatchId = $batchId
WITH a, row
MATCH (f:PromptFingerprint {key: row.fingerprintKey})
MERGE (a)-[r:SENT]->(f)
WITH r, row, datetime({epochMillis: row.firstSeen}) AS firstSeen, datetime({epochMillis: row.lastSeen}) AS lastSeen
WHERE coalesce(r.appliedSeq, -1) < $seq
SET r.count = coalesce(r.count, 0) + row.count,
    r.firstSeen = CASE WHEN r.firstSeen IS NULL OR firstSeen < r.firstSeen THEN firstSeen ELSE r.firstSeen END,
    r.lastSeen = CASE WHEN r.lastSeen IS NULL OR lastSeen > r.lastSeen THEN lastSeen ELSE r.lastSeen END,
    r.appliedSeq = $seq, r.lastBatchId = $batchId
