// Every string (and string-list element) stored on any node or relationship.
CALL () {
  MATCH (n) UNWIND keys(n) AS key RETURN n[key] AS value
  UNION ALL
  MATCH ()-[r]->() UNWIND keys(r) AS key RETURN r[key] AS value
}
WITH value WHERE value IS :: STRING OR value IS :: LIST<STRING>
UNWIND (CASE WHEN value IS :: STRING THEN [value] ELSE value END) AS text
RETURN DISTINCT text
