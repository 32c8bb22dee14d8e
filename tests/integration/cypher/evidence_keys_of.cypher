// The keys of an account's evidence by kind (payment, ip, subnet, email), for checking `sockhound hash`.
MATCH (a:Account {accountId: $accountId})-[:PAID_WITH|SEEN_FROM|SIGNED_UP_WITH]->(e)
RETURN CASE WHEN e:PaymentMethod THEN 'payment' WHEN e:IpAddress THEN 'ip' ELSE 'email' END AS kind, e.key AS key
UNION
MATCH (:Account {accountId: $accountId})-[:SEEN_FROM]->(:IpAddress)-[:IN_SUBNET]->(s:Subnet)
RETURN 'subnet' AS kind, s.key AS key
