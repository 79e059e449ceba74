"""Fan one bulk create job out to Celery workers (Redis as broker), and gather it.

Every worker task works on the *same* job through the shared ledger, so the work
splits itself, however many tasks run and wherever; the client's shared rate limiter
keeps all of them, together, within the token's limits. A worker that dies leaves its
items to the others (they look its runs up before creating anything again), and its
task is redelivered (``acks_late``, ``reject_on_worker_lost``). Celery tasks are
synchronous, so the workers use ``codegen_sync``; this module is the same object as
``codegen_sync.integrations.celery``.

In the worker's module (``celery -A myproject.tasks worker``)::

    from celery import Celery
    from codegen_async.integrations.celery import register_tasks

    app = Celery("myproject", broker="redis://redis:6379/1", backend="redis://redis:6379/1")
    app.conf.worker_prefetch_multiplier = 1   # one long job task reserved per process
    codegen = register_tasks(app)   # clients from CODEGEN_* environment variables

On the coordinator::

    job_id = codegen.fan_out(configs, workers=4)    # stores the inputs, sends 4 tasks
    results = codegen.gather(job_id, timeout=3600)  # one BulkResult per input, in order

Set ``worker_prefetch_multiplier = 1``: each task works on a whole job for a long time,
and Celery's default (4 per process, with ``acks_late``) leaves reserved tasks waiting
behind a busy one while other workers are idle.

Workers need ``CODEGEN_API_TOKEN`` and ``CODEGEN_RATE_LIMIT_BACKEND`` (the shared
Redis), or a ``config_factory``. Requires ``pip install 'codegen-client[celery,redis]'``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from codegen_async._bulk._types import BulkResult, new_job_id
from codegen_async.config import CodegenConfig
from codegen_async.errors import ConfigurationError, ValidationError

__all__ = ["CodegenCeleryTasks", "register_tasks"]

TASK_NAME = "codegen.work_on_bulk_job"


class CodegenCeleryTasks:
    """The task registered on a Celery app, and the coordinator's two calls.

    Attributes:
        app: The Celery app.
        work_on_job: The Celery task; each call works on one job until it is settled.
    """

    def __init__(
        self, app: Any, config_factory: Callable[[], CodegenConfig], *, lease: float
    ) -> None:
        self.app = app
        self._config_factory = config_factory
        self._lease = lease

        def work_on_bulk_job(
            job_id: str, org_id: int | None = None, max_concurrent: int = 5
        ) -> dict[str, Any]:
            """Work on bulk job ``job_id`` until every input is settled."""
            return self._work(job_id, org_id, max_concurrent)

        self.work_on_job = app.task(
            name=TASK_NAME,
            acks_late=True,  # a task whose worker dies is handed to another one
            reject_on_worker_lost=True,
            ignore_result=False,
        )(work_on_bulk_job)

    def config(self) -> CodegenConfig:
        """The client configuration of this process (the worker's or coordinator's)."""
        config = self._config_factory()
        if not config.rate_limit_backend:
            raise ConfigurationError(
                "Celery workers must share the token's limits: set rate_limit_backend "
                "(CODEGEN_RATE_LIMIT_BACKEND) to the shared Redis"
            )
        return config

    def _work(
        self, job_id: str, org_id: int | None = None, max_concurrent: int = 5
    ) -> dict[str, Any]:
        from codegen_sync import CodegenClient
        from codegen_sync.scale import SharedBulkJob

        with CodegenClient(self.config()) as client:
            with SharedBulkJob(client, job_id, org_id=org_id, lease=self._lease) as job:
                settled = job.work(max_concurrent=max_concurrent)
            stats = client.get_stats()
        statuses: dict[str, int] = {}
        for result in settled:
            statuses[result.status] = statuses.get(result.status, 0) + 1
        return {
            "job_id": job_id,
            "settled": len(settled),
            "statuses": statuses,
            "rate_limited": stats.rate_limited,
        }

    def fan_out(
        self,
        configs: Sequence[Mapping[str, Any]],
        *,
        workers: int = 4,
        job_id: str | None = None,
        org_id: int | None = None,
        max_concurrent: int = 5,
    ) -> str:
        """Store the job's inputs in the ledger and send ``workers`` tasks for it.

        Returns the job id (to :meth:`gather`, or to fan out more workers later).
        """
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValidationError(f"workers must be a positive integer, got {workers!r}")
        from codegen_sync import CodegenClient
        from codegen_sync.scale import SharedBulkJob

        job_id = job_id or new_job_id()
        with CodegenClient(self.config()) as client, SharedBulkJob(client, job_id) as job:
            job.submit(configs)
        for _ in range(workers):
            self.work_on_job.apply_async(
                args=(job_id,), kwargs={"org_id": org_id, "max_concurrent": max_concurrent}
            )
        return job_id

    def gather(
        self, job_id: str, *, timeout: float = 3600.0, poll: float = 0.5
    ) -> list[BulkResult]:
        """Wait until every input of the job is settled (or ``timeout`` passes); one
        :class:`BulkResult` per input, in order, read from the ledger (the truth, even
        when a worker died) and, once all are settled, corrected by the job's audit
        (runs found late, duplicates). Items not settled in time are ``"unknown"``
        (sent, no record yet) or ``"cancelled"`` (never sent)."""
        from codegen_sync import CodegenClient
        from codegen_sync.scale import SharedBulkJob

        deadline = time.monotonic() + timeout
        with CodegenClient(self.config()) as client, SharedBulkJob(client, job_id) as job:
            while True:
                results = job.results()
                if len(job.ledger.records()) >= len(results):
                    return job.results(audit=job.audit())
                if time.monotonic() >= deadline:
                    return results
                time.sleep(poll)


def register_tasks(
    app: Any,
    *,
    config_factory: Callable[[], CodegenConfig] | None = None,
    lease: float = 60.0,
) -> CodegenCeleryTasks:
    """Register the bulk-job task on ``app``.

    Args:
        app: A ``celery.Celery`` app (Redis broker recommended).
        config_factory: Makes each process's client configuration; by default
            ``CodegenConfig()`` (every setting from ``CODEGEN_*`` variables).
        lease: Seconds after which a silent worker's items are taken over.
    """
    return CodegenCeleryTasks(app, config_factory or CodegenConfig, lease=lease)
