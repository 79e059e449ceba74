"""The Celery app of the scale-out tests: ``celery -A tests.redis.celery_app worker``.

Reads ``SCALE_REDIS_URL`` (broker, results, limiter and ledger), ``SCALE_BASE_URL``
(the emulator) and ``SCALE_TIME_SCALE`` from the environment.
"""

from __future__ import annotations

import os

from celery import Celery

from codegen_async.integrations.celery import register_tasks
from tests.redis.worker import worker_config

REDIS_URL = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/0")

app = Celery("codegen_scale_test", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    worker_prefetch_multiplier=1,
    task_acks_late=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

codegen = register_tasks(
    app,
    config_factory=lambda: worker_config(
        os.environ.get("SCALE_BASE_URL", "http://127.0.0.1:8765"),
        REDIS_URL,
        float(os.environ.get("SCALE_TIME_SCALE", "0.01")),
    ),
    lease=float(os.environ.get("SCALE_LEASE", "2.0")),
)
