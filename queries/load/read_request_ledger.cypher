// Request-id hashes counted by every other batch.
MATCH (l:RequestLedger)
WHERE l.batchId <> $batchId
RETURN l.requestHashes AS requestHashes
