// One row per account known to the graph: the contract's verdict columns. Accounts never scored are clear.
MATCH (a:Account)
RETURN a.accountId AS account_id, coalesce(a.verdict, 'clear') AS verdict, coalesce(a.risk, 0.0) AS risk,
       coalesce(a.networkId, '') AS network_id
ORDER BY account_id
