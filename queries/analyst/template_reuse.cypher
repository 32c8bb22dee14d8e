// Purpose: Prompt fingerprints reused across accounts, most widely reused first. Kind 'template' (numbers
//   and entities masked) finds scripted prompt farms; 'exact', 'nearband' (near-duplicates) and 'upstream'
//   (the exporter's own fingerprint) work the same way. Per fingerprint: requests, when, how many of its
//   accounts are banned or flagged, their networks and a sample of the accounts.
// Params:
//   $kind (string, default 'template') exact | template | nearband | upstream
//   $minAccounts (int, default 3) fingerprints sent by at least this many accounts
//   $maxAccounts (int, default 150) and at most this many (larger ones are boilerplate; detection caps them too)
//   $sample (int, default 20) how many account ids to show per fingerprint
//   $limit (int, default 50) at most this many fingerprints
// Example:
//   :param kind => 'template';
//   :param minAccounts => 3;
//   :param maxAccounts => 150;
//   :param sample => 20;
//   :param limit => 50;
MATCH (f:PromptFingerprint {kind: $kind})
WHERE $minAccounts <= f.accountCount <= $maxAccounts
WITH f ORDER BY f.accountCount DESC, f.key LIMIT $limit
MATCH (a:Account)-[s:SENT]->(f)
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: a.accountId})
WITH f, a, s, scored ORDER BY a.accountId
WITH f, collect(a.accountId) AS accountIds, collect(DISTINCT scored.networkId) AS networkIds, sum(s.count) AS requests,
     min(s.firstSeen) AS firstSeen, max(s.lastSeen) AS lastSeen,
     count(CASE WHEN a.status = 'banned' OR a.label = 'abusive' THEN 1 END) AS banned,
     count(CASE WHEN scored.verdict IN ['sockpuppet', 'suspect'] THEN 1 END) AS flagged
RETURN f.key AS fingerprintKey, f.kind AS kind, size(accountIds) AS sharedBy, coalesce(f.common, false) AS common,
       requests, firstSeen, lastSeen, banned, flagged, networkIds, accountIds[..$sample] AS sampleAccountIds
ORDER BY sharedBy DESC, fingerprintKey
