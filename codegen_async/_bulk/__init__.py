"""Bulk creates, exactly once: runner, job file, ledger, shared job, markers and audit."""
