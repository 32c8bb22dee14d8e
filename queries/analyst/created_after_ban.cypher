// Purpose: Ban evasion: accounts created after an account was banned and linked to it by rare shared evidence
//   (payment method, IP address, prompt fingerprint, sync bucket, sign-up email), most strongly linked first.
//   Banned: status 'banned' or a label decision 'abusive'. The ban time is the account's latest abusive label
//   decision, or else its last activity (lastSeen). Accounts already banned are not listed.
// Params:
//   $maxSharedBy (int, default 100) ignore evidence shared by more accounts than this (and common evidence)
//   $limit (int, default 100) at most this many (new account, banned account) pairs
// Example:
//   :param maxSharedBy => 100;
//   :param limit => 100;
CALL () {
  MATCH (banned:Account {status: 'banned'})
  RETURN banned
  UNION
  MATCH (:LabelDecision {label: 'abusive'})-[:ABOUT]->(banned:Account)
  RETURN banned
}
WITH banned, CASE WHEN banned.label = 'abusive' AND banned.labelledAt IS NOT NULL THEN banned.labelledAt
                  ELSE banned.lastSeen END AS bannedAt
WHERE bannedAt IS NOT NULL
MATCH (banned)-[:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]->(e)
      <-[:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]-(a:Account)
WHERE 2 <= e.accountCount <= $maxSharedBy AND NOT coalesce(e.common, false)
  AND a.createdAt > bannedAt AND coalesce(a.status, 'active') <> 'banned' AND coalesce(a.label, '') <> 'abusive'
WITH a, banned, bannedAt, count(e) AS sharedItems,
     collect(DISTINCT CASE WHEN e:PaymentMethod THEN 'payment' WHEN e:IpAddress THEN 'ip'
                           WHEN e:SyncBucket THEN 'sync' WHEN e:EmailIdentity THEN 'email' ELSE e.kind END) AS kinds
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: a.accountId})
RETURN a.accountId AS accountId, a.createdAt AS createdAt, banned.accountId AS bannedAccountId, bannedAt, kinds,
       sharedItems, a.status AS status, scored.verdict AS verdict, round(scored.risk, 3) AS risk,
       scored.networkId AS networkId
ORDER BY size(kinds) DESC, sharedItems DESC, createdAt DESC, accountId, bannedAccountId
LIMIT $limit
