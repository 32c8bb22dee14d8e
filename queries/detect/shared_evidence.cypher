// What two accounts ($accountId, $otherId) share: one row per shared evidence node with its kind, how many
// accounts share it and whether it is common. Allow-list filtering and weights are applied by the caller.
MATCH (a:Account {accountId: $accountId}), (b:Account {accountId: $otherId})
CALL (a, b) {
  MATCH (a)-[:PAID_WITH]->(e:PaymentMethod)<-[:PAID_WITH]-(b)
  RETURN 'payment' AS kind, e.key AS key, e.accountCount AS k, coalesce(e.common, false) AS common, null AS subnetKey
  UNION
  MATCH (a)-[:SEEN_FROM]->(e:IpAddress)<-[:SEEN_FROM]-(b)
  RETURN 'ip' AS kind, e.key AS key, e.accountCount AS k, coalesce(e.common, false) AS common, e.subnetKey AS subnetKey
  UNION
  MATCH (a)-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e:Subnet)<-[:IN_SUBNET]-(:IpAddress)<-[:SEEN_FROM]-(b)
  RETURN DISTINCT 'subnet' AS kind, e.key AS key, e.accountCount AS k, coalesce(e.common, false) AS common,
         e.key AS subnetKey
  UNION
  MATCH (a)-[:SENT]->(e:PromptFingerprint)<-[:SENT]-(b)
  RETURN e.kind AS kind, e.key AS key, e.accountCount AS k, coalesce(e.common, false) AS common, null AS subnetKey
  UNION
  MATCH (a)-[:IN_SYNC_BUCKET]->(e:SyncBucket)<-[:IN_SYNC_BUCKET]-(b)
  RETURN 'sync' AS kind, e.key AS key, e.accountCount AS k, coalesce(e.common, false) AS common, null AS subnetKey
  UNION
  MATCH (a)-[:SIGNED_UP_WITH]->(e:EmailIdentity)<-[:SIGNED_UP_WITH]-(b)
  RETURN 'email' AS kind, e.key AS key, e.accountCount AS k, coalesce(e.common, false) AS common, null AS subnetKey
}
RETURN kind, key, k, common, subnetKey
