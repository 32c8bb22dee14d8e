// Empty the graph (small test graphs only), except the record of applied schema migrations: the schema stays.
MATCH (n) WHERE NOT n:SchemaMigration DETACH DELETE n
