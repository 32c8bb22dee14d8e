// Project accounts linked through shared payment methods (a test of the projection plumbing).
MATCH (a:Account)-[:PAID_WITH]->(p:PaymentMethod)
OPTIONAL MATCH (p)<-[:PAID_WITH]-(b:Account) WHERE b <> a
RETURN gds.graph.project($graphName, a, b, {}, {undirectedRelationshipTypes: ['*']})
