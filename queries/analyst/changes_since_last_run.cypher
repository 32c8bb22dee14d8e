// Purpose: What changed at and since the published detection run: the run and the one before it (their
//   counts), the networks the last run found for the first time or dissolved, the loads completed after it
//   started, the label decisions those loads brought and the accounts the last run has not scored yet.
//   One row per change: change, subject (run, network, batch or account id), detail, at.
// Params:
//   $limit (int, default 200) at most this many rows
// Example:
//   :param limit => 200;
MATCH (published:Publication {scope: 'detection'})
MATCH (last:DetectionRun {runId: published.runId})
OPTIONAL MATCH (previous:DetectionRun {runId: published.previousRunId})
CALL (last, previous) {
  UNWIND [r IN [last, previous] WHERE r IS NOT NULL] AS r
  RETURN CASE WHEN r = last THEN 'last run' ELSE 'previous run' END AS change, r.runId AS subject,
         r.counts AS detail, r.startedAt AS at
  UNION ALL
  MATCH (n:Network {runId: last.runId, firstRunId: last.runId})
  RETURN 'network new' AS change, n.networkId AS subject,
         n.verdict + ', ' + toString(n.size) + ' accounts, risk ' + toString(round(n.risk, 3)) AS detail,
         n.createdAt AS at
  UNION ALL
  MATCH (n:Network {runId: last.runId, dissolvedRunId: last.runId})
  RETURN 'network dissolved' AS change, n.networkId AS subject,
         'had ' + toString(n.size) + ' accounts, first found by ' + n.firstRunId AS detail, n.updatedAt AS at
  UNION ALL
  MATCH (batch:LoadBatch)
  WHERE batch.completedAt > last.startedAt
  RETURN 'load' AS change, batch.batchId AS subject,
         toString(COUNT { (:Account {lastBatchId: batch.batchId}) }) + ' accounts touched, from '
         + coalesce(batch.source, '?') AS detail, batch.completedAt AS at
  UNION ALL
  MATCH (batch:LoadBatch)
  WHERE batch.completedAt > last.startedAt
  MATCH (decision:LabelDecision {lastBatchId: batch.batchId})-[:ABOUT]->(a:Account)
  RETURN 'label' AS change, a.accountId AS subject, decision.label + ' by ' + coalesce(decision.source, '?') AS detail,
         decision.at AS at
  UNION ALL
  MATCH (batch:LoadBatch)
  WHERE batch.completedAt > last.startedAt
  MATCH (a:Account {lastBatchId: batch.batchId})
  WHERE NOT EXISTS { MATCH (:Assessment {runId: last.runId, accountId: a.accountId}) }
  RETURN 'account not scored' AS change, a.accountId AS subject,
         coalesce(a.status, 'active') + ', created ' + coalesce(toString(a.createdAt), '?') AS detail,
         batch.completedAt AS at
}
RETURN change, subject, detail, at
LIMIT $limit
