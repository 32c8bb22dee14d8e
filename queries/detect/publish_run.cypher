// Publish run $runId in one transaction: the (:Publication {scope: 'detection'}) pointer moves to it and the run
// becomes `complete` with its timings and counts (as detect/write_run), but only when it is still `running`
// (another run's cleanup marks it `abandoned`) and all its $accounts assessments are there; a retry after
// success publishes it again, unchanged. No row: nothing was published. $startedAt / $finishedAt (epoch millis),
// $parameters, $timings, $counts (JSON strings).
MATCH (run:DetectionRun {runId: $runId})
WHERE (run.status = 'running' AND COUNT { (s:Assessment {runId: $runId}) } = $accounts)
   OR coalesce(run.published, false)
MERGE (published:Publication {scope: 'detection'})
SET published.previousRunId = CASE WHEN published.runId = $runId THEN published.previousRunId
                                   ELSE published.runId END,
    published.publishedAt = CASE WHEN published.runId = $runId THEN published.publishedAt ELSE datetime() END,
    published.runId = $runId, published.accounts = $accounts
SET run.status = 'complete', run.published = true, run.publishedAt = published.publishedAt, run.stage = 'published',
    run.stageAt = datetime(), run.startedAt = datetime({epochMillis: $startedAt}),
    run.finishedAt = datetime({epochMillis: $finishedAt}),
    run.parameters = $parameters, run.timings = $timings, run.counts = $counts
RETURN published.runId AS runId, published.previousRunId AS previousRunId
