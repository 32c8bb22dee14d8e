// Network membership in the published run, to keep network ids stable (match by overlap). No params.
MATCH (published:Publication {scope: 'detection'})
MATCH (a:Account)-[:MEMBER_OF]->(n:Network {runId: published.runId})
RETURN n.networkId AS networkId, collect(a.accountId) AS members
