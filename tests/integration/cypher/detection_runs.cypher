// Every detection run, latest first: id, status, stage, and how many assessments and network nodes it has.
MATCH (run:DetectionRun)
RETURN run.runId AS runId, run.status AS status, run.stage AS stage,
       COUNT { (s:Assessment {runId: run.runId}) } AS assessments,
       COUNT { (n:Network {runId: run.runId}) } AS networks
ORDER BY run.startedAt DESC
