// The stored explanation of one account ($accountId): risk, verdict, network and the JSON waterfall
// written by the last detection run, plus the network's summary. Nothing is recomputed.
MATCH (a:Account {accountId: $accountId})
OPTIONAL MATCH (a)-[:MEMBER_OF]->(n:Network)
RETURN a.accountId AS accountId, a.risk AS risk, a.verdict AS verdict, a.networkId AS networkId,
       a.explanation AS explanation, a.detectionRunId AS runId,
       CASE WHEN n IS NULL THEN null ELSE {networkId: n.networkId, size: n.size, risk: n.risk, verdict: n.verdict,
            features: n.features} END AS network
