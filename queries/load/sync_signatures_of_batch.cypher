// The merged sync signatures of the accounts this batch touched, to compute their sync buckets.
MATCH (a:Account {lastBatchId: $batchId})
WHERE a.syncSignature IS NOT NULL
RETURN a.accountId AS accountId, a.syncSignature AS syncSignature
