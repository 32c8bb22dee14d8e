// Mark run $runId abandoned, as another run's write stage does to a run it finds still running.
MATCH (run:DetectionRun {runId: $runId})
SET run.status = 'abandoned'
