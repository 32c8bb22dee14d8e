// The detection run the verdicts come from (the published one: the (:Publication {scope: 'detection'}) pointer)
// and what happened since it started: load batches completed after it (and the accounts they touched),
// label decisions recorded after it, accounts it has not scored (accounts now in the graph beyond those it
// scored: from the count store, no scan); and every run started later that is not published (running, with the
// stage it reached; failed; abandoned; or complete with nothing to link). One row; none before a publication.
MATCH (published:Publication {scope: 'detection'})
MATCH (run:DetectionRun {runId: published.runId})
CALL (run) {
  MATCH (batch:LoadBatch) WHERE batch.completedAt > run.startedAt
  RETURN collect(batch.batchId) AS batchesSince, max(batch.completedAt) AS lastLoadAt
}
CALL (run) {
  MATCH (decision:LabelDecision) WHERE decision.recordedAt > run.startedAt
  RETURN count(decision) AS labelsSince
}
CALL () { MATCH (every:Account) RETURN count(every) AS accounts }
CALL (run) {
  MATCH (later:DetectionRun) WHERE later.startedAt > run.startedAt
  WITH later ORDER BY later.startedAt
  RETURN collect({runId: later.runId, status: later.status, stage: later.stage, startedAt: later.startedAt,
                  finishedAt: later.finishedAt}) AS laterRuns
}
RETURN run.runId AS runId, run.status AS status, run.startedAt AS startedAt, run.finishedAt AS finishedAt,
       run.publishedAt AS publishedAt, run.counts AS counts, size(batchesSince) AS loadsSince, lastLoadAt,
       COUNT { MATCH (a:Account) WHERE a.lastBatchId IN batchesSince } AS accountsLoadedSince,
       labelsSince, CASE WHEN accounts > coalesce(published.accounts, 0) THEN accounts - published.accounts
                         ELSE 0 END AS accountsNotScored, laterRuns
