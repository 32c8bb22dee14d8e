// Lookups the detection results serve: accounts of a network, active networks, runs by time.
CREATE INDEX account_network_id IF NOT EXISTS FOR (n:Account) ON (n.networkId);
CREATE INDEX network_status IF NOT EXISTS FOR (n:Network) ON (n.status);
CREATE INDEX detection_run_started_at IF NOT EXISTS FOR (n:DetectionRun) ON (n.startedAt);
