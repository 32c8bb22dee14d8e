// Decisions already taken (ban / clear). A row's `source` is the exporter's claim (kept as claimedSource);
// the decision's provenance is the batch ($batchId) that brought it, recorded with sockhound's own time.
// The account's current label is its latest decision: by `at`, where an undated decision ranks below every
// dated one, then by recordedAt (server time), so an undated old clearance never overrides a dated ban.
UNWIND $rows AS row
MERGE (a:Account {accountId: row.accountId})
ON CREATE SET a.lastBatchId = $batchId
MERGE (d:LabelDecision {decisionKey: row.decisionKey})
ON CREATE SET d.recordedAt = datetime(), d.recordedBy = 'batch:' + $batchId, d.recordedVia = 'batch'
SET d.label = row.label, d.claimedSource = row.source, d.source = coalesce(d.recordedBy, 'batch:' + $batchId),
    d.at = CASE WHEN row.at IS NULL THEN null ELSE datetime({epochMillis: row.at}) END, d.lastBatchId = $batchId
MERGE (d)-[:ABOUT]->(a)
WITH DISTINCT a
CALL (a) {
  MATCH (latest:LabelDecision)-[:ABOUT]->(a)
  RETURN latest ORDER BY coalesce(latest.at, datetime({epochMillis: 0})) DESC,
                         coalesce(latest.recordedAt, datetime({epochMillis: 0})) DESC, latest.decisionKey DESC
  LIMIT 1
}
SET a.label = latest.label, a.labelSource = latest.source, a.labelledAt = latest.at
