// The request ids a batch counted, as 64-bit hashes in shards (so a later batch does not count them again).
MERGE (l:RequestLedger {batchId: $batchId, shard: $shard})
SET l.requestHashes = $requestHashes, l.size = size($requestHashes)
