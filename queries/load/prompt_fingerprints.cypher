// Prompt fingerprint nodes (exact / template / nearband / upstream), keyed hashes of text, never text.
UNWIND $rows AS row
MERGE (f:PromptFingerprint {key: row.key})
SET f.kind = row.kind, f.lastBatchId = $batchId
