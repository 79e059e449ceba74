"""Benchmark suite for codegen-client (issue #9); run with ``python -m benchmarks.run``."""
