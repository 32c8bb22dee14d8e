// One page of a network's members ($networkId) in the published detection run, riskiest first (then by id):
// $skip, $limit. With $explanations, each member's stored explanation too (the JSON waterfall of that run), for
// the case file. One row (none when there is no such network): size and the page.
MATCH (published:Publication {scope: 'detection'})
MATCH (n:Network {runId: published.runId, networkId: $networkId})
CALL (n) {
  MATCH (a:Account)-[:MEMBER_OF]->(n)
  OPTIONAL MATCH (scored:Assessment {runId: n.runId, accountId: a.accountId})
  WITH a, scored ORDER BY scored.risk DESC, a.accountId SKIP $skip LIMIT $limit
  RETURN collect({accountId: a.accountId, verdict: coalesce(scored.verdict, 'clear'),
                  risk: coalesce(scored.risk, 0.0), label: a.label, status: coalesce(a.status, 'active'),
                  createdAt: a.createdAt,
                  explanation: CASE WHEN $explanations THEN scored.explanation END}) AS members
}
RETURN coalesce(n.size, 0) AS size, members
