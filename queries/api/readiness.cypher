// Readiness: the database answers a read. Nothing about the graph's contents (the endpoint needs no key).
RETURN true AS ready
