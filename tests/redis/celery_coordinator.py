"""Fan a job out to the test Celery workers and gather it, in a process of its own.

    python -m tests.redis.celery_coordinator N   (env as for tests.redis.celery_app)

Prints one JSON line: the job id and, per input in order, its status.
"""

from __future__ import annotations

import json
import sys

from tests.redis import harness as h
from tests.redis.celery_app import app, codegen


def main() -> int:
    n = int(sys.argv[1])
    job_id = codegen.fan_out(h.prompts(n, "celery"), workers=4)
    results = codegen.gather(job_id, timeout=120, poll=0.2)
    app.close()
    print(
        json.dumps(
            {
                "job_id": job_id,
                "indexes": [r.index for r in results],
                "statuses": [r.status for r in results],
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
