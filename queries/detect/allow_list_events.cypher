// The allow-list's history, oldest first: every add (or renewal) and removal, who made it and through what.
MATCH (v:AllowListEvent)
RETURN v.action AS action, v.kind AS kind, v.key AS key, v.entryId AS entryId, v.by AS by, v.via AS via,
       v.at.epochMillis AS at
ORDER BY v.at, v.eventId
