// Atomic publication of detection runs. A run writes its results under its own id: one (:Assessment
// {runId, accountId}) per account (risk, verdict, networkId, communityId, explanation) and one (:Network {runId,
// networkId}) per network, with (:Account)-[:MEMBER_OF]->(:Network) to that run's networks. The singleton
// (:Publication {scope: 'detection'}) holds the published runId; every read goes through it, and the run flips
// it in one transaction when it completes (detect/publish_run). A network id now has one node per run.
DROP CONSTRAINT network_id IF EXISTS;
CREATE CONSTRAINT network_run_network IF NOT EXISTS FOR (n:Network) REQUIRE (n.runId, n.networkId) IS UNIQUE;
CREATE INDEX network_run IF NOT EXISTS FOR (n:Network) ON (n.runId);
CREATE CONSTRAINT assessment_run_account IF NOT EXISTS FOR (n:Assessment) REQUIRE (n.runId, n.accountId) IS UNIQUE;
CREATE INDEX assessment_run IF NOT EXISTS FOR (n:Assessment) ON (n.runId);
CREATE INDEX assessment_run_network IF NOT EXISTS FOR (n:Assessment) ON (n.runId, n.networkId);
CREATE CONSTRAINT publication_scope IF NOT EXISTS FOR (n:Publication) REQUIRE n.scope IS UNIQUE;
CALL db.awaitIndexes(300);
// A graph detected before this migration: its last complete run becomes the published one; its accounts'
// results move into that run's assessments and every network node is stamped with it.
MATCH (run:DetectionRun {status: 'complete'})
WITH run ORDER BY run.startedAt DESC LIMIT 1
MERGE (p:Publication {scope: 'detection'})
ON CREATE SET p.runId = run.runId, p.publishedAt = coalesce(run.finishedAt, datetime());
MATCH (p:Publication {scope: 'detection'})
MATCH (n:Network) WHERE n.lastRunId IS NULL OR n.runId IS NULL OR n.runId <> p.runId
SET n.lastRunId = coalesce(n.lastRunId, n.runId), n.runId = p.runId;
MATCH (a:Account) WHERE a.detectionRunId IS NOT NULL OR a.verdict IS NOT NULL
CALL (a) {
  OPTIONAL MATCH (p:Publication {scope: 'detection'})
  WITH a, p WHERE p IS NOT NULL AND a.detectionRunId = p.runId
  MERGE (s:Assessment {runId: p.runId, accountId: a.accountId})
  SET s.risk = a.risk, s.verdict = a.verdict, s.networkId = a.networkId, s.communityId = a.communityId,
      s.explanation = a.explanation
} IN TRANSACTIONS OF 10000 ROWS;
MATCH (p:Publication {scope: 'detection'}) WHERE p.accounts IS NULL
SET p.accounts = COUNT { (s:Assessment {runId: p.runId}) };
MATCH (a:Account) WHERE a.detectionRunId IS NOT NULL OR a.verdict IS NOT NULL
CALL (a) {
  REMOVE a.risk, a.verdict, a.networkId, a.communityId, a.explanation, a.detectionRunId
} IN TRANSACTIONS OF 10000 ROWS;
