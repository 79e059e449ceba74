"""The shared ledger of a bulk job: its inputs, who holds which item, what came of each.

Workers on several machines split one job through it. Each input has a stable key
(:func:`~._types.config_key`). A worker *claims* an item (a key holding its id, with
a lease it renews while it lives), records its *intent* just before the create leaves,
and *records* the outcome after; a record is written once and never overwritten.

* **Fencing.** Recording the intent and checking that the claim is still this worker's
  (and the ledger's epoch unchanged) is one script: a worker whose lease lapsed while
  it stalled sends nothing.
* **No intent, never sent.** An item without an intent on record can be taken over
  without any search; one with an intent but no record must be looked up first.
* **Epoch.** ``submit`` writes a random epoch; every script checks it, so a ledger
  wiped (a Redis restart without persistence, eviction, a failover to a lagging
  replica, FLUSHALL) or replaced is detected (:class:`~.errors.LedgerLostError`), never
  read as a fresh job.
* **Expiry.** The job's expiry (server time) is in its meta, and every script that
  creates a key sets it (``PEXPIREAT``): no key outlives the job.

Keys (the job id in a hash tag, so one job lives in one Redis Cluster slot)::

    codegen:{job:<id>}:meta         hash: count, digest, epoch, expires (ms), origin
    codegen:{job:<id>}:inputs       hash: index -> input (JSON)
    codegen:{job:<id>}:done         hash: item key -> record (JSON)
    codegen:{job:<id>}:intent       hash: item key -> "<server ms> <worker>"
    codegen:{job:<id>}:claim:<key>  string: the worker holding the item, with a lease

Every call goes through one outage budget per ledger (``outage_timeout``): a failing
call is retried while the outage is younger than the budget, then calls fail at once
with :class:`CoordinationError` until Redis answers again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, cast

import msgspec

from .._http._backend import AsyncRedisConnector
from .._ratelimit._redis import KEY_PREFIX, check_redis_url
from .._ratelimit._redis_outage import DEFAULT_OUTAGE_TIMEOUT, RedisOutage
from ..errors import LedgerLostError, ValidationError
from ._types import JobOrigin

__all__ = ["AsyncJobLedger", "ClaimState", "Intent", "JobState"]

ClaimState = Literal["fresh", "retry", "done", "busy"]

_NOW: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# The first line of every fenced script: the ledger is the one this worker read.
_EPOCH: Final = """
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return {'epoch', ''} end
local expires = redis.call('HGET', KEYS[1], 'expires')
"""

# KEYS: meta, inputs. ARGV: digest, count, epoch, ttl ms, origin, inputs... .
_SUBMIT: Final = (
    """
local stored = redis.call('HGET', KEYS[1], 'digest')
if stored then
  if stored ~= ARGV[1] then return {'conflict', '', ''} end
  return {'exists', redis.call('HGET', KEYS[1], 'epoch') or '',
          redis.call('HGET', KEYS[1], 'origin') or ''}
end
"""
    + _NOW
    + """
local expires = now + tonumber(ARGV[4])
for i = 6, #ARGV do redis.call('HSET', KEYS[2], i - 6, ARGV[i]) end
redis.call('HSET', KEYS[1], 'digest', ARGV[1], 'count', ARGV[2], 'epoch', ARGV[3],
           'expires', expires, 'origin', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], expires)
if #ARGV >= 6 then redis.call('PEXPIREAT', KEYS[2], expires) end
return {'new', ARGV[3], ARGV[5]}
"""
)

# KEYS: meta, inputs, done, intent. ARGV: digest, count, epoch, ttl ms, origin,
# number of inputs, inputs..., then (item key, record) pairs. Replaces the whole job.
_REBUILD: Final = (
    _NOW
    + """
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
local expires = now + tonumber(ARGV[4])
local n = tonumber(ARGV[6])
for i = 1, n do redis.call('HSET', KEYS[2], i - 1, ARGV[6 + i]) end
for i = 7 + n, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'digest', ARGV[1], 'count', ARGV[2], 'epoch', ARGV[3],
           'expires', expires, 'origin', ARGV[5])
for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], expires) end
return {'ok', ARGV[3]}
"""
)

# KEYS: meta, done, claim key, intent. ARGV: epoch, item key, worker, lease ms.
# A claim already this worker's (a retried call whose answer was lost) stays its own.
_CLAIM: Final = (
    _EPOCH
    + """
local d = redis.call('HGET', KEYS[2], ARGV[2])
if d then return {'done', d} end
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[3] then return {'busy', holder} end
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
local i = redis.call('HGET', KEYS[4], ARGV[2])
if i then return {'retry', i} end
return {'fresh', ''}
"""
)

# KEYS: meta, claim key, intent. ARGV: epoch, item key, worker, lease ms. The fence:
# the intent is written only while the claim is this worker's, and the lease restarts.
_INTENT: Final = (
    _EPOCH
    + """
if redis.call('GET', KEYS[2]) ~= ARGV[3] or redis.call('PTTL', KEYS[2]) <= 0 then
  return {'lost', ''}
end
"""
    + _NOW
    + """
redis.call('HSET', KEYS[3], ARGV[2], now .. ' ' .. ARGV[3])
redis.call('PEXPIREAT', KEYS[3], expires)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {'ok', tostring(now)}
"""
)

# KEYS: meta, done, claim key. ARGV: epoch, item key, record, worker. The first record
# wins (the same record written again, by a retried call, counts as this one's).
_RECORD: Final = (
    _EPOCH
    + """
local first = redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3])
if first == 0 and redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[3] then first = 1 end
redis.call('PEXPIREAT', KEYS[2], expires)
if redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
return {'ok', tostring(first)}
"""
)

# KEYS: meta, claim keys... ARGV: epoch, worker, lease ms. Extends only claims still ours.
_RENEW: Final = (
    _EPOCH
    + """
local kept = 0
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[2] then
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
    kept = kept + 1
  end
end
return {'ok', tostring(kept)}
"""
)

# KEYS: claim key. ARGV: worker id. Give an item back, unsent.
_UNCLAIM: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_encoder = msgspec.json.Encoder(order="sorted")


@dataclasses.dataclass(frozen=True)
class Intent:
    """An intent on record: the server's time (seconds) and the worker that wrote it."""

    at: float
    worker: str

    @classmethod
    def parse(cls, raw: str) -> Intent:
        at, _, worker = raw.partition(" ")
        try:
            return cls(int(at) / 1000, worker)
        except ValueError:
            return cls(0.0, worker)  # unreadable: treated as sent long ago


@dataclasses.dataclass(frozen=True)
class JobState:
    """What a worker reads once at start: the inputs, the epoch and the origin."""

    inputs: list[dict[str, Any]]
    epoch: str
    origin: JobOrigin | None


class AsyncJobLedger:
    """One bulk job's shared state in Redis.

    Args:
        url: The Redis server (``redis://host:6379/0``).
        job_id: The job's name; every worker of the job uses the same one.
        lease: Seconds a claim lives without being renewed (a dead or stalled worker's
            items are taken over that long after it stopped renewing them).
        outage_timeout: Seconds a lost Redis is retried for, once per ledger, from
            the outage's first failure (then calls fail at once until it answers).
    """

    def __init__(
        self,
        url: str,
        job_id: str,
        *,
        lease: float = 60.0,
        outage_timeout: float = DEFAULT_OUTAGE_TIMEOUT,
    ) -> None:
        check_redis_url(url, "redis_url")
        if not isinstance(job_id, str) or not job_id or len(job_id) > 64:
            raise ValidationError("job_id must be a non-empty string of at most 64 characters")
        if not _seconds_ok(lease) or not lease > 0:
            raise ValidationError(f"lease must be a positive number of seconds, got {lease!r}")
        if not _seconds_ok(outage_timeout):
            raise ValidationError(
                f"outage_timeout must be a number of seconds >= 0, got {outage_timeout!r}"
            )
        self.job_id = job_id
        self.lease = float(lease)
        self._lease_ms = max(1, round(lease * 1000))
        self._redis = AsyncRedisConnector(url)
        self._outage = RedisOutage(
            float(outage_timeout), f"bulk job {job_id!r}", "the job stops until Redis is back", url
        )
        self.epoch: str | None = None  # the epoch this ledger object works in
        base = f"{KEY_PREFIX}:{{job:{job_id}}}:"
        self._meta, self._inputs = base + "meta", base + "inputs"
        self._done, self._intent, self._claim = base + "done", base + "intent", base + "claim:"

    @property
    def outage_timeout(self) -> float:
        """Seconds a lost Redis is retried for (once per ledger)."""
        return self._outage.budget

    # -- the job as a whole ----------------------------------------------------------------

    async def submit(
        self,
        configs: Sequence[Mapping[str, Any]],
        origin: JobOrigin,
        *,
        ttl: float = 7 * 86400,
    ) -> JobOrigin:
        """Store the job's inputs, origin and a new epoch, atomically, once: submitting
        the same inputs again changes nothing and returns the stored origin; different
        inputs under the same job id are refused (:class:`ValidationError`)."""
        encoded, digest = _encode(configs)
        epoch = secrets.token_hex(8)
        args = [digest, len(encoded), epoch, _ttl_ms(ttl), _encoder.encode(origin.dict())]
        state, stored_epoch, stored_origin = await self._run(
            _SUBMIT, [self._meta, self._inputs], [*args, *encoded]
        )
        if state == "conflict":
            raise ValidationError(
                f"job {self.job_id!r} already exists with other inputs; use a new job_id"
            )
        self.epoch = stored_epoch
        return _origin(stored_origin) or origin

    async def rebuild(
        self,
        configs: Sequence[Mapping[str, Any]],
        origin: JobOrigin,
        records: Mapping[str, Mapping[str, Any]],
        *,
        ttl: float = 7 * 86400,
    ) -> str:
        """Replace the whole job (after a loss): inputs, origin, a new epoch, and the
        given records; no intent and no claim survive. Returns the new epoch."""
        encoded, digest = _encode(configs)
        epoch = secrets.token_hex(8)
        pairs = [x for key, rec in records.items() for x in (key, _encoder.encode(rec))]
        args = [digest, len(encoded), epoch, _ttl_ms(ttl), _encoder.encode(origin.dict())]
        keys = [self._meta, self._inputs, self._done, self._intent]
        await self._run(_REBUILD, keys, [*args, len(encoded), *encoded, *pairs])
        self.epoch = epoch
        return epoch

    async def open(self) -> JobState:
        """Read the job once (a worker's start): inputs, epoch, origin. A job never
        submitted, or whose ledger was wiped, is a :class:`ValidationError`."""
        meta = await self._command("HGETALL", self._meta)
        meta = dict(meta)
        if "count" not in meta or "epoch" not in meta:
            if self.epoch is not None:
                raise self._lost()
            raise ValidationError(
                f"no job {self.job_id!r} in the ledger: submit() it first (or, if its "
                "ledger was lost, recover() it from its inputs)"
            )
        if self.epoch is not None and meta["epoch"] != self.epoch:
            raise self._lost()
        raw = dict(await self._command("HGETALL", self._inputs))
        items = sorted(((int(k), v) for k, v in raw.items()), key=lambda kv: kv[0])
        if len(items) != int(meta["count"]):
            raise ValidationError(f"job {self.job_id!r} has incomplete inputs in the ledger")
        self.epoch = meta["epoch"]
        inputs = [msgspec.json.decode(v) for _, v in items]
        return JobState(inputs, meta["epoch"], _origin(meta.get("origin")))

    async def stored_origin(self) -> JobOrigin | None:
        """The origin in the ledger's meta, if there is one."""
        return _origin(await self._command("HGET", self._meta, "origin"))

    # -- items -----------------------------------------------------------------------------

    async def claim(self, key: str, worker: str) -> tuple[ClaimState, str]:
        """Try to take item ``key`` for ``worker``: ``("fresh", "")`` no intent on record
        (never sent), ``("retry", intent)`` sent before without a record (look it up
        first), ``("done", record)``, or ``("busy", holder)``."""
        state, info = await self._fenced(
            _CLAIM,
            [self._meta, self._done, self._claim + key, self._intent],
            [key, worker, self._lease_ms],
        )
        return cast(ClaimState, state), info

    async def intent(self, key: str, worker: str) -> float | None:
        """The fence, just before a create leaves: record the intent if the claim is
        still ``worker``'s; the server's time (seconds), or ``None`` if the claim lapsed
        (then nothing may be sent)."""
        state, now = await self._fenced(
            _INTENT, [self._meta, self._claim + key, self._intent], [key, worker, self._lease_ms]
        )
        return int(now) / 1000 if state == "ok" else None

    async def record(self, key: str, worker: str, record: Mapping[str, Any]) -> bool:
        """Write the outcome of item ``key`` and drop its claim; ``False`` if another
        worker recorded it first (the first record stands)."""
        _, first = await self._fenced(
            _RECORD,
            [self._meta, self._done, self._claim + key],
            [key, _encoder.encode(record), worker],
        )
        return first == "1"

    async def unclaim(self, key: str, worker: str) -> None:
        """Give back an item this worker claimed and did not send (no retry: at worst
        the claim lapses by itself)."""
        call = lambda: self._redis.script(_UNCLAIM, [self._claim + key], [worker])  # noqa: E731
        await self._outage.call(call, retry=False)

    async def renew(self, keys: Sequence[str], worker: str, *, retry: bool = True) -> int:
        """Extend the leases of ``worker``'s claims; returns how many are still its own
        (``retry=False``: one try, for a heartbeat that will try again anyway)."""
        claims = [self._claim + k for k in keys]
        args = [worker, self._lease_ms]
        _, kept = await self._fenced(_RENEW, [self._meta, *claims], args, retry=retry)
        return int(kept)

    async def records(self) -> dict[str, dict[str, Any]]:
        """Every recorded outcome, by item key."""
        raw = await self._command("HGETALL", self._done)
        return {k: msgspec.json.decode(v) for k, v in dict(raw).items()}

    async def intents(self) -> dict[str, Intent]:
        """Every intent on record, by item key."""
        raw = await self._command("HGETALL", self._intent)
        return {k: Intent.parse(v) for k, v in dict(raw).items()}

    async def server_time(self) -> float:
        """Redis's clock, in seconds (intents carry it)."""
        seconds, micros = await self._command("TIME")
        return int(seconds) + int(micros) / 1e6

    async def check_epoch(self) -> None:
        """Raise :class:`LedgerLostError` if the job's epoch is not this ledger's."""
        stored = await self._command("HGET", self._meta, "epoch")
        if self.epoch is not None and stored != self.epoch:
            raise self._lost()

    async def aclose(self) -> None:
        """Close the Redis connections."""
        await self._redis.aclose()

    # -- plumbing --------------------------------------------------------------------------

    async def _fenced(
        self, script: str, keys: list[str], args: list[Any], *, retry: bool = True
    ) -> tuple[str, str]:
        if self.epoch is None:
            raise ValidationError(f"job {self.job_id!r}: open() the ledger first")
        state, info = await self._run(script, keys, [self.epoch, *args], retry=retry)
        if state == "epoch":
            raise self._lost()
        return state, info

    async def _run(
        self, script: str, keys: list[str], args: list[Any], *, retry: bool = True
    ) -> Any:
        call = lambda: self._redis.script(script, keys, args)  # noqa: E731
        return await self._outage.call(call, retry=retry)

    async def _command(self, *args: Any) -> Any:
        return await self._outage.call(lambda: self._redis.command(*args))

    def _lost(self) -> LedgerLostError:
        return LedgerLostError(
            f"the ledger of bulk job {self.job_id!r} was lost or replaced (its epoch is "
            "gone or changed: a Redis restart without persistence, a failover, eviction "
            "or a flush); nothing more is sent. Recover the job with recover(configs) "
            "from a process that has its inputs"
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} job={self.job_id!r}>"


def _encode(configs: Sequence[Mapping[str, Any]]) -> tuple[list[bytes], str]:
    encoded = [_encoder.encode(c) for c in configs]
    return encoded, hashlib.sha256(b"\n".join(encoded)).hexdigest()


def _ttl_ms(ttl: float) -> int:
    if not _seconds_ok(ttl) or not ttl > 0:
        raise ValidationError(f"ttl must be a positive number of seconds, got {ttl!r}")
    return max(1, round(ttl * 1000))


def _seconds_ok(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value < 1e9


def _origin(raw: Any) -> JobOrigin | None:
    if not raw:
        return None
    try:
        return JobOrigin.from_dict(msgspec.json.decode(raw))
    except msgspec.DecodeError:
        return None
