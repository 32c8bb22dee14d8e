"""`python -m sockhound` runs the CLI."""

from sockhound.cli import main

main()
