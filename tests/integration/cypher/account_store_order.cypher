// Account ids in store order (internal node id): how the load laid the accounts out, to check that two loads
// of one world differ in it.
MATCH (a:Account)
RETURN a.accountId AS accountId
ORDER BY id(a)
