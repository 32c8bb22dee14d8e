// Add (or renew) an allow-list entry for known shared infrastructure. $kind: subnet | payment | prompt;
// $key: keyed hash; $reason; $expiresAt: epoch millis or null (never expires); $addedBy.
MERGE (e:AllowListEntry {kind: $kind, key: $key})
ON CREATE SET e.addedAt = datetime()
SET e.reason = $reason, e.addedBy = $addedBy,
    e.expiresAt = CASE WHEN $expiresAt IS NULL THEN null ELSE datetime({epochMillis: $expiresAt}) END
RETURN e.kind AS kind, e.key AS key
