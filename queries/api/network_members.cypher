// One page of a network's members ($networkId), riskiest first (then by id): $skip, $limit. With
// $explanations, each member's stored explanation too (the JSON waterfall of the last detection run), for the
// case file. One row (none when there is no such network): size and the page.
MATCH (n:Network {networkId: $networkId})
CALL (n) {
  MATCH (a:Account)-[:MEMBER_OF]->(n)
  WITH a ORDER BY a.risk DESC, a.accountId SKIP $skip LIMIT $limit
  RETURN collect({accountId: a.accountId, verdict: coalesce(a.verdict, 'clear'), risk: coalesce(a.risk, 0.0),
                  label: a.label, status: coalesce(a.status, 'active'), createdAt: a.createdAt,
                  explanation: CASE WHEN $explanations THEN a.explanation END}) AS members
}
RETURN coalesce(n.size, 0) AS size, members
