// The accounts seen from one address ($ipKey: the keyed hash of the address) with their traffic from it,
// busiest first; $skip / $limit page through them, with the published detection run's verdicts. Also the
// address's own facts.
MATCH (ip:IpAddress {key: $ipKey})
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (ip)-[:IN_SUBNET]->(s:Subnet)
CALL (ip, published) {
  MATCH (a:Account)-[r:SEEN_FROM]->(ip)
  WITH a, r ORDER BY r.count DESC, a.accountId SKIP $skip LIMIT $limit
  OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: a.accountId})
  RETURN collect({accountId: a.accountId, verdict: coalesce(scored.verdict, 'clear'),
                  risk: coalesce(scored.risk, 0.0), networkId: scored.networkId, exchanges: coalesce(r.count, 0), firstSeen: r.firstSeen, lastSeen: r.lastSeen})
         AS accounts
}
RETURN ip.key AS ipKey, ip.version AS version, ip.accountCount AS accountCount,
       coalesce(ip.common, false) AS common, s.key AS subnetKey, s.accountCount AS subnetAccountCount, accounts
