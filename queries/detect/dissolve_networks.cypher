// Networks of the published run that this run ($runId) did not find again ($networkIds: the ids it wrote) are
// carried into it as dissolved (with no members), so the network list keeps answering for them; ones already
// dissolved keep the run that dissolved them.
MATCH (published:Publication {scope: 'detection'})
MATCH (before:Network {runId: published.runId})
WHERE NOT before.networkId IN $networkIds
MERGE (n:Network {runId: $runId, networkId: before.networkId})
SET n += properties(before)
SET n.runId = $runId, n.status = 'dissolved',
    n.dissolvedRunId = CASE WHEN before.status = 'dissolved' THEN before.dissolvedRunId ELSE $runId END
RETURN count(n) AS dissolved
