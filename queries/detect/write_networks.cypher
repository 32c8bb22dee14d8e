// Networks found by a run, written under the run's id ($runId) and invisible until the run is published. $rows:
// {networkId, size, risk, verdict, evidence (JSON: the network model's evidence records, strongest first),
// features (JSON)}. firstRunId and createdAt come from the published run's node of the same id, if any.
// MERGE on (runId, networkId), so a retried batch writes nothing twice.
UNWIND $rows AS row
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (before:Network {runId: published.runId, networkId: row.networkId})
MERGE (n:Network {runId: $runId, networkId: row.networkId})
SET n.firstRunId = coalesce(before.firstRunId, $runId), n.createdAt = coalesce(before.createdAt, datetime()),
    n.size = row.size, n.risk = row.risk, n.verdict = row.verdict, n.features = row.features,
    n.evidence = row.evidence, n.lastRunId = $runId, n.status = 'active', n.updatedAt = datetime()
