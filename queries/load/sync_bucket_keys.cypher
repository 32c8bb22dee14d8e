// Every sync bucket already in the graph (only buckets two accounts shared are ever written, so these
// are few): a bucket this batch's accounts fall in links them to the earlier accounts in it.
MATCH (s:SyncBucket)
RETURN s.key AS key
