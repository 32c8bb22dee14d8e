// Prompt fingerprints and how many accounts sent each.
MATCH (f:PromptFingerprint)<-[:SENT]-(a:Account)
RETURN f.kind AS kind, count(DISTINCT a) AS accounts, f.accountCount AS accountCount
