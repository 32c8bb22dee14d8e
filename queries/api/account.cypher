// One account for ban tooling ($accountId): verdict, risk, network, label, status and the stored explanation
// (JSON waterfall written by the last detection run). Nothing is recomputed.
MATCH (a:Account {accountId: $accountId})
RETURN a.accountId AS accountId, coalesce(a.verdict, 'clear') AS verdict, coalesce(a.risk, 0.0) AS risk,
       a.networkId AS networkId, a.label AS label, coalesce(a.status, 'active') AS status,
       a.detectionRunId AS runId, a.explanation AS explanation
