// Payment methods, keyed by a keyed hash of the processor fingerprint; only coarse facts kept.
UNWIND $rows AS row
MERGE (a:Account {accountId: row.accountId})
ON CREATE SET a.lastBatchId = $batchId
MERGE (p:PaymentMethod {key: row.paymentKey})
SET p.brand = row.brand, p.funding = row.funding, p.bin = row.bin, p.country = row.country,
    p.lastBatchId = $batchId
MERGE (a)-[r:PAID_WITH]->(p)
SET r.addedAt = CASE WHEN row.addedAt IS NULL THEN null ELSE datetime({epochMillis: row.addedAt}) END, r.lastBatchId = $batchId
