// Empty the graph (small test graphs only).
MATCH (n) DETACH DELETE n
