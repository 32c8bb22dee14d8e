// Accounts labelled abusive (their latest label decision): the seeds of personalised PageRank. No params.
MATCH (a:Account {label: 'abusive'})
RETURN id(a) AS nodeId, a.accountId AS accountId
