// Remove an allow-list entry, by ($kind, $key) or, when $entryId is not null, by its entry id; a removal is
// recorded as an AllowListEvent ($removedBy, $via: api | cli). Returns how many were removed (0 or 1).
OPTIONAL MATCH (e:AllowListEntry)
  WHERE ($entryId IS NULL AND e.kind = $kind AND e.key = $key) OR ($entryId IS NOT NULL AND e.entryId = $entryId)
CALL (e) {
  WITH e WHERE e IS NOT NULL
  CREATE (:AllowListEvent {eventId: randomUUID(), action: 'remove', kind: e.kind, key: e.key, entryId: e.entryId,
                           by: $removedBy, via: $via, reason: e.reason, at: datetime()})
}
WITH e, CASE WHEN e IS NULL THEN 0 ELSE 1 END AS removed
DETACH DELETE e
RETURN removed
