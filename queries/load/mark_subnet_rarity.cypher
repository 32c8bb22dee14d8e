// Accounts seen behind each subnet this batch touched (through its IP addresses), and whether it is common.
MATCH (s:Subnet {lastBatchId: $batchId})
CALL (s) {
  WITH s, COUNT { MATCH (s)<-[:IN_SUBNET]-(:IpAddress)<-[:SEEN_FROM]-(a:Account) RETURN DISTINCT a } AS accounts
  SET s.accountCount = accounts, s.common = accounts >= $commonThreshold
} IN TRANSACTIONS OF 5000 ROWS
