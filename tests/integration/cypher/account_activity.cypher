// Activity features and labels of every account that sent exchanges.
MATCH (a:Account) WHERE a.exchanges IS NOT NULL
RETURN a.accountId AS accountId, a.exchanges AS exchanges, a.hourOfDay AS hourOfDay, a.label AS label,
       a.status AS status
