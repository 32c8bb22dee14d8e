// How many accounts the graph holds (N in the rarity weights). No params.
MATCH (a:Account) RETURN count(a) AS accounts
