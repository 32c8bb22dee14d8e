// Every label decision about one account, oldest recorded first (tests of label precedence and provenance).
MATCH (d:LabelDecision)-[:ABOUT]->(:Account {accountId: $id})
RETURN d.label AS label, d.source AS source, d.claimedSource AS claimedSource, d.recordedBy AS recordedBy,
       d.recordedVia AS via, d.recordedAt IS NOT NULL AS recorded, d.at AS at
ORDER BY d.recordedAt, d.label
