// Versions of the Neo4j server and the GDS library it runs.
CALL dbms.components() YIELD versions
RETURN versions[0] AS neo4j, gds.version() AS gds
