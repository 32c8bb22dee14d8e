// Delete every node and relationship, in batches of $batchSize (tests, and `sockhound db reset`).
// Destructive. Example: :param batchSize => 10000
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batchSize ROWS
