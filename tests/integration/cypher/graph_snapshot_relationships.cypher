// Every relationship: type, properties, and the properties of both ends (recordedAt blanked, as for nodes).
MATCH (a)-[r]->(b)
RETURN type(r) AS type, r {.*, recordedAt: null} AS properties, a {.*, recordedAt: null} AS source,
       b {.*, recordedAt: null} AS target
