// The status of every load batch.
MATCH (b:LoadBatch) RETURN b.batchId AS batchId, b.status AS status
