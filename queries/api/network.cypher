// One network ($networkId) of the published detection run: its summary, and its members ordered by risk (at
// most $memberLimit of them).
MATCH (published:Publication {scope: 'detection'})
MATCH (n:Network {runId: published.runId, networkId: $networkId})
CALL (n) {
  MATCH (a:Account)-[:MEMBER_OF]->(n)
  OPTIONAL MATCH (scored:Assessment {runId: n.runId, accountId: a.accountId})
  WITH a, scored ORDER BY scored.risk DESC, a.accountId LIMIT $memberLimit
  RETURN collect({accountId: a.accountId, verdict: coalesce(scored.verdict, 'clear'),
                  risk: coalesce(scored.risk, 0.0), label: a.label, status: coalesce(a.status, 'active'),
                  createdAt: a.createdAt}) AS members
}
RETURN n.networkId AS networkId, coalesce(n.size, 0) AS size, coalesce(n.risk, 0.0) AS risk, n.verdict AS verdict,
       coalesce(n.status, 'active') AS status, n.features AS features, n.firstRunId AS firstRunId,
       n.lastRunId AS runId, n.evidence AS evidenceRecords, members
