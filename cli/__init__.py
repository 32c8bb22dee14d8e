"""The `sockhound` command line: the composition root, the only layer that imports every feature package."""
