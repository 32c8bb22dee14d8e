// How many accounts share each evidence node this batch touched; very common ones are marked `common`
// (carrier NAT, popular prompts) so detection weights them down instead of chaining thousands of accounts.
// $commonThreshold: the account count from which a node counts as common.
CALL (){
  MATCH (n:IpAddress {lastBatchId: $batchId}) RETURN n
  UNION
  MATCH (n:PaymentMethod {lastBatchId: $batchId}) RETURN n
  UNION
  MATCH (n:PromptFingerprint {lastBatchId: $batchId}) RETURN n
  UNION
  MATCH (n:EmailIdentity {lastBatchId: $batchId}) RETURN n
  UNION
  MATCH (n:SyncBucket {lastBatchId: $batchId}) RETURN n
}
CALL (n) {
  WITH n, COUNT { (n)<--(:Account) } AS accounts
  SET n.accountCount = accounts, n.common = accounts >= $commonThreshold
} IN TRANSACTIONS OF 10000 ROWS
