// Per-account results of a run, under the run's id ($runId) and invisible until it is published: one
// (:Assessment {runId, accountId}) each with risk, verdict, network id, community and the explanation (JSON
// waterfall), and MEMBER_OF to the run's own network node. $rows: {accountId, risk, verdict, networkId (null when
// none), community, explanation}. Account nodes are not written (no lock shared with the loaders but MEMBER_OF).
UNWIND $rows AS row
MERGE (s:Assessment {runId: $runId, accountId: row.accountId})
SET s.risk = row.risk, s.verdict = row.verdict, s.networkId = row.networkId, s.communityId = row.community,
    s.explanation = row.explanation
WITH row WHERE row.networkId IS NOT NULL
MATCH (a:Account {accountId: row.accountId})
MATCH (n:Network {runId: $runId, networkId: row.networkId})
MERGE (a)-[:MEMBER_OF]->(n)
