// Every node except load bookkeeping (batches, migrations, the hash key's check value): labels and properties.
MATCH (n)
WHERE NOT n:LoadBatch AND NOT n:SchemaMigration AND NOT n:HashKeyCheck
RETURN labels(n) AS labels, properties(n) AS properties
