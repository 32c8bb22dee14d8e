// Test only: a write that `sockhound query` must refuse, because it runs every query read-only.
// Params:
//   $accountId (string) the account it tries to tamper with
MATCH (a:Account {accountId: $accountId})
SET a.tamperedBy = 'sockhound query'
RETURN a.accountId AS accountId
