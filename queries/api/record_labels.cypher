// Label decisions made through the API (ban / clearance). $rows: {accountId, label, claimedSource (the
// client's claim, may be null), at (epoch ms), decisionKey}; $recordedBy: the API key's name, which is the
// decision's provenance (`source`). Accounts must exist (MATCH). The account's current label becomes its latest
// decision (by `at`, undated ones last, then recordedAt, server time), which the next detection run reads.
UNWIND $rows AS row
MATCH (a:Account {accountId: row.accountId})
MERGE (d:LabelDecision {decisionKey: row.decisionKey})
ON CREATE SET d.recordedAt = datetime()
SET d.label = row.label, d.source = $recordedBy, d.claimedSource = row.claimedSource,
    d.at = datetime({epochMillis: row.at}), d.recordedBy = $recordedBy, d.recordedVia = 'api'
MERGE (d)-[:ABOUT]->(a)
WITH DISTINCT a
CALL (a) {
  MATCH (latest:LabelDecision)-[:ABOUT]->(a)
  RETURN latest ORDER BY coalesce(latest.at, datetime({epochMillis: 0})) DESC,
                         coalesce(latest.recordedAt, datetime({epochMillis: 0})) DESC, latest.decisionKey DESC
  LIMIT 1
}
SET a.label = latest.label, a.labelSource = latest.source, a.labelledAt = latest.at
RETURN a.accountId AS accountId, a.label AS label
