// Put the published run's results back in the form detection wrote before migration 0006 (results on the
// accounts, one network node per id stamped with the run that last wrote it, no pointer, no assessments) and
// forget that 0006 was applied, so the migration converts them again. Several statements.
MATCH (p:Publication {scope: 'detection'})
MATCH (s:Assessment {runId: p.runId})
MATCH (a:Account {accountId: s.accountId})
SET a.risk = s.risk, a.verdict = s.verdict, a.networkId = s.networkId, a.communityId = s.communityId,
    a.explanation = s.explanation, a.detectionRunId = s.runId;
MATCH (n:Network)
SET n.runId = n.lastRunId
REMOVE n.lastRunId;
MATCH (s:Assessment) DELETE s;
MATCH (p:Publication) DELETE p;
MATCH (m:SchemaMigration {version: 6}) DELETE m
