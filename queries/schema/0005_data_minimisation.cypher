// Data minimisation: accounts keep no clear e-mail domain (only the keyed hash of the address), and a load batch
// keeps its directory's name, not the local path it was loaded from. Graphs loaded before lose both here.
MATCH (a:Account) WHERE a.emailDomain IS NOT NULL
CALL (a) { REMOVE a.emailDomain } IN TRANSACTIONS OF 10000 ROWS;
MATCH (b:LoadBatch) WHERE b.source CONTAINS '/' OR b.source CONTAINS '\\'
SET b.source = last(split(replace(b.source, '\\', '/'), '/'));
