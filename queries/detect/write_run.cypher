// The DetectionRun record: parameters, timings and counts (maps serialised as JSON strings). $runId,
// $startedAt / $finishedAt (epoch millis), $status, $parameters, $timings, $counts (JSON strings).
MERGE (r:DetectionRun {runId: $runId})
SET r.startedAt = datetime({epochMillis: $startedAt}),
    r.finishedAt = CASE WHEN $finishedAt IS NULL THEN null ELSE datetime({epochMillis: $finishedAt}) END,
    r.status = $status, r.parameters = $parameters, r.timings = $timings, r.counts = $counts
