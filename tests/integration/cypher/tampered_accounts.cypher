// Test only: accounts that analyst_write_attempt.cypher managed to change (there must be none).
MATCH (a:Account) WHERE a.tamperedBy IS NOT NULL
RETURN count(a) AS tampered
