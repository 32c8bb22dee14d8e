// Networks of the published detection run ordered by risk (highest first), filtered by $verdict (null: any),
// $status (null: any) and $minRisk; keyset pagination after ($afterRisk, $afterNetworkId) (both null for the
// first page); $limit rows.
MATCH (published:Publication {scope: 'detection'})
MATCH (n:Network {runId: published.runId})
WHERE ($verdict IS NULL OR n.verdict = $verdict)
  AND ($status IS NULL OR coalesce(n.status, 'active') = $status)
  AND coalesce(n.risk, 0.0) >= $minRisk
  AND ($afterRisk IS NULL OR coalesce(n.risk, 0.0) < $afterRisk
       OR (coalesce(n.risk, 0.0) = $afterRisk AND n.networkId > $afterNetworkId))
RETURN n.networkId AS networkId, coalesce(n.size, 0) AS size, coalesce(n.risk, 0.0) AS risk, n.verdict AS verdict,
       coalesce(n.status, 'active') AS status, n.lastRunId AS runId
ORDER BY risk DESC, networkId
LIMIT $limit
