"""Scale out: many processes and hosts sharing one token's limits and one bulk job.

Everything here coordinates through a Redis server that every worker reaches:

* ``CodegenConfig(rate_limit_backend="redis://host:6379/0")`` (or the environment
  variable ``CODEGEN_RATE_LIMIT_BACKEND``) makes the client's rate limiter shared: all
  clients of one token, in any process on any host, stay within the token's limits
  together, and a 429 cools the whole group down everywhere;
* :class:`AsyncSharedBulkJob` splits one bulk create job between workers, each input
  created exactly once: every send is fenced by an intent in the ledger, and an item
  sent without a record is looked up (after a grace period) before being redone;
* :class:`CoordinationError` is raised when a Redis outage outlasts its bound (never
  with the URL's credentials in it); :class:`~.errors.LedgerLostError` when the
  job's ledger was wiped or replaced (then :meth:`AsyncSharedBulkJob.recover`).

``codegen_async.integrations.celery`` fans a job out to Celery workers. See
``docs/scale.md``. Requires the ``redis`` extra: ``pip install 'codegen-client[redis]'``.
"""

from __future__ import annotations

from ._bulk._ledger import AsyncJobLedger
from ._bulk._shared_job import AsyncSharedBulkJob
from ._ratelimit._redis import CoordinationError
from ._ratelimit._redis_limiter import AsyncRedisRateLimiter

__all__ = ["AsyncJobLedger", "AsyncRedisRateLimiter", "AsyncSharedBulkJob", "CoordinationError"]
