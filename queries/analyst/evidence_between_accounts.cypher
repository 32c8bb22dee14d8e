// Purpose: Everything two accounts share, one row per evidence item, rarest first: its kind, its key (a
//   keyed hash, never a raw value), how many accounts share it, whether it is marked common, and how much
//   each of the two used it (requests and first / last seen, where the edge records them).
// Params:
//   $accountId (string) the first account
//   $otherId (string) the second account
//   $limit (int, default 100) at most this many items
// Example:
//   :param accountId => 'ring-a-00';
//   :param otherId => 'ring-a-03';
//   :param limit => 100;
MATCH (a:Account {accountId: $accountId}), (b:Account {accountId: $otherId})
CALL (a, b) {
  MATCH (a)-[ra:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]->(e)
        <-[rb:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]-(b)
  RETURN CASE WHEN e:PaymentMethod THEN 'payment' WHEN e:IpAddress THEN 'ip' WHEN e:SyncBucket THEN 'sync'
              WHEN e:EmailIdentity THEN 'email' ELSE e.kind END AS kind,
         e, ra.count AS requestsA, rb.count AS requestsB, ra.firstSeen AS firstA, rb.firstSeen AS firstB,
         ra.lastSeen AS lastA, rb.lastSeen AS lastB
  UNION ALL
  MATCH (a)-[ra:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e:Subnet)
  WITH b, e, sum(ra.count) AS requestsA, min(ra.firstSeen) AS firstA, max(ra.lastSeen) AS lastA
  MATCH (b)-[rb:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e)
  WITH e, requestsA, firstA, lastA, sum(rb.count) AS requestsB, min(rb.firstSeen) AS firstB,
       max(rb.lastSeen) AS lastB
  RETURN 'subnet' AS kind, e, requestsA, requestsB, firstA, firstB, lastA, lastB
}
RETURN kind, e.key AS key, e.accountCount AS sharedBy, coalesce(e.common, false) AS common,
       requestsA, requestsB, CASE WHEN firstB < firstA THEN firstB ELSE coalesce(firstA, firstB) END AS firstSeen,
       CASE WHEN lastB > lastA THEN lastB ELSE coalesce(lastA, lastB) END AS lastSeen
ORDER BY common, sharedBy, kind, key
LIMIT $limit
