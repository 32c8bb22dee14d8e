// Test graph: two payment rings of 3 and 2 accounts, and one account that shares nothing.
UNWIND [
  {account: 'ring1-a', card: 'card-1'}, {account: 'ring1-b', card: 'card-1'}, {account: 'ring1-c', card: 'card-1'},
  {account: 'ring2-a', card: 'card-2'}, {account: 'ring2-b', card: 'card-2'},
  {account: 'loner', card: 'card-3'}
] AS row
MERGE (a:Account {accountId: row.account})
MERGE (p:PaymentMethod {key: row.card})
MERGE (a)-[:PAID_WITH]->(p)
