// Purpose: The accounts linked to one account by rare shared evidence, most strongly linked first: which
//   kinds they share (payment, email, ip, subnet, sync, exact / template / nearband / upstream prompt
//   fingerprints), how many items, how rare the rarest is, and where detection put them.
// Params:
//   $accountId (string) the account to start from
//   $maxSharedBy (int, default 100) ignore evidence shared by more accounts than this (and common evidence)
//   $limit (int, default 100) at most this many linked accounts
// Example:
//   :param accountId => 'ring-a-00';
//   :param maxSharedBy => 100;
//   :param limit => 100;
MATCH (a:Account {accountId: $accountId})
CALL (a) {
  MATCH (a)-[:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]->(e)
        <-[:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]-(b:Account)
  WHERE 2 <= e.accountCount <= $maxSharedBy AND NOT coalesce(e.common, false) AND b <> a
  RETURN b, CASE WHEN e:PaymentMethod THEN 'payment' WHEN e:IpAddress THEN 'ip' WHEN e:SyncBucket THEN 'sync'
                 WHEN e:EmailIdentity THEN 'email' ELSE e.kind END AS kind, e.accountCount AS sharedBy
  UNION ALL
  MATCH (a)-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e:Subnet)
  WHERE 2 <= e.accountCount <= $maxSharedBy AND NOT coalesce(e.common, false)
  WITH DISTINCT a, e
  MATCH (e)<-[:IN_SUBNET]-(:IpAddress)<-[:SEEN_FROM]-(b:Account)
  WHERE b <> a
  WITH DISTINCT b, e
  RETURN b, 'subnet' AS kind, e.accountCount AS sharedBy
}
WITH b, count(*) AS sharedItems, collect(DISTINCT kind) AS shared, min(sharedBy) AS rarestSharedBy
WITH b, sharedItems, rarestSharedBy,
     [kind IN ['payment', 'email', 'sync', 'ip', 'subnet', 'exact', 'template', 'nearband', 'upstream']
      WHERE kind IN shared] AS kinds
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: b.accountId})
RETURN b.accountId AS accountId, kinds, sharedItems, rarestSharedBy, b.status AS status, b.label AS label,
       scored.verdict AS verdict, round(scored.risk, 3) AS risk, scored.networkId AS networkId,
       b.createdAt AS createdAt
ORDER BY size(kinds) DESC, sharedItems DESC, rarestSharedBy, accountId
LIMIT $limit
