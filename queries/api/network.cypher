// One network ($networkId): its summary, and its members ordered by risk (at most $memberLimit of them).
MATCH (n:Network {networkId: $networkId})
CALL (n) {
  MATCH (a:Account)-[:MEMBER_OF]->(n)
  WITH a ORDER BY a.risk DESC, a.accountId LIMIT $memberLimit
  RETURN collect({accountId: a.accountId, verdict: coalesce(a.verdict, 'clear'), risk: coalesce(a.risk, 0.0),
                  label: a.label, status: coalesce(a.status, 'active'), createdAt: a.createdAt}) AS members
}
RETURN n.networkId AS networkId, coalesce(n.size, 0) AS size, coalesce(n.risk, 0.0) AS risk, n.verdict AS verdict,
       coalesce(n.status, 'active') AS status, n.features AS features, n.firstRunId AS firstRunId,
       n.runId AS runId, n.evidence AS evidenceRecords, members
