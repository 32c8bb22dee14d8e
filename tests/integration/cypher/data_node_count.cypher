// Nodes other than the record of applied schema migrations.
MATCH (n) WHERE NOT n:SchemaMigration RETURN count(n) AS nodes
