// How many SEEN_FROM edges exist.
MATCH ()-[r:SEEN_FROM]->() RETURN count(r) AS edges
