// Purpose: Payment methods shared by several accounts (card rings), largest first: the instrument's coarse
//   facts (brand, funding, issuing country; the key is a keyed hash), the accounts on it, how many of them
//   are banned or labelled abusive, how many detection flagged, and the networks they sit in.
// Params:
//   $minAccounts (int, default 2) rings of at least this many accounts
//   $maxAccounts (int, default 50) and at most this many (larger ones are corporate cards or hubs)
//   $limit (int, default 50) at most this many payment methods
// Example:
//   :param minAccounts => 2;
//   :param maxAccounts => 50;
//   :param limit => 50;
MATCH (p:PaymentMethod)
WHERE $minAccounts <= p.accountCount <= $maxAccounts
WITH p ORDER BY p.accountCount DESC, p.key LIMIT $limit
MATCH (a:Account)-[:PAID_WITH]->(p)
WITH p, a ORDER BY a.accountId
WITH p, collect(a.accountId) AS accountIds, collect(DISTINCT a.networkId) AS networkIds,
     count(CASE WHEN a.status = 'banned' OR a.label = 'abusive' THEN 1 END) AS banned,
     count(CASE WHEN a.verdict IN ['sockpuppet', 'suspect'] THEN 1 END) AS flagged
RETURN p.key AS paymentKey, p.brand AS brand, p.funding AS funding, p.country AS country,
       size(accountIds) AS sharedBy, banned, flagged, networkIds, accountIds
ORDER BY sharedBy DESC, paymentKey
