// Accounts grouped by the payment method they share (2 or more).
MATCH (a:Account)-[:PAID_WITH]->(p:PaymentMethod)
WITH p, collect(a.accountId) AS accounts
WHERE size(accounts) >= 2
RETURN p.key AS paymentKey, accounts
