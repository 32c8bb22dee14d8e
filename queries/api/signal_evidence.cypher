// The evidence a sign-up's signals would share with accounts already in the graph (POST /v1/signals:check).
// Every value is a keyed hash computed by the API: $paymentKeys, $ipKeys, $subnetKeys, $emailKeys and
// $promptKeys (exact, template, nearband and upstream fingerprints) are lists, empty when the signal was not
// given. Per evidence node found: its kind, how many accounts hold it, whether it is `common`, above its
// kind's hub cap ($hubCaps: kind -> max accounts) or allow-listed at $now (epoch millis), and, when it is
// none of those, its holders (at most the cap) with what the published detection run said of them and their
// network. `accounts` is N, the graph's account count. Nothing is written.
CALL () {
  UNWIND $paymentKeys AS key MATCH (e:PaymentMethod {key: key})
  RETURN 'payment' AS kind, e, 'payment' AS listKind, e.key AS listKey
  UNION ALL
  UNWIND $ipKeys AS key MATCH (e:IpAddress {key: key})
  RETURN 'ip' AS kind, e, 'subnet' AS listKind, e.subnetKey AS listKey
  UNION ALL
  UNWIND $subnetKeys AS key MATCH (e:Subnet {key: key})
  RETURN 'subnet' AS kind, e, 'subnet' AS listKind, e.key AS listKey
  UNION ALL
  UNWIND $emailKeys AS key MATCH (e:EmailIdentity {key: key})
  RETURN 'email' AS kind, e, null AS listKind, null AS listKey
  UNION ALL
  UNWIND $promptKeys AS key MATCH (e:PromptFingerprint {key: key})
  RETURN e.kind AS kind, e, 'prompt' AS listKind, e.key AS listKey
}
WITH kind, e, coalesce(e.accountCount, 0) AS sharedBy,
     EXISTS {
       MATCH (entry:AllowListEntry {kind: listKind, key: listKey})
       WHERE entry.expiresAt IS NULL OR entry.expiresAt > datetime({epochMillis: $now})
     } AS listed
WITH kind, e, sharedBy,
     CASE WHEN coalesce(e.common, false) THEN 'common'
          WHEN sharedBy > coalesce($hubCaps[kind], 0) THEN 'hub-cap'
          WHEN listed THEN 'allow-listed' END AS ignored
CALL (kind, e, ignored) {
  WITH kind, e, ignored WHERE ignored IS NULL
  CALL (kind, e) {
    WITH kind, e WHERE kind = 'subnet'
    MATCH (e)<-[:IN_SUBNET]-(:IpAddress)<-[:SEEN_FROM]-(a:Account)
    RETURN DISTINCT a
    UNION
    WITH kind, e WHERE kind <> 'subnet'
    MATCH (e)<-[:PAID_WITH|SEEN_FROM|SENT|SIGNED_UP_WITH]-(a:Account)
    RETURN DISTINCT a
  }
  WITH a LIMIT 1000
  OPTIONAL MATCH (published:Publication {scope: 'detection'})
  OPTIONAL MATCH (scored:Assessment {runId: published.runId, accountId: a.accountId})
  OPTIONAL MATCH (n:Network {runId: published.runId, networkId: scored.networkId})
  RETURN collect({accountId: a.accountId, verdict: coalesce(scored.verdict, 'clear'),
                  risk: coalesce(scored.risk, 0.0),
                  label: a.label, status: coalesce(a.status, 'active'), networkId: n.networkId,
                  networkVerdict: n.verdict, networkRisk: n.risk, networkSize: n.size}) AS holders
}
WITH collect({kind: kind, sharedBy: sharedBy, ignored: ignored, holders: holders}) AS evidence
CALL () { MATCH (every:Account) RETURN count(every) AS accounts }
RETURN accounts, evidence
