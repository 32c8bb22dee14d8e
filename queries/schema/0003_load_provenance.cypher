// Nodes the loaders add beside the core evidence: label decisions, models, the request-id ledger.
CREATE CONSTRAINT label_decision_key IF NOT EXISTS FOR (n:LabelDecision) REQUIRE n.decisionKey IS UNIQUE;
CREATE CONSTRAINT model_name IF NOT EXISTS FOR (n:Model) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT request_ledger_shard IF NOT EXISTS FOR (n:RequestLedger) REQUIRE (n.batchId, n.shard) IS UNIQUE;
CREATE INDEX account_last_batch IF NOT EXISTS FOR (n:Account) ON (n.lastBatchId);
CREATE INDEX prompt_fingerprint_last_batch IF NOT EXISTS FOR (n:PromptFingerprint) ON (n.lastBatchId);
CREATE INDEX ip_address_last_batch IF NOT EXISTS FOR (n:IpAddress) ON (n.lastBatchId);
CREATE INDEX payment_method_last_batch IF NOT EXISTS FOR (n:PaymentMethod) ON (n.lastBatchId);
CREATE INDEX sync_bucket_last_batch IF NOT EXISTS FOR (n:SyncBucket) ON (n.lastBatchId);
