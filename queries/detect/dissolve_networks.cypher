// Networks no run result kept ($networkIds: the ids this run wrote) are marked dissolved. $runId.
MATCH (n:Network)
WHERE NOT n.networkId IN $networkIds AND coalesce(n.status, 'active') <> 'dissolved'
SET n.status = 'dissolved', n.dissolvedRunId = $runId
RETURN count(n) AS dissolved
