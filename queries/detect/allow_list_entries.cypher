// Allow-list entries, all of them; `active` says whether it is in force at $now (epoch millis). `keyGiven`:
// the entry was added by its key, not from a raw value (the API shows the key only then).
MATCH (e:AllowListEntry)
RETURN e.kind AS kind, e.key AS key, e.entryId AS entryId, coalesce(e.keyGiven, false) AS keyGiven,
       e.reason AS reason, e.addedBy AS addedBy,
       e.addedAt.epochMillis AS addedAt, e.expiresAt.epochMillis AS expiresAt,
       (e.expiresAt IS NULL OR e.expiresAt > datetime({epochMillis: $now})) AS active
ORDER BY kind, key
