// Close a load batch with its counts ($report: a map of numbers and strings).
MATCH (b:LoadBatch {batchId: $batchId})
SET b.status = 'complete', b.completedAt = datetime(), b += $report
RETURN b.ordinal AS ordinal
