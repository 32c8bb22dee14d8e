// Store the key check value ($value) unless the graph already holds one; returns the value the graph holds.
MERGE (k:HashKeyCheck {id: 'hash-key'})
ON CREATE SET k.value = $value, k.recordedAt = datetime()
RETURN k.value AS value
