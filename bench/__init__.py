"""Benchmarks: `make bench`. Each figure is quoted as a ratio against a baseline in the same run."""
