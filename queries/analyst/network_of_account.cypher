// Purpose: The sock-puppet network an account belongs to, with every member (status, label, verdict, risk),
//   riskiest first. An account in no network comes back alone, with an empty networkId.
// Params:
//   $accountId (string) the account to start from
//   $limit (int, default 200) at most this many members
// Example:
//   :param accountId => 'ring-a-03';
//   :param limit => 200;
MATCH (a:Account {accountId: $accountId})
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (a)-[:MEMBER_OF]->(n:Network {runId: published.runId})
OPTIONAL MATCH (member:Account)-[:MEMBER_OF]->(n)
WITH published, n, coalesce(member, a) AS m
OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: m.accountId})
RETURN n.networkId AS networkId, n.verdict AS networkVerdict, round(n.risk, 3) AS networkRisk,
       n.size AS networkSize, m.accountId AS accountId, m.status AS status, m.label AS label,
       scored.verdict AS verdict, round(scored.risk, 3) AS risk, m.createdAt AS createdAt
ORDER BY scored.risk DESC, accountId
LIMIT $limit
