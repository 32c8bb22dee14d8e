// Evidence mix of networks: per network of $networkIds and evidence kind, the evidence nodes shared by two or
// more of its members, filtered and rarity-weighted exactly as detect/project_linkage weights them
// (k = accounts sharing the node, N = $accounts: weight = kindWeight * log(N / k) / log(N / 2); skipped when
// k < 2, above the kind's hub cap, `common` or allow-listed). A node shared by m members contributes
// weight * (m - 1): the member links it supplies. One row per (networkId, kind): items (shared nodes),
// links (sum of m - 1) and weight (sum of weight * (m - 1)).
// Params: $networkIds, $accounts, $weights, $caps, $allowPayment, $allowSubnet, $allowPrompt (see
// detect/project_linkage).
// Networks and members are the published detection run's.
MATCH (published:Publication {scope: 'detection'})
UNWIND $networkIds AS networkId
MATCH (:Network {runId: published.runId, networkId: networkId})<-[:MEMBER_OF]-(a:Account)
CALL (a) {
  MATCH (a)-[:PAID_WITH]->(e:PaymentMethod)
  WHERE 2 <= e.accountCount <= $caps.payment AND NOT coalesce(e.common, false) AND NOT e.key IN $allowPayment
  RETURN e, 'payment' AS kind
  UNION ALL
  MATCH (a)-[:SEEN_FROM]->(e:IpAddress)
  WHERE 2 <= e.accountCount <= $caps.ip AND NOT coalesce(e.common, false) AND NOT e.subnetKey IN $allowSubnet
  RETURN e, 'ip' AS kind
  UNION ALL
  MATCH (a)-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e:Subnet)
  WHERE 2 <= e.accountCount <= $caps.subnet AND NOT coalesce(e.common, false) AND NOT e.key IN $allowSubnet
  RETURN DISTINCT e, 'subnet' AS kind
  UNION ALL
  MATCH (a)-[:SENT]->(e:PromptFingerprint)
  WHERE 2 <= e.accountCount <= $caps[e.kind] AND NOT coalesce(e.common, false) AND NOT e.key IN $allowPrompt
  RETURN e, e.kind AS kind
  UNION ALL
  MATCH (a)-[:IN_SYNC_BUCKET]->(e:SyncBucket)
  WHERE 2 <= e.accountCount <= $caps.sync AND NOT coalesce(e.common, false)
  RETURN e, 'sync' AS kind
  UNION ALL
  MATCH (a)-[:SIGNED_UP_WITH]->(e:EmailIdentity)
  WHERE 2 <= e.accountCount <= $caps.email AND NOT coalesce(e.common, false)
  RETURN e, 'email' AS kind
}
WITH networkId, kind, e, count(DISTINCT a) AS members
WHERE members >= 2
WITH networkId, kind, members - 1 AS links,
     $weights[kind] * log(toFloat($accounts) / e.accountCount) / log(toFloat($accounts) / 2.0) AS weight
WHERE weight > 0
RETURN networkId, kind, count(*) AS items, sum(links) AS links, sum(weight * links) AS weight
ORDER BY networkId, kind
