// One account for ban tooling ($accountId): verdict, risk, network, label, status and the stored explanation
// (JSON waterfall) of the published detection run (the (:Publication {scope: 'detection'}) pointer). Nothing
// is recomputed; an account that run did not score is clear, with no run id.
MATCH (a:Account {accountId: $accountId})
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (s:Assessment {runId: published.runId, accountId: a.accountId})
RETURN a.accountId AS accountId, coalesce(s.verdict, 'clear') AS verdict, coalesce(s.risk, 0.0) AS risk,
       s.networkId AS networkId, a.label AS label, coalesce(a.status, 'active') AS status,
       s.runId AS runId, s.explanation AS explanation
