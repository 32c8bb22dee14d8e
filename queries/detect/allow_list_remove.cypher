// Remove an allow-list entry ($kind, $key); returns how many were removed (0 or 1).
OPTIONAL MATCH (e:AllowListEntry {kind: $kind, key: $key})
WITH e, CASE WHEN e IS NULL THEN 0 ELSE 1 END AS removed
DETACH DELETE e
RETURN removed
