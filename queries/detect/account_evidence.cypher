// Per account and evidence kind: how much rare shared evidence it has (the same filters and weights as
// detect/project_linkage). One row per (account, kind): items, rarest (smallest k), weight (sum over items).
// Params: $accounts, $weights, $caps, $allowPayment, $allowSubnet, $allowPrompt (see detect/project_linkage).
CALL () {
  MATCH (a:Account)-[:PAID_WITH]->(e:PaymentMethod)
  WHERE 2 <= e.accountCount <= $caps.payment AND NOT coalesce(e.common, false) AND NOT e.key IN $allowPayment
  RETURN a, 'payment' AS kind, e.accountCount AS k
  UNION ALL
  MATCH (a:Account)-[:SEEN_FROM]->(e:IpAddress)
  WHERE 2 <= e.accountCount <= $caps.ip AND NOT coalesce(e.common, false) AND NOT e.subnetKey IN $allowSubnet
  RETURN a, 'ip' AS kind, e.accountCount AS k
  UNION ALL
  MATCH (e:Subnet)
  WHERE 2 <= e.accountCount <= $caps.subnet AND NOT coalesce(e.common, false) AND NOT e.key IN $allowSubnet
  MATCH (a:Account)-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e)
  WITH DISTINCT a, e
  RETURN a, 'subnet' AS kind, e.accountCount AS k
  UNION ALL
  MATCH (a:Account)-[:SENT]->(e:PromptFingerprint)
  WHERE 2 <= e.accountCount <= $caps[e.kind] AND NOT coalesce(e.common, false) AND NOT e.key IN $allowPrompt
  RETURN a, e.kind AS kind, e.accountCount AS k
  UNION ALL
  MATCH (a:Account)-[:IN_SYNC_BUCKET]->(e:SyncBucket)
  WHERE 2 <= e.accountCount <= $caps.sync AND NOT coalesce(e.common, false)
  RETURN a, 'sync' AS kind, e.accountCount AS k
  UNION ALL
  MATCH (a:Account)-[:SIGNED_UP_WITH]->(e:EmailIdentity)
  WHERE 2 <= e.accountCount <= $caps.email AND NOT coalesce(e.common, false)
  RETURN a, 'email' AS kind, e.accountCount AS k
}
WITH a, kind, k, $weights[kind] * log(toFloat($accounts) / k) / log(toFloat($accounts) / 2.0) AS weight
WHERE weight > 0
RETURN a.accountId AS accountId, kind, count(*) AS items, min(k) AS rarest, sum(weight) AS weight
