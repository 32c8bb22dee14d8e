// Purpose: Paths for drawing a network in Neo4j Browser: each member account and the rare evidence it
//   shares with at least one other member (payment method, IP address, prompt fingerprint, sync bucket,
//   sign-up email). Evidence marked common or shared by more than $maxSharedBy accounts is left out.
// Params:
//   $networkId (string) the network to draw (ids are minted per graph: see analyst/top_networks)
//   $maxSharedBy (int, default 100) leave out evidence shared by more accounts than this
//   $limit (int, default 500) at most this many paths
// Example:
//   :param networkId => 'net-836a28b744d1';
//   :param maxSharedBy => 100;
//   :param limit => 500;
MATCH (published:Publication {scope: 'detection'})
MATCH (n:Network {runId: published.runId, networkId: $networkId})<-[:MEMBER_OF]-(a:Account)
MATCH path = (a)-[:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]->(e)
WHERE 2 <= e.accountCount <= $maxSharedBy AND NOT coalesce(e.common, false)
  AND EXISTS { (e)<-[:PAID_WITH|SEEN_FROM|SENT|IN_SYNC_BUCKET|SIGNED_UP_WITH]-(b:Account)-[:MEMBER_OF]->(n) WHERE b <> a }
RETURN path
LIMIT $limit
