"""Benchmarks: sandloop measured side by side with its peers and baselines in the same run."""
