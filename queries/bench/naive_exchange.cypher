// The naive loader that bench/ingest measures against: one exchange, one transaction, MERGE everything.
// $accountId, $ipKey, $subnetKey, $promptKey, $ts (epoch milliseconds).
MERGE (a:Account {accountId: $accountId})
MERGE (ip:IpAddress {key: $ipKey})
MERGE (s:Subnet {key: $subnetKey})
MERGE (ip)-[:IN_SUBNET]->(s)
MERGE (f:PromptFingerprint {key: $promptKey})
MERGE (a)-[seen:SEEN_FROM]->(ip)
SET seen.count = coalesce(seen.count, 0) + 1, seen.lastSeen = datetime({epochMillis: $ts})
MERGE (a)-[sent:SENT]->(f)
SET sent.count = coalesce(sent.count, 0) + 1, sent.lastSeen = datetime({epochMillis: $ts})
