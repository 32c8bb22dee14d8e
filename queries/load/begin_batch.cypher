// Open (or reopen, when resuming) a load batch. A batch's ordinal is fixed at its first attempt and
// orders every aggregate update it makes ($batchId = content hash of the batch files).
// Returns the ordinal and whether the batch already completed.
OPTIONAL MATCH (earlier:LoadBatch)
WITH coalesce(max(earlier.ordinal), 0) AS lastOrdinal
MERGE (b:LoadBatch {batchId: $batchId})
ON CREATE SET b.ordinal = lastOrdinal + 1, b.source = $source, b.firstStartedAt = datetime(), b.status = 'loading'
SET b.attempts = coalesce(b.attempts, 0) + 1, b.lastStartedAt = datetime()
RETURN b.ordinal AS ordinal, b.status AS status, b.attempts AS attempts
