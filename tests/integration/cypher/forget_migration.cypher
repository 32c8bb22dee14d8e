// Forget that migration $version was applied (its schema stays), as a database older than this code would be.
MATCH (m:SchemaMigration {version: $version}) DELETE m
