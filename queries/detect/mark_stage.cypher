// The stage a running run ($runId) has reached ($stage: e.g. 'write'), for `GET /v1/runs/latest` and operators.
MATCH (run:DetectionRun {runId: $runId})
SET run.stage = $stage, run.stageAt = datetime()
