// Every node except load bookkeeping (batches, migrations, the hash key's check value): labels and properties,
// with the server's own clock (recordedAt: when a decision was recorded) blanked, as two loads differ in it.
MATCH (n)
WHERE NOT n:LoadBatch AND NOT n:SchemaMigration AND NOT n:HashKeyCheck
RETURN labels(n) AS labels, n {.*, recordedAt: null} AS properties
