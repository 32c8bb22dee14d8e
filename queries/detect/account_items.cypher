// Every rare shared evidence item an account touches (the same filters as detect/project_linkage: shared by
// 2..cap accounts, not `common`, not allow-listed), as columns: the account's node id, the item's node id,
// its evidence kind and k (how many accounts share it). The network model reads these to see what members
// of one community share, and how often chance alone would give it.
// Params: $caps, $allowPayment, $allowSubnet, $allowPrompt (see detect/project_linkage).
CALL () {
  MATCH (a:Account)-[:PAID_WITH]->(e:PaymentMethod)
  WHERE 2 <= e.accountCount <= $caps.payment AND NOT coalesce(e.common, false) AND NOT e.key IN $allowPayment
  RETURN a, e, 'payment' AS kind
  UNION ALL
  MATCH (a:Account)-[:SEEN_FROM]->(e:IpAddress)
  WHERE 2 <= e.accountCount <= $caps.ip AND NOT coalesce(e.common, false) AND NOT e.subnetKey IN $allowSubnet
  RETURN a, e, 'ip' AS kind
  UNION ALL
  MATCH (e:Subnet)
  WHERE 2 <= e.accountCount <= $caps.subnet AND NOT coalesce(e.common, false) AND NOT e.key IN $allowSubnet
  MATCH (a:Account)-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e)
  WITH DISTINCT a, e
  RETURN a, e, 'subnet' AS kind
  UNION ALL
  MATCH (a:Account)-[:SENT]->(e:PromptFingerprint)
  WHERE 2 <= e.accountCount <= $caps[e.kind] AND NOT coalesce(e.common, false) AND NOT e.key IN $allowPrompt
  RETURN a, e, e.kind AS kind
  UNION ALL
  MATCH (a:Account)-[:IN_SYNC_BUCKET]->(e:SyncBucket)
  WHERE 2 <= e.accountCount <= $caps.sync AND NOT coalesce(e.common, false)
  RETURN a, e, 'sync' AS kind
  UNION ALL
  MATCH (a:Account)-[:SIGNED_UP_WITH]->(e:EmailIdentity)
  WHERE 2 <= e.accountCount <= $caps.email AND NOT coalesce(e.common, false)
  RETURN a, e, 'email' AS kind
}
// in the order of the items' own keys and the accounts' ids, never store ids (load order): pairs sample
// partners of large items in this order (detect/pairs.py), and item codes are taken from it
WITH a, e, kind
ORDER BY kind, e.key, a.accountId
WITH id(a) AS account, id(e) AS item, kind, e.accountCount AS k
RETURN collect(account) AS accounts, collect(item) AS items, collect(kind) AS kinds, collect(k) AS ks
