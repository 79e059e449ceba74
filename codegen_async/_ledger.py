"""The shared ledger of a bulk job: its inputs, who holds which item, what came of each.

Workers on several machines split one job through it. Each input has a stable key
(:func:`~._bulktypes.config_key`). A worker *claims* an item (``SET NX`` with a lease,
kept alive while the worker lives) before creating its run and *records* the outcome
after; a record is written once and never overwritten. An item claimed before whose
claim lapsed without a record belonged to a worker that died: the next claimant gets
it as ``"retry"`` and must look its run up before ever creating it again.

Keys (the job id in a hash tag, so one job lives in one Redis Cluster slot)::

    codegen:{job:<id>}:meta         hash: count, digest of the inputs
    codegen:{job:<id>}:inputs       hash: index -> input (JSON)
    codegen:{job:<id>}:done         hash: item key -> record (JSON)
    codegen:{job:<id>}:tried        set: item keys ever claimed
    codegen:{job:<id>}:claim:<key>  string: the worker holding the item, with a lease
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import msgspec

from ._backend import AsyncRedisConnector
from ._redis import KEY_PREFIX, check_redis_url
from .errors import ValidationError

__all__ = ["AsyncJobLedger", "ClaimState"]

ClaimState = Literal["fresh", "retry", "done", "busy"]

# KEYS: done hash, claim key, tried set. ARGV: item key, worker id, lease ms.
_CLAIM: Final = """
local d = redis.call('HGET', KEYS[1], ARGV[1])
if d then return {'done', d} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
  if redis.call('SADD', KEYS[3], ARGV[1]) == 1 then return {'fresh', ''} end
  return {'retry', ''}
end
return {'busy', redis.call('GET', KEYS[2]) or ''}
"""

# KEYS: done hash, claim key. ARGV: item key, record, worker id. The first record wins.
_RECORD: Final = """
local first = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return first
"""

# KEYS: claim keys. ARGV: worker id, lease ms. Extends only the claims still ours.
_RENEW: Final = """
local kept = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    kept = kept + 1
  end
end
return kept
"""

# KEYS: claim key. ARGV: worker id. Give an item back, unsent (it stays "tried" only if
# it was tried before: the caller sent nothing this time).
_UNCLAIM: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_encoder = msgspec.json.Encoder(order="sorted")


class AsyncJobLedger:
    """One bulk job's shared state in Redis.

    Args:
        url: The Redis server (``redis://host:6379/0``).
        job_id: The job's name; every worker of the job uses the same one.
        lease: Seconds a claim lives without being renewed (a dead worker's items
            are taken over that long after it stopped renewing them).
    """

    def __init__(self, url: str, job_id: str, *, lease: float = 60.0) -> None:
        check_redis_url(url, "redis_url")
        if not isinstance(job_id, str) or not job_id or len(job_id) > 64:
            raise ValidationError("job_id must be a non-empty string of at most 64 characters")
        if not lease > 0:
            raise ValidationError(f"lease must be a positive number of seconds, got {lease!r}")
        self.job_id = job_id
        self.lease = float(lease)
        self._lease_ms = max(1, round(lease * 1000))
        self._redis = AsyncRedisConnector(url)
        base = f"{KEY_PREFIX}:{{job:{job_id}}}:"
        self._meta, self._inputs = base + "meta", base + "inputs"
        self._done, self._tried, self._claim = base + "done", base + "tried", base + "claim:"

    async def submit(self, configs: Sequence[Mapping[str, Any]], *, ttl: float = 7 * 86400) -> int:
        """Store the job's inputs (once: submitting the same inputs again changes
        nothing; different inputs under the same job id are refused). Returns the count."""
        encoded = [_encoder.encode(c) for c in configs]
        digest = hashlib.sha256(b"\n".join(encoded)).hexdigest()
        stored = await self._redis.command("HGET", self._meta, "digest")
        if stored is not None and stored != digest:
            raise ValidationError(
                f"job {self.job_id!r} already exists with other inputs; use a new job_id"
            )
        if stored is None:
            fields: list[Any] = [x for i, e in enumerate(encoded) for x in (i, e)]
            if fields:
                await self._redis.command("HSET", self._inputs, *fields)
            await self._redis.command("HSET", self._meta, "count", len(encoded), "digest", digest)
        ttl_ms = max(1, round(ttl * 1000))
        for key in (self._meta, self._inputs, self._done, self._tried):
            await self._redis.command("PEXPIRE", key, ttl_ms)
        return len(encoded)

    async def inputs(self) -> list[dict[str, Any]]:
        """The job's inputs, in order (a :class:`ValidationError` if never submitted)."""
        count = await self._redis.command("HGET", self._meta, "count")
        if count is None:
            raise ValidationError(f"no job {self.job_id!r} in the ledger: submit() it first")
        raw = await self._redis.command("HGETALL", self._inputs)
        items = sorted(((int(k), v) for k, v in dict(raw).items()), key=lambda kv: kv[0])
        if len(items) != int(count):
            raise ValidationError(f"job {self.job_id!r} has incomplete inputs in the ledger")
        return [msgspec.json.decode(v) for _, v in items]

    async def claim(self, key: str, worker: str) -> tuple[ClaimState, str]:
        """Try to take item ``key`` for ``worker``: ``("fresh", "")`` never tried,
        ``("retry", "")`` a dead worker's (look it up first), ``("done", record)``,
        or ``("busy", holder)``."""
        state, info = await self._redis.script(
            _CLAIM,
            [self._done, self._claim + key, self._tried],
            [key, worker, self._lease_ms],
        )
        return state, info

    async def record(self, key: str, worker: str, record: Mapping[str, Any]) -> bool:
        """Write the outcome of item ``key`` and drop its claim; ``False`` if another
        worker recorded it first (the first record stands)."""
        first = await self._redis.script(
            _RECORD,
            [self._done, self._claim + key],
            [key, _encoder.encode(record), worker],
        )
        return bool(first)

    async def unclaim(self, key: str, worker: str) -> None:
        """Give back an item this worker claimed and did not send."""
        await self._redis.script(_UNCLAIM, [self._claim + key], [worker])

    async def renew(self, keys: Sequence[str], worker: str) -> int:
        """Extend the leases of ``worker``'s claims; returns how many are still its own."""
        if not keys:
            return 0
        claims = [self._claim + k for k in keys]
        return int(await self._redis.script(_RENEW, claims, [worker, self._lease_ms]))

    async def records(self) -> dict[str, dict[str, Any]]:
        """Every recorded outcome, by item key."""
        raw = await self._redis.command("HGETALL", self._done)
        return {k: msgspec.json.decode(v) for k, v in dict(raw).items()}

    async def aclose(self) -> None:
        """Close the Redis connections."""
        await self._redis.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} job={self.job_id!r}>"
