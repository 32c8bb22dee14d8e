// Purpose: Payment methods shared by several accounts (card rings), what matters first: rings with banned or
//   labelled-abusive accounts, then rings detection flagged (sockpuppet or suspect), the rarest cards (fewest
//   accounts) first within each; benign shared cards (families, companies) come last. Per instrument its coarse
//   facts (brand, funding, issuing country; the key is a keyed hash), the accounts on it, how many are banned,
//   how many detection flagged, and the networks they sit in.
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
MATCH (a:Account)-[:PAID_WITH]->(p)
OPTIONAL MATCH (published:Publication {scope: 'detection'})
OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: a.accountId})
WITH p, a, scored ORDER BY a.accountId
WITH p, collect(a.accountId) AS accountIds, collect(DISTINCT scored.networkId) AS networkIds,
     count(CASE WHEN a.status = 'banned' OR a.label = 'abusive' THEN 1 END) AS banned,
     count(CASE WHEN scored.verdict IN ['sockpuppet', 'suspect'] THEN 1 END) AS flagged,
     count(CASE WHEN scored.verdict = 'sockpuppet' THEN 1 END) AS sockpuppets
RETURN p.key AS paymentKey, p.brand AS brand, p.funding AS funding, p.country AS country,
       size(accountIds) AS sharedBy, banned, flagged, networkIds, accountIds
ORDER BY CASE WHEN banned > 0 THEN 0 WHEN flagged > 0 THEN 1 ELSE 2 END, sharedBy, sockpuppets DESC,
         flagged DESC, paymentKey
LIMIT $limit
