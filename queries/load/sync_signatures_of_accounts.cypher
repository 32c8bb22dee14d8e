// The merged (all batches) sync signatures of $accountIds, to compute their sync buckets, and whether each
// account is in a sync bucket now (its buckets are then replaced, even by none).
UNWIND $accountIds AS accountId
MATCH (a:Account {accountId: accountId})
WHERE a.syncSignature IS NOT NULL
RETURN a.accountId AS accountId, a.syncSignature AS syncSignature,
       EXISTS { (a)-[:IN_SYNC_BUCKET]->(:SyncBucket) } AS hasBuckets
