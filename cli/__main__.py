"""`python -m cli` runs the CLI (as the `sockhound` console script does)."""

from cli.app import main

main()
