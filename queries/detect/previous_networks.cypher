// Current network membership from earlier runs, to keep network ids stable (match by overlap). No params.
MATCH (a:Account)-[:MEMBER_OF]->(n:Network)
RETURN n.networkId AS networkId, collect(a.accountId) AS members
