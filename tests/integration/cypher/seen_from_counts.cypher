// Total exchanges per account over its SEEN_FROM edges.
MATCH (a:Account)-[r:SEEN_FROM]->(:IpAddress)
RETURN a.accountId AS accountId, sum(r.count) AS count
