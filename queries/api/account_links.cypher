// The accounts linked to one account ($accountId) through shared evidence, strongest link first, one page of
// them ($skip, $limit) and how many there are in all. Evidence that is `common` or shared by more accounts than
// its kind's hub cap ($hubCaps: kind -> max accounts) links nothing and is skipped, exactly as in the linkage
// projection; allow-listed evidence ($allowed: {payment, subnet, prompt} -> keys) weighs 0. Each shared node
// weighs $kindWeights[kind] * log(N / k) / log(N / 2) (k accounts share it, N accounts in all), as
// `detect.explain.rarity_weight`; a link weighs the sum. Each link lists its $maxShared heaviest items and
// how many there are. Everything is ranked and paged here, so only one page travels to the API. Verdicts, risks
// and networks are the published detection run's.
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
WITH b, kind, key, k,
     (kind = 'payment' AND key IN $allowed.payment)
     OR (kind IN ['ip', 'subnet'] AND subnetKey IN $allowed.subnet)
     OR (kind IN ['exact', 'template', 'nearband', 'upstream'] AND key IN $allowed.prompt) AS listed
CALL () { MATCH (every:Account) RETURN toFloat(count(every)) AS accounts }
WITH b, kind, key, k, listed,
     CASE WHEN listed OR k < 2 OR accounts <= 2 THEN 0.0
          ELSE coalesce($kindWeights[kind], 0.0) * log(accounts / k) / log(accounts / 2.0) END AS rawWeight
WITH b, kind, key, k, listed, CASE WHEN rawWeight < 0 THEN 0.0 ELSE rawWeight END AS weight
ORDER BY weight DESC, kind, key
WITH b, collect({kind: kind, key: key, sharedBy: coalesce(k, 0), weight: weight,
                 ignored: CASE WHEN listed THEN 'allow-listed' ELSE null END}) AS shared
WITH b, shared, reduce(total = 0.0, item IN shared | total + item.weight) AS linkWeight
ORDER BY linkWeight DESC, b.accountId
WITH collect({account: b, shared: shared, linkWeight: linkWeight}) AS links
OPTIONAL MATCH (published:Publication {scope: 'detection'})
WITH size(links) AS total, links[$skip..($skip + $limit)] AS page, published.runId AS runId
RETURN total, COLLECT {
         UNWIND range(0, size(page) - 1) AS position
         WITH page[position] AS link, position
         OPTIONAL MATCH (scored:Assessment {runId: runId, accountId: link.account.accountId})
         WITH link, scored ORDER BY position
         RETURN {accountId: link.account.accountId, verdict: coalesce(scored.verdict, 'clear'),
                 risk: coalesce(scored.risk, 0.0), networkId: scored.networkId, linkWeight: link.linkWeight,
                 sharedCount: size(link.shared), shared: link.shared[..$maxShared]} AS shown
       } AS links
