// Accounts: identity and sign-up facts (timestamps arrive as epoch milliseconds). Raw emails never arrive here, nor their domains: only a keyed hash of the address.
// Later batches overwrite the facts (status changes); provenance in lastBatchId.
UNWIND $rows AS row
MERGE (a:Account {accountId: row.accountId})
SET a.createdAt = datetime({epochMillis: row.createdAt}), a.country = row.country, a.pathway = row.pathway, a.orgId = row.orgId,
    a.status = row.status, a.lastBatchId = $batchId
WITH a, row WHERE row.emailKey IS NOT NULL
MERGE (e:EmailIdentity {key: row.emailKey})
SET e.lastBatchId = $batchId
MERGE (a)-[r:SIGNED_UP_WITH]->(e)
SET r.lastBatchId = $batchId
