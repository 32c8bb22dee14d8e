// Many accounts at once ($accountIds: list of ids): verdict, risk, network, label, status. Unknown ids are
// simply absent from the result; the caller reports them.
UNWIND $accountIds AS accountId
MATCH (a:Account {accountId: accountId})
RETURN a.accountId AS accountId, coalesce(a.verdict, 'clear') AS verdict, coalesce(a.risk, 0.0) AS risk,
       a.networkId AS networkId, a.label AS label, coalesce(a.status, 'active') AS status
