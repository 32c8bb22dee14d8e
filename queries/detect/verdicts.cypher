// One row per account known to the graph: the contract's verdict columns, from the published run (the
// (:Publication {scope: 'detection'}) pointer). Accounts that run did not score are clear.
OPTIONAL MATCH (published:Publication {scope: 'detection'})
MATCH (a:Account)
OPTIONAL MATCH (s:Assessment {runId: published.runId, accountId: a.accountId})
RETURN a.accountId AS account_id, coalesce(s.verdict, 'clear') AS verdict, coalesce(s.risk, 0.0) AS risk,
       coalesce(s.networkId, '') AS network_id
ORDER BY account_id
