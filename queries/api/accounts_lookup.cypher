// Many accounts at once ($accountIds: list of ids): verdict, risk, network, label, status. Unknown ids are
// simply absent; the caller reports them. One record holding a list: for 1,000 ids the Python driver decodes
// that about five times faster than 1,000 records (measured 18 ms against 103 ms, p50).
UNWIND $accountIds AS accountId
MATCH (a:Account {accountId: accountId})
RETURN collect({accountId: a.accountId, verdict: coalesce(a.verdict, 'clear'), risk: coalesce(a.risk, 0.0),
                networkId: a.networkId, label: a.label, status: coalesce(a.status, 'active')}) AS accounts
