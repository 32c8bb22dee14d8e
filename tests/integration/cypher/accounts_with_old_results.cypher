// Accounts still holding results in the form before migration 0006 (verdict or run id on the account).
MATCH (a:Account) WHERE a.verdict IS NOT NULL OR a.detectionRunId IS NOT NULL
RETURN count(a) AS accounts
