// The networks the published detection run kept (status active): id, size (members), mean member risk, verdict and
// the features JSON written by detect/write_networks, largest risk first. No params.
MATCH (published:Publication {scope: 'detection'})
MATCH (n:Network {runId: published.runId})
WHERE coalesce(n.status, 'active') = 'active'
RETURN n.networkId AS networkId, n.size AS size, n.risk AS risk, n.verdict AS verdict, n.features AS features
ORDER BY risk DESC, size DESC, networkId
