// The key check value stored at the first load (a keyed hash of a fixed label, never the key); no row's value
// is null when the graph has none yet.
OPTIONAL MATCH (k:HashKeyCheck {id: 'hash-key'})
RETURN k.value AS value
