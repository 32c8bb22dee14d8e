// Allow-list entries, all of them; `active` says whether it is in force at $now (epoch millis).
MATCH (e:AllowListEntry)
RETURN e.kind AS kind, e.key AS key, e.reason AS reason, e.addedBy AS addedBy,
       e.addedAt.epochMillis AS addedAt, e.expiresAt.epochMillis AS expiresAt,
       (e.expiresAt IS NULL OR e.expiresAt > datetime({epochMillis: $now})) AS active
ORDER BY kind, key
