// Remove the previous run's memberships (networks themselves stay, marked by the next write). No params.
MATCH (:Account)-[m:MEMBER_OF]->(:Network)
CALL (m) { DELETE m } IN TRANSACTIONS OF 10000 ROWS
