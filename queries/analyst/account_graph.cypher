// Purpose: Paths for drawing one account's neighbourhood in Neo4j Browser: the account, the rare evidence
//   it shares and the other accounts on the far side of each item. Evidence marked common or shared by more
//   than $maxSharedBy accounts is left out (it would draw a hairball, not a ring).
// Params:
//   $accountId (string) the account in the middle
//   $maxSharedBy (int, default 100) leave out evidence shared by more accounts than this
//   $limit (int, default 300) at most this many paths
// Example:
//   :param accountId => 'ring-a-00';
//   :param maxSharedBy => 100;
//   :param limit => 300;
MATCH path = (a:Account {accountId: $accountId})-[:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]->(e)
             <-[:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]-(b:Account)
WHERE 2 <= e.accountCount <= $maxSharedBy AND NOT coalesce(e.common, false) AND b <> a
RETURN path
LIMIT $limit
