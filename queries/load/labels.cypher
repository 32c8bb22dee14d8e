// Decisions already taken (ban / clear). The account's current label is its latest decision.
UNWIND $rows AS row
MERGE (a:Account {accountId: row.accountId})
ON CREATE SET a.lastBatchId = $batchId
MERGE (d:LabelDecision {decisionKey: row.decisionKey})
SET d.label = row.label, d.source = row.source,
    d.at = CASE WHEN row.at IS NULL THEN null ELSE datetime({epochMillis: row.at}) END, d.lastBatchId = $batchId
MERGE (d)-[:ABOUT]->(a)
WITH DISTINCT a
CALL (a) {
  MATCH (latest:LabelDecision)-[:ABOUT]->(a)
  RETURN latest ORDER BY latest.at DESC, latest.decisionKey DESC LIMIT 1
}
SET a.label = latest.label, a.labelSource = latest.source, a.labelledAt = latest.at
