// Purpose: The riskiest (or largest) sock-puppet networks: verdict, risk, size, how many members are banned
//   or labelled abusive, when the members were created, the run that first found the network and the last
//   run that kept it, detection's network features (JSON) and the riskiest members.
// Params:
//   $sortBy (string, default 'risk') risk | size
//   $status (string, default 'active') active | dissolved | any
//   $sample (int, default 10) how many member account ids to show per network
//   $limit (int, default 20) at most this many networks
// Example:
//   :param sortBy => 'risk';
//   :param status => 'active';
//   :param sample => 10;
//   :param limit => 20;
MATCH (published:Publication {scope: 'detection'})
MATCH (n:Network {runId: published.runId})
WHERE $status = 'any' OR n.status = $status
WITH n ORDER BY CASE $sortBy WHEN 'size' THEN n.size ELSE n.risk END DESC, n.networkId LIMIT $limit
CALL (n) {
  OPTIONAL MATCH (a:Account)-[:MEMBER_OF]->(n)
  OPTIONAL MATCH (scored:Assessment {runId: n.runId, accountId: a.accountId})
  WITH a, scored ORDER BY scored.risk DESC, a.accountId
  RETURN count(a) AS members, count(CASE WHEN a.status = 'banned' OR a.label = 'abusive' THEN 1 END) AS banned,
         min(a.createdAt) AS firstCreated, max(a.createdAt) AS lastCreated,
         collect(a.accountId)[..$sample] AS riskiestAccountIds
}
RETURN n.networkId AS networkId, n.verdict AS verdict, round(n.risk, 3) AS risk, n.size AS size, members, banned,
       firstCreated, lastCreated, n.status AS status, n.firstRunId AS firstRunId, n.lastRunId AS lastRunId,
       n.features AS features, riskiestAccountIds
ORDER BY CASE $sortBy WHEN 'size' THEN n.size ELSE n.risk END DESC, networkId
