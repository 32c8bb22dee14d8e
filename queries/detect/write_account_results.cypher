// Per-account results of a run: risk, verdict, network id, community and the explanation (JSON waterfall).
// $rows: {accountId, risk, verdict, networkId (null when none), community, explanation}; $runId.
UNWIND $rows AS row
MATCH (a:Account {accountId: row.accountId})
SET a.risk = row.risk, a.verdict = row.verdict, a.networkId = row.networkId, a.communityId = row.community,
    a.explanation = row.explanation, a.detectionRunId = $runId
WITH a, row WHERE row.networkId IS NOT NULL
MATCH (n:Network {networkId: row.networkId})
MERGE (a)-[:MEMBER_OF]->(n)
