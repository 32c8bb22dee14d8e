// Networks found by a run (created or updated by stable id). $rows: {networkId, size, risk, verdict,
// evidence (JSON: the network model's evidence records, strongest first),
// features (JSON), firstRunId}; $runId. Networks of earlier runs that no longer persist are marked dissolved.
UNWIND $rows AS row
MERGE (n:Network {networkId: row.networkId})
ON CREATE SET n.firstRunId = $runId, n.createdAt = datetime()
SET n.size = row.size, n.risk = row.risk, n.verdict = row.verdict, n.features = row.features,
    n.evidence = row.evidence,
    n.runId = $runId, n.status = 'active', n.updatedAt = datetime()
