// Purpose: Groups of accounts whose activity runs in lockstep (same fine time windows: they share sync
//   buckets, the LSH bands of their activity sketches), largest first. One row per distinct group, with how
//   many buckets say so, when the accounts were created (a tight creation span is a creation burst), their
//   activity window, requests, how many are banned or flagged and the networks they sit in.
// Params:
//   $minAccounts (int, default 3) groups of at least this many accounts
//   $maxAccounts (int, default 150) and at most this many
//   $limit (int, default 50) at most this many groups
// Example:
//   :param minAccounts => 3;
//   :param maxAccounts => 150;
//   :param limit => 50;
MATCH (s:SyncBucket)
WHERE $minAccounts <= s.accountCount <= $maxAccounts
MATCH (a:Account)-[:IN_SYNC_BUCKET]->(s)
WITH s, a ORDER BY a.accountId
WITH s, collect(a) AS members
WITH [m IN members | m.accountId] AS accountIds, members, count(s) AS buckets
WITH accountIds, buckets, members ORDER BY size(accountIds) DESC, buckets DESC, accountIds LIMIT $limit
UNWIND members AS m
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: m.accountId})
WITH accountIds, buckets, collect(DISTINCT scored.networkId) AS networkIds, min(m.createdAt) AS firstCreated,
     max(m.createdAt) AS lastCreated, min(m.firstSeen) AS firstSeen, max(m.lastSeen) AS lastSeen,
     sum(m.exchanges) AS requests,
     count(CASE WHEN m.status = 'banned' OR m.label = 'abusive' THEN 1 END) AS banned,
     count(CASE WHEN scored.verdict IN ['sockpuppet', 'suspect'] THEN 1 END) AS flagged
RETURN size(accountIds) AS accounts, buckets, firstCreated, lastCreated,
       duration.inSeconds(firstCreated, lastCreated).minutes AS createdWithinMinutes, firstSeen, lastSeen, requests,
       banned, flagged, networkIds, accountIds
ORDER BY accounts DESC, buckets DESC, accountIds
