// Account -> model request counts (model mix), guarded by $seq.
UNWIND $rows AS row
MERGE (a:Account {accountId: row.accountId})
ON CREATE SET a.lastBatchId = $batchId
MERGE (m:Model {name: row.model})
MERGE (a)-[r:USED_MODEL]->(m)
WITH r, row WHERE coalesce(r.appliedSeq, -1) < $seq
SET r.count = coalesce(r.count, 0) + row.count, r.appliedSeq = $seq, r.lastBatchId = $batchId
