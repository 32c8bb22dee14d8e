// The schema migrations already applied to this database, with their checksums.
MATCH (m:SchemaMigration)
RETURN m.version AS version, m.name AS name, m.checksum AS checksum
ORDER BY m.version
