// Which of $accountIds exist in the graph.
UNWIND $accountIds AS accountId
MATCH (a:Account {accountId: accountId})
RETURN a.accountId AS accountId
