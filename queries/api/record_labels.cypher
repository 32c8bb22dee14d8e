// Label decisions made through the API (ban / clearance). $rows: {accountId, label, source, at (epoch ms),
// decisionKey}; $recordedBy: the API key's name. Accounts must exist (MATCH). The account's current label
// becomes its latest decision, which the next detection run reads (abusive seeds, label features).
UNWIND $rows AS row
MATCH (a:Account {accountId: row.accountId})
MERGE (d:LabelDecision {decisionKey: row.decisionKey})
SET d.label = row.label, d.source = row.source, d.at = datetime({epochMillis: row.at}),
    d.recordedBy = $recordedBy, d.recordedVia = 'api'
MERGE (d)-[:ABOUT]->(a)
WITH DISTINCT a
CALL (a) {
  MATCH (latest:LabelDecision)-[:ABOUT]->(a)
  RETURN latest ORDER BY latest.at DESC, latest.decisionKey DESC LIMIT 1
}
SET a.label = latest.label, a.labelSource = latest.source, a.labelledAt = latest.at
RETURN a.accountId AS accountId, a.label AS label
