// Purpose: The accounts seen behind one subnet (/24 IPv4, /48 IPv6), busiest first: how many of its
//   addresses each used, how many requests, when, and where detection put them. Subnet keys are keyed
//   hashes: `sockhound hash subnet 198.18.9.0/24` (an address works too) prints one, or take one from
//   analyst/evidence_between_accounts (kind 'subnet'). The example is 198.18.9.0/24 under the test key.
// Params:
//   $subnetKey (string) the subnet's key
//   $limit (int, default 100) at most this many accounts
// Example:
//   :param subnetKey => 'ea281fae756e9f9e2681287c996ae3ad';
//   :param limit => 100;
MATCH (s:Subnet {key: $subnetKey})<-[:IN_SUBNET]-(ip:IpAddress)<-[r:SEEN_FROM]-(a:Account)
WITH s, a, count(DISTINCT ip) AS addresses, sum(r.count) AS requests, min(r.firstSeen) AS firstSeen,
     max(r.lastSeen) AS lastSeen
ORDER BY requests DESC, a.accountId
LIMIT $limit
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: a.accountId})
RETURN a.accountId AS accountId, addresses, requests, firstSeen, lastSeen, a.status AS status, a.label AS label,
       scored.verdict AS verdict, round(scored.risk, 3) AS risk, scored.networkId AS networkId,
       a.createdAt AS createdAt, s.accountCount AS subnetSharedBy, coalesce(s.common, false) AS subnetCommon
ORDER BY requests DESC, accountId
