// Account -> IP aggregates. $seq orders updates: an edge already updated by this batch (or a later one)
// is not added to again, so a resumed or repeated load counts each batch once.
UNWIND $rows AS row
MERGE (a:Account {accountId: row.accountId})
ON CREATE SET a.lastBatchId = $batchId
WITH a, row
MATCH (ip:IpAddress {key: row.ipKey})
MERGE (a)-[r:SEEN_FROM]->(ip)
WITH r, row, datetime({epochMillis: row.firstSeen}) AS firstSeen, datetime({epochMillis: row.lastSeen}) AS lastSeen
WHERE coalesce(r.appliedSeq, -1) < $seq
SET r.count = coalesce(r.count, 0) + row.count,
    r.firstSeen = CASE WHEN r.firstSeen IS NULL OR firstSeen < r.firstSeen THEN firstSeen ELSE r.firstSeen END,
    r.lastSeen = CASE WHEN r.lastSeen IS NULL OR lastSeen > r.lastSeen THEN lastSeen ELSE r.lastSeen END,
    r.appliedSeq = $seq, r.lastBatchId = $batchId
