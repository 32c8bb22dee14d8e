// What the members of one network ($networkId) share: per evidence kind, how many evidence nodes are shared
// by two or more members, the most members any one of them links, and how many of those are common hubs.
// The network as the published detection run found it.
MATCH (published:Publication {scope: 'detection'})
MATCH (n:Network {runId: published.runId, networkId: $networkId})<-[:MEMBER_OF]-(a:Account)
CALL (a) {
  MATCH (a)-[:PAID_WITH]->(e:PaymentMethod) RETURN e, 'payment' AS kind
  UNION
  MATCH (a)-[:SEEN_FROM]->(e:IpAddress) RETURN e, 'ip' AS kind
  UNION
  MATCH (a)-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e:Subnet) RETURN DISTINCT e, 'subnet' AS kind
  UNION
  MATCH (a)-[:SENT]->(e:PromptFingerprint) RETURN e, e.kind AS kind
  UNION
  MATCH (a)-[:IN_SYNC_BUCKET]->(e:SyncBucket) RETURN e, 'sync' AS kind
  UNION
  MATCH (a)-[:SIGNED_UP_WITH]->(e:EmailIdentity) RETURN e, 'email' AS kind
}
WITH kind, e, count(DISTINCT a) AS members
WHERE members >= 2
RETURN kind, count(e) AS sharedNodes, max(members) AS maxMembers,
       sum(CASE WHEN coalesce(e.common, false) THEN 1 ELSE 0 END) AS commonNodes
ORDER BY sharedNodes DESC, kind
