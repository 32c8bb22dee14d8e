// Cypher projection of the evidence linkage graph for one detection run: accounts and the shared evidence
// nodes they touch (bipartite), each account->evidence edge weighted by kind and rarity:
//   weight = kindWeight * log(N / k) / log(N / 2)   (k = accounts sharing the node, N = $accounts)
// Evidence is skipped when shared by < 2 accounts, above its kind's hub cap, marked `common`, or allow-listed.
// Params: $graphName, $accounts (N), $weights / $caps (maps by evidence kind: payment, ip, subnet,
// exact, template, nearband, upstream (prompt fingerprint kinds), sync, email), $allowPayment, $allowSubnet,
// $allowPrompt (lists of keys).
// Rows reach gds.graph.project ordered by the nodes' own keys (account id, then evidence kind and key): GDS
// numbers nodes in the order rows arrive, and Leiden's result follows that numbering, so ordering by store id
// (load order) would let the load order decide the communities (docs/scoring.md §7).
CALL () {
  MATCH (a:Account)-[:PAID_WITH]->(e:PaymentMethod)
  WHERE 2 <= e.accountCount <= $caps.payment AND NOT coalesce(e.common, false) AND NOT e.key IN $allowPayment
  RETURN a, e, 'payment' AS kind, $weights.payment AS kindWeight, e.accountCount AS k
  UNION ALL
  MATCH (a:Account)-[:SEEN_FROM]->(e:IpAddress)
  WHERE 2 <= e.accountCount <= $caps.ip AND NOT coalesce(e.common, false) AND NOT e.subnetKey IN $allowSubnet
  RETURN a, e, 'ip' AS kind, $weights.ip AS kindWeight, e.accountCount AS k
  UNION ALL
  MATCH (e:Subnet)
  WHERE 2 <= e.accountCount <= $caps.subnet AND NOT coalesce(e.common, false) AND NOT e.key IN $allowSubnet
  MATCH (a:Account)-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e)
  WITH DISTINCT a, e
  RETURN a, e, 'subnet' AS kind, $weights.subnet AS kindWeight, e.accountCount AS k
  UNION ALL
  MATCH (a:Account)-[:SENT]->(e:PromptFingerprint)
  WHERE 2 <= e.accountCount <= $caps[e.kind] AND NOT coalesce(e.common, false) AND NOT e.key IN $allowPrompt
  RETURN a, e, e.kind AS kind, $weights[e.kind] AS kindWeight, e.accountCount AS k
  UNION ALL
  MATCH (a:Account)-[:IN_SYNC_BUCKET]->(e:SyncBucket)
  WHERE 2 <= e.accountCount <= $caps.sync AND NOT coalesce(e.common, false)
  RETURN a, e, 'sync' AS kind, $weights.sync AS kindWeight, e.accountCount AS k
  UNION ALL
  MATCH (a:Account)-[:SIGNED_UP_WITH]->(e:EmailIdentity)
  WHERE 2 <= e.accountCount <= $caps.email AND NOT coalesce(e.common, false)
  RETURN a, e, 'email' AS kind, $weights.email AS kindWeight, e.accountCount AS k
}
WITH a, e, kind, kindWeight * log(toFloat($accounts) / k) / log(toFloat($accounts) / 2.0) AS weight
WHERE weight > 0
WITH a, e, kind, weight
ORDER BY a.accountId, kind, e.key
RETURN gds.graph.project($graphName, a, e, {relationshipProperties: {weight: weight}},
                         {undirectedRelationshipTypes: ['*']}) AS projection
