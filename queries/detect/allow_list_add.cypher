// Add (or renew) an allow-list entry for known shared infrastructure, and record the change as an
// AllowListEvent. $kind: subnet | payment | prompt; $key: keyed hash; $reason; $expiresAt: epoch millis or null
// (never expires); $addedBy: who (an API key's name, or the CLI's --by); $via: api | cli; $keyGiven: the caller
// gave the key itself rather than a raw value (only then may the API show the key back).
MERGE (e:AllowListEntry {kind: $kind, key: $key})
ON CREATE SET e.addedAt = datetime()
SET e.reason = $reason, e.addedBy = $addedBy, e.entryId = coalesce(e.entryId, randomUUID()),
    e.keyGiven = coalesce(e.keyGiven, false) OR $keyGiven,
    e.expiresAt = CASE WHEN $expiresAt IS NULL THEN null ELSE datetime({epochMillis: $expiresAt}) END
CREATE (:AllowListEvent {eventId: randomUUID(), action: 'add', kind: $kind, key: $key, entryId: e.entryId,
                         by: $addedBy, via: $via, reason: $reason, expiresAt: e.expiresAt, at: datetime()})
RETURN e.kind AS kind, e.key AS key, e.entryId AS entryId
