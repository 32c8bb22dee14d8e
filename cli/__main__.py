"""`python -m cli` runs the CLI (as the `sockhound` console script does)."""

import sys

from cli.app import main

sys.exit(main())
