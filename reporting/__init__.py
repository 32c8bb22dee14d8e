"""The report (`sockhound report`): figures, index.html and summary.json from the graph's verdicts and networks.

Imports flow one way: reporting uses detect, queries and sockhound; only the CLI imports reporting.
"""
