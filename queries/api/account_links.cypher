// The accounts linked to one account ($accountId) through shared evidence, one row per (other account,
// shared evidence node): kind, key, how many accounts share it (k). Evidence that is `common` or shared by
// more accounts than its kind's hub cap ($hubCaps: map kind -> max accounts) links nothing and is skipped,
// exactly as in the linkage projection. Weights and allow-list are applied by the caller.
MATCH (a:Account {accountId: $accountId})
CALL (a) {
  MATCH (a)-[:PAID_WITH]->(e:PaymentMethod)
  WHERE NOT coalesce(e.common, false) AND e.accountCount <= $hubCaps.payment
  MATCH (e)<-[:PAID_WITH]-(b:Account) WHERE b <> a
  RETURN b, 'payment' AS kind, e.key AS key, e.accountCount AS k, null AS subnetKey
  UNION
  MATCH (a)-[:SEEN_FROM]->(e:IpAddress)
  WHERE NOT coalesce(e.common, false) AND e.accountCount <= $hubCaps.ip
  MATCH (e)<-[:SEEN_FROM]-(b:Account) WHERE b <> a
  RETURN b, 'ip' AS kind, e.key AS key, e.accountCount AS k, e.subnetKey AS subnetKey
  UNION
  MATCH (a)-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e:Subnet)
  WHERE NOT coalesce(e.common, false) AND e.accountCount <= $hubCaps.subnet
  WITH DISTINCT a, e
  MATCH (e)<-[:IN_SUBNET]-(:IpAddress)<-[:SEEN_FROM]-(b:Account) WHERE b <> a
  RETURN DISTINCT b, 'subnet' AS kind, e.key AS key, e.accountCount AS k, e.key AS subnetKey
  UNION
  MATCH (a)-[:SENT]->(e:PromptFingerprint)
  WHERE NOT coalesce(e.common, false) AND e.accountCount <= coalesce($hubCaps[e.kind], 0)
  MATCH (e)<-[:SENT]-(b:Account) WHERE b <> a
  RETURN b, e.kind AS kind, e.key AS key, e.accountCount AS k, null AS subnetKey
  UNION
  MATCH (a)-[:IN_SYNC_BUCKET]->(e:SyncBucket)
  WHERE NOT coalesce(e.common, false) AND e.accountCount <= $hubCaps.sync
  MATCH (e)<-[:IN_SYNC_BUCKET]-(b:Account) WHERE b <> a
  RETURN b, 'sync' AS kind, e.key AS key, e.accountCount AS k, null AS subnetKey
  UNION
  MATCH (a)-[:SIGNED_UP_WITH]->(e:EmailIdentity)
  WHERE NOT coalesce(e.common, false) AND e.accountCount <= $hubCaps.email
  MATCH (e)<-[:SIGNED_UP_WITH]-(b:Account) WHERE b <> a
  RETURN b, 'email' AS kind, e.key AS key, e.accountCount AS k, null AS subnetKey
}
RETURN b.accountId AS accountId, coalesce(b.verdict, 'clear') AS verdict, coalesce(b.risk, 0.0) AS risk,
       b.networkId AS networkId, kind, key, k, subnetKey
