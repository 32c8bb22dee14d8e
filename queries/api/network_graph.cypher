// The evidence graph of one network ($networkId) for the network page: its riskiest $memberLimit members and
// the evidence nodes two or more of them share (never `common` ones), each with its edges to those members.
// Per kind, at most $evidencePerKind nodes, those supplying the most linkage first: rarity weight
// ($weights[kind] * log(N / k) / log(N / 2), N = $accounts, k = accounts sharing the node; 0 above the kind's
// hub cap $caps[kind] or when allow-listed: $allowPayment, $allowSubnet, $allowPrompt keys) times the member
// links it supplies (members - 1), then the most members, then the key.
// One row (none when there is no such network): size, members [{accountId, verdict, risk, label, status}]
// (riskiest first), evidence [{kind, available (shared nodes of the kind before the cap), nodes [{key, sharedBy
// (k), subnetKey (an address's), links [{accountId, count, firstSeen, lastSeen}]}]}]. Link facts are the relationship's aggregates
// (SEEN_FROM, SENT; a subnet's are summed over its addresses), null where it has none.
MATCH (n:Network {networkId: $networkId})
CALL (n) {
  MATCH (a:Account)-[:MEMBER_OF]->(n)
  WITH a ORDER BY a.risk DESC, a.accountId LIMIT $memberLimit
  RETURN collect(a) AS shown
}
CALL (shown) {
  UNWIND shown AS a
  CALL (a) {
    MATCH (a)-[:PAID_WITH]->(e:PaymentMethod) WHERE e.accountCount >= 2 RETURN e, 'payment' AS kind
    UNION ALL
    MATCH (a)-[:SEEN_FROM]->(e:IpAddress) WHERE e.accountCount >= 2 RETURN e, 'ip' AS kind
    UNION ALL
    MATCH (a)-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e:Subnet) WHERE e.accountCount >= 2
    RETURN DISTINCT e, 'subnet' AS kind
    UNION ALL
    MATCH (a)-[:SENT]->(e:PromptFingerprint) WHERE e.accountCount >= 2 RETURN e, e.kind AS kind
    UNION ALL
    MATCH (a)-[:IN_SYNC_BUCKET]->(e:SyncBucket) WHERE e.accountCount >= 2 RETURN e, 'sync' AS kind
    UNION ALL
    MATCH (a)-[:SIGNED_UP_WITH]->(e:EmailIdentity) WHERE e.accountCount >= 2 RETURN e, 'email' AS kind
  }
  WITH kind, e, count(*) AS members
  WHERE members >= 2 AND NOT coalesce(e.common, false)
  WITH kind, e, members,
       CASE
         WHEN e.accountCount > coalesce($caps[kind], 0) THEN 0.0
         WHEN kind = 'payment' AND e.key IN $allowPayment THEN 0.0
         WHEN kind = 'ip' AND e.subnetKey IN $allowSubnet THEN 0.0
         WHEN kind = 'subnet' AND e.key IN $allowSubnet THEN 0.0
         WHEN kind IN ['exact', 'template', 'nearband', 'upstream'] AND e.key IN $allowPrompt THEN 0.0
         ELSE coalesce($weights[kind], 0.0) * log(toFloat($accounts) / e.accountCount) / log(toFloat($accounts) / 2.0)
       END AS weight
  ORDER BY weight * (members - 1) DESC, members DESC, e.key
  WITH kind, collect(e) AS ranked
  CALL (ranked, shown) {
    UNWIND ranked[..$evidencePerKind] AS e
    CALL (e, shown) {
      MATCH (e)<-[r:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]-(a:Account) WHERE a IN shown
      RETURN a, r.count AS count, r.firstSeen AS firstSeen, r.lastSeen AS lastSeen
      UNION ALL
      MATCH (e:Subnet)<-[:IN_SUBNET]-(:IpAddress)<-[r:SEEN_FROM]-(a:Account) WHERE a IN shown
      RETURN a, sum(r.count) AS count, min(r.firstSeen) AS firstSeen, max(r.lastSeen) AS lastSeen
    }
    WITH e, collect({accountId: a.accountId, count: count, firstSeen: firstSeen, lastSeen: lastSeen}) AS links
    RETURN collect({key: e.key, sharedBy: e.accountCount, subnetKey: e.subnetKey, links: links}) AS nodes
  }
  RETURN collect({kind: kind, available: size(ranked), nodes: nodes}) AS evidence
}
RETURN coalesce(n.size, 0) AS size,
       [a IN shown | {accountId: a.accountId, verdict: coalesce(a.verdict, 'clear'), risk: coalesce(a.risk, 0.0),
                      label: a.label, status: coalesce(a.status, 'active')}] AS members,
       evidence
