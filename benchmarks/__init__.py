"""Benchmark suite for codegen-client; run with ``python -m benchmarks.run``."""
