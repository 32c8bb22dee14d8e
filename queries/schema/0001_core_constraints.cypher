// Uniqueness constraints for every node that loaders MERGE on. Applied by `sockhound db migrate`.
// Evidence nodes are keyed by a keyed hash (HMAC-SHA256), never by a raw value.
CREATE CONSTRAINT account_id IF NOT EXISTS FOR (n:Account) REQUIRE n.accountId IS UNIQUE;
CREATE CONSTRAINT schema_migration_version IF NOT EXISTS FOR (n:SchemaMigration) REQUIRE n.version IS UNIQUE;
CREATE CONSTRAINT payment_method_key IF NOT EXISTS FOR (n:PaymentMethod) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT ip_address_key IF NOT EXISTS FOR (n:IpAddress) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT subnet_key IF NOT EXISTS FOR (n:Subnet) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT prompt_fingerprint_key IF NOT EXISTS FOR (n:PromptFingerprint) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT email_identity_key IF NOT EXISTS FOR (n:EmailIdentity) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT sync_bucket_key IF NOT EXISTS FOR (n:SyncBucket) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT network_id IF NOT EXISTS FOR (n:Network) REQUIRE n.networkId IS UNIQUE;
CREATE CONSTRAINT detection_run_id IF NOT EXISTS FOR (n:DetectionRun) REQUIRE n.runId IS UNIQUE;
CREATE CONSTRAINT load_batch_id IF NOT EXISTS FOR (n:LoadBatch) REQUIRE n.batchId IS UNIQUE;
CREATE CONSTRAINT allow_list_entry_key IF NOT EXISTS FOR (n:AllowListEntry) REQUIRE (n.kind, n.key) IS UNIQUE;
