// Replace an account's sync buckets (LSH bands of its merged activity sketch): $rows of
// {accountId, bucketKeys: [..]}. Idempotent: the result depends only on the current signature.
UNWIND $rows AS row
MATCH (a:Account {accountId: row.accountId})
OPTIONAL MATCH (a)-[old:IN_SYNC_BUCKET]->()
DELETE old
WITH DISTINCT a, row
UNWIND row.bucketKeys AS bucketKey
MERGE (s:SyncBucket {key: bucketKey})
SET s.lastBatchId = $batchId
CREATE (a)-[:IN_SYNC_BUCKET]->(s)
