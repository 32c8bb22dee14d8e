// The stored explanation of one account ($accountId) in the published run: risk, verdict, network and the JSON
// waterfall, plus the network's summary. Nothing is recomputed.
MATCH (a:Account {accountId: $accountId})
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (s:Assessment {runId: published.runId, accountId: a.accountId})
OPTIONAL MATCH (n:Network {runId: published.runId, networkId: s.networkId})
RETURN a.accountId AS accountId, s.risk AS risk, s.verdict AS verdict, s.networkId AS networkId,
       s.explanation AS explanation, s.runId AS runId,
       CASE WHEN n IS NULL THEN null ELSE {networkId: n.networkId, size: n.size, risk: n.risk, verdict: n.verdict,
            features: n.features} END AS network
