// IP addresses (keyed hash) and their subnets (/24 IPv4, /48 IPv6; keyed hash). Idempotent.
UNWIND $rows AS row
MERGE (ip:IpAddress {key: row.ipKey})
SET ip.version = row.version, ip.subnetKey = row.subnetKey, ip.lastBatchId = $batchId
MERGE (s:Subnet {key: row.subnetKey})
SET s.lastBatchId = $batchId
MERGE (ip)-[:IN_SUBNET]->(s)
