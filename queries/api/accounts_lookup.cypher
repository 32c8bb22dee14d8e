// Many accounts at once ($accountIds: list of ids): verdict, risk, network (of the published detection run),
// label, status. Unknown ids are simply absent; the caller reports them. One record holding a list: for 1,000
// ids the Python driver decodes that about five times faster than 1,000 records (measured 18 ms against 103 ms,
// p50).
OPTIONAL MATCH (published:Publication {scope: 'detection'})
WITH published.runId AS runId
UNWIND $accountIds AS accountId
MATCH (a:Account {accountId: accountId})
OPTIONAL MATCH (s:Assessment {runId: runId, accountId: accountId})
RETURN collect({accountId: a.accountId, verdict: coalesce(s.verdict, 'clear'), risk: coalesce(s.risk, 0.0),
                networkId: s.networkId, label: a.label, status: coalesce(a.status, 'active')}) AS accounts
