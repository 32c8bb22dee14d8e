// Delete every node and relationship, in batches of $batchSize (tests, and `sockhound db reset`), except the
// record of applied schema migrations: the schema itself (constraints, indexes) stays, so its record does too.
// Destructive. Example: :param batchSize => 10000
MATCH (n) WHERE NOT n:SchemaMigration
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batchSize ROWS
