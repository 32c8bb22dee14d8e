// A sample of account ids for the API benchmark: $limit of them, sockpuppets first (so lookups hit stored
// explanations and networks), then the rest.
OPTIONAL MATCH (published:Publication {scope: 'detection'})
MATCH (a:Account)
OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: a.accountId})
RETURN a.accountId AS accountId
ORDER BY CASE scored.verdict WHEN 'sockpuppet' THEN 0 WHEN 'suspect' THEN 1 ELSE 2 END, a.accountId
LIMIT $limit
