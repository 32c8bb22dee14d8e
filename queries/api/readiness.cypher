// Readiness: the database answers, and how many accounts and networks it holds (counts from the count store).
CALL () { MATCH (a:Account) RETURN count(a) AS accounts }
CALL () { MATCH (n:Network) RETURN count(n) AS networks }
RETURN accounts, networks
