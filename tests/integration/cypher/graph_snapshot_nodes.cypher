// Every node except load bookkeeping: labels and properties.
MATCH (n)
WHERE NOT n:LoadBatch AND NOT n:SchemaMigration
RETURN labels(n) AS labels, properties(n) AS properties
