// What graphs loaded before data minimisation hold: a clear e-mail domain, batches named by their local path.
CREATE (:Account {accountId: 'acct-legacy', emailDomain: 'gmail.com'}),
       (:LoadBatch {batchId: 'legacy-1', source: '/home/someone/exports/batch-old'}),
       (:LoadBatch {batchId: 'legacy-2', source: 'C:\\exports\\batch-win'})
