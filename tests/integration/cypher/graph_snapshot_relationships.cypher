// Every relationship: type, properties, and the properties of both ends.
MATCH (a)-[r]->(b)
RETURN type(r) AS type, properties(r) AS properties, properties(a) AS source, properties(b) AS target
