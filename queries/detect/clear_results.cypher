// Remove the results of every run but the published one and $keepRunId (the run writing now, or null): the
// leftovers of killed, failed or concurrent runs, and, after a publication, those of the run it replaced. Such a
// run that was still `running` becomes `abandoned`, so its own publication fails. Network nodes (with their
// MEMBER_OF) and assessments are deleted in batches. Several statements (run_statements).
OPTIONAL MATCH (published:Publication {scope: 'detection'})
MATCH (run:DetectionRun)
WHERE run.resultsRemovedAt IS NULL AND run.runId <> coalesce(published.runId, '') AND run.runId <> coalesce($keepRunId, '')
SET run.removing = true,
    run.status = CASE WHEN run.status = 'running' THEN 'abandoned' ELSE run.status END;
MATCH (run:DetectionRun {removing: true})
MATCH (n:Network {runId: run.runId})
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS;
MATCH (run:DetectionRun {removing: true})
MATCH (s:Assessment {runId: run.runId})
CALL (s) { DELETE s } IN TRANSACTIONS OF 10000 ROWS;
MATCH (run:DetectionRun {removing: true})
SET run.resultsRemovedAt = datetime()
REMOVE run.removing
