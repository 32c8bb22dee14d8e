// Range indexes for the lookups that ban tooling and analysts make most.
CREATE INDEX account_status IF NOT EXISTS FOR (n:Account) ON (n.status);
CREATE INDEX account_created_at IF NOT EXISTS FOR (n:Account) ON (n.createdAt);
CREATE INDEX account_verdict IF NOT EXISTS FOR (n:Account) ON (n.verdict);
CREATE INDEX network_verdict_risk IF NOT EXISTS FOR (n:Network) ON (n.verdict, n.risk);
CREATE INDEX prompt_fingerprint_kind IF NOT EXISTS FOR (n:PromptFingerprint) ON (n.kind);
CREATE INDEX ip_address_subnet IF NOT EXISTS FOR (n:IpAddress) ON (n.subnetKey);
