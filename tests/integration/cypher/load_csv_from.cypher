// LOAD CSV from a URL the test names ($url): the local runtime must refuse file URLs and private addresses.
LOAD CSV FROM $url AS row
RETURN count(row) AS rows
