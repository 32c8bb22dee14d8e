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
// The network and verdicts are the published detection run's.
MATCH (published:Publication {scope: 'detection'})
MATCH (n:Network {runId: published.runId, networkId: $networkId})
CALL (n) {
  MATCH (a:Account)-[:MEMBER_OF]->(n)
  OPTIONAL MATCH (scored:Assessment {runId: n.runId, accountId: a.accountId})
  WITH a, scored ORDER BY scored.risk DESC, a.accountId LIMIT $memberLimit
  RETURN collect(a) AS shown, collect({accountId: a.accountId, verdict: coalesce(scored.verdict, 'clear'),
                  risk: coalesce(scored.risk, 0.0), label: a.label, status: coalesce(a.status, 'active')}) AS shownRows
}
// Each member's links are collected as its evidence is found (one pass): matching every ranked node's accounts
// again and testing `a IN shown` cost nodes x sharers x members list comparisons, seconds at 1,000 members.
CALL (shown) {
  UNWIND shown AS a
  CALL (a) {
    MATCH (a)-[r:PAID_WITH]->(e:PaymentMethod) WHERE e.accountCount >= 2
    RETURN e, 'payment' AS kind, r.count AS count, r.firstSeen AS firstSeen, r.lastSeen AS lastSeen
    UNION ALL
    MATCH (a)-[r:SEEN_FROM]->(e:IpAddress) WHERE e.accountCount >= 2
    RETURN e, 'ip' AS kind, r.count AS count, r.firstSeen AS firstSeen, r.lastSeen AS lastSeen
    UNION ALL
    MATCH (a)-[r:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(e:Subnet) WHERE e.accountCount >= 2
    RETURN e, 'subnet' AS kind, sum(r.count) AS count, min(r.firstSeen) AS firstSeen, max(r.lastSeen) AS lastSeen
    UNION ALL
    MATCH (a)-[r:SENT]->(e:PromptFingerprint) WHERE e.accountCount >= 2
    RETURN e, e.kind AS kind, r.count AS count, r.firstSeen AS firstSeen, r.lastSeen AS lastSeen
    UNION ALL
    MATCH (a)-[r:IN_SYNC_BUCKET]->(e:SyncBucket) WHERE e.accountCount >= 2
    RETURN e, 'sync' AS kind, r.count AS count, r.firstSeen AS firstSeen, r.lastSeen AS lastSeen
    UNION ALL
    MATCH (a)-[r:SIGNED_UP_WITH]->(e:EmailIdentity) WHERE e.accountCount >= 2
    RETURN e, 'email' AS kind, r.count AS count, r.firstSeen AS firstSeen, r.lastSeen AS lastSeen
  }
  WITH kind, e, collect({accountId: a.accountId, count: count, firstSeen: firstSeen, lastSeen: lastSeen}) AS links
  WITH kind, e, links, size(links) AS members
  WHERE members >= 2 AND NOT coalesce(e.common, false)
  WITH kind, e, links, members,
       CASE
         WHEN e.accountCount > coalesce($caps[kind], 0) THEN 0.0
         WHEN kind = 'payment' AND e.key IN $allowPayment THEN 0.0
         WHEN kind = 'ip' AND e.subnetKey IN $allowSubnet THEN 0.0
         WHEN kind = 'subnet' AND e.key IN $allowSubnet THEN 0.0
         WHEN kind IN ['exact', 'template', 'nearband', 'upstream'] AND e.key IN $allowPrompt THEN 0.0
         ELSE coalesce($weights[kind], 0.0) * log(toFloat($accounts) / e.accountCount) / log(toFloat($accounts) / 2.0)
       END AS weight
  ORDER BY weight * (members - 1) DESC, members DESC, e.key
  WITH kind, collect({key: e.key, sharedBy: e.accountCount, subnetKey: e.subnetKey, links: links}) AS ranked
  RETURN collect({kind: kind, available: size(ranked), nodes: ranked[..$evidencePerKind]}) AS evidence
}
RETURN coalesce(n.size, 0) AS size, shownRows AS members, evidence
