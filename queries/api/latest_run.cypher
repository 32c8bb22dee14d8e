// The detection run the verdicts come from (the last complete one: accounts and networks carry its results)
// and what happened since it started: load batches completed after it (and the accounts they touched),
// label decisions recorded after it, accounts it has not scored; and any run started later that did not
// complete (running, or failed). One row; none when no run has completed.
MATCH (run:DetectionRun {status: 'complete'})
WITH run ORDER BY run.startedAt DESC LIMIT 1
CALL (run) {
  MATCH (batch:LoadBatch) WHERE batch.completedAt > run.startedAt
  RETURN collect(batch.batchId) AS batchesSince, max(batch.completedAt) AS lastLoadAt
}
CALL (run) {
  MATCH (decision:LabelDecision) WHERE decision.recordedAt > run.startedAt
  RETURN count(decision) AS labelsSince
}
CALL (run) {
  MATCH (a:Account) WHERE a.detectionRunId IS NULL OR a.detectionRunId <> run.runId
  RETURN count(a) AS accountsNotScored
}
CALL (run) {
  MATCH (later:DetectionRun) WHERE later.startedAt > run.startedAt
  WITH later ORDER BY later.startedAt
  RETURN collect({runId: later.runId, status: later.status, startedAt: later.startedAt,
                  finishedAt: later.finishedAt}) AS laterRuns
}
RETURN run.runId AS runId, run.status AS status, run.startedAt AS startedAt, run.finishedAt AS finishedAt,
       run.counts AS counts, size(batchesSince) AS loadsSince, lastLoadAt,
       COUNT { MATCH (a:Account) WHERE a.lastBatchId IN batchesSince } AS accountsLoadedSince,
       labelsSince, accountsNotScored, laterRuns
