"""The Redis-shared rate limiter, against a real redis-server and the emulator's limits."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from codegen_async import AsyncCodegenClient, CodegenConfig
from codegen_async._ratelimit._redis import redact_url
from codegen_async.emulator import Emulator
from codegen_async.errors import ConfigurationError
from codegen_async.scale import AsyncRedisRateLimiter, CoordinationError
from codegen_sync import CodegenClient
from codegen_sync.scale import RedisRateLimiter
from tests.redis.conftest import RedisServer, free_port
from tests.redis.worker import scaled_limits

SCALE = 0.01


def _config(emu: Emulator, redis_url: str, **extra: Any) -> CodegenConfig:
    settings: dict[str, Any] = {
        "base_url": emu.url,
        "api_token": emu.token,
        "org_id": emu.org_id,
        "rate_limits": scaled_limits(SCALE),
        "rate_limit_backend": redis_url,
        "max_retries": 0,
        "timeout": 5.0,
    }
    settings.update(extra)
    return CodegenConfig(**settings)


class TestSharedLimits:
    async def test_clients_of_one_token_share_its_limits(
        self, redis_url: str, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Three async clients and a sync one, each with the full limit, together get
        no 429 from a server enforcing the token's limits, and all their runs are made."""
        emu = codegen_emulator_factory(time_scale=SCALE)
        clients = [AsyncCodegenClient(_config(emu, redis_url)) for _ in range(3)]
        sync_errors: list[BaseException] = []

        def sync_side() -> None:
            with CodegenClient(_config(emu, redis_url)) as client:
                for i in range(8):
                    try:
                        client.create_agent_run(prompt=f"sync {i}")
                    except BaseException as exc:  # surfaced by the assertion below
                        sync_errors.append(exc)

        async def async_side(client: AsyncCodegenClient, n: int) -> None:
            for i in range(n):
                await client.create_agent_run(prompt=f"async {i}")

        thread = threading.Thread(target=sync_side)
        thread.start()
        try:
            await asyncio.gather(*(async_side(c, 8) for c in clients))
        finally:
            await asyncio.to_thread(thread.join, 30)
            for c in clients:
                await c.aclose()
        assert [] == sync_errors
        assert 0 == emu.accounting.total("rate_limited")
        assert 32 == emu.accounting.total("runs_created")

    async def test_a_429_cools_the_group_down_in_every_process(
        self, redis_url: str, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """After one limiter records a 429 with Retry-After, another limiter of the same
        token waits that long before its next slot."""
        emu = codegen_emulator_factory(time_scale=SCALE)
        first = AsyncRedisRateLimiter(_config(emu, redis_url))
        second = AsyncRedisRateLimiter(_config(emu, redis_url))
        try:
            await first.penalize("create_run", 0.3, 0.0)
            waited = await second.acquire("create_run")
            await second.release("create_run", True)
        finally:
            await first.aclose()
            await second.aclose()
        assert 0.25 <= waited < 1.0
        assert 1 == first.status().groups["create_run"].rate_limited

    def test_sync_limiter_waits_for_a_slot_freed_elsewhere(
        self, redis_url: str, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """A full window (filled by another limiter) makes the sync limiter wait until
        the oldest request leaves it: the window counts from each request's end."""
        emu = codegen_emulator_factory(time_scale=SCALE)
        config = _config(emu, redis_url, rate_limits={"create_run": (2, 0.3)})
        other, me = RedisRateLimiter(config), RedisRateLimiter(config)
        try:
            for _ in range(2):
                other.acquire("create_run")
                other.release("create_run", True)
            waited = me.acquire("create_run")
            me.release("create_run", True)
        finally:
            other.close()
            me.close()
        assert 0.2 <= waited < 1.0  # the 0.3 s window, with room for a loaded machine

    def test_keys_name_a_digest_of_the_token_never_the_token(
        self, redis_server: RedisServer, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Nothing in Redis carries the API token."""
        import redis

        emu = codegen_emulator_factory(time_scale=SCALE)
        with CodegenClient(_config(emu, redis_server.url)) as client:
            client.create_agent_run(prompt="one")
        with redis.Redis.from_url(redis_server.url) as raw:
            keys = [k.decode() for k in raw.keys("*")]
        assert keys
        assert [] == [k for k in keys if emu.token in k]


class TestFailures:
    async def test_unreachable_redis_at_start_is_a_clear_error_without_secrets(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """No Redis at the URL: the first request fails at once, naming the server
        but not the password, and nothing reaches the API."""
        emu = codegen_emulator_factory(time_scale=SCALE)
        url = f"redis://user:s3cret-pw@127.0.0.1:{free_port()}/0"
        async with AsyncCodegenClient(_config(emu, url)) as client:
            with pytest.raises(CoordinationError) as info:
                await client.create_agent_run(prompt="x")
        message = str(info.value)
        assert "s3cret-pw" not in message
        assert redact_url(url) in message
        assert info.value.request_sent is False
        assert 0 == emu.accounting.total("requests")

    def test_bad_backend_url_is_a_configuration_error(self) -> None:
        """A backend that is not a redis:// URL is refused when the client is made."""
        with pytest.raises(ConfigurationError, match="rate_limit_backend"):
            CodegenClient(CodegenConfig(api_token="t", rate_limit_backend="http://x"))

    def test_adaptive_limits_cannot_be_shared(self) -> None:
        """Adaptive limits are learned per process, so they are refused with Redis."""
        config = CodegenConfig(
            api_token="t", rate_limit_backend="redis://127.0.0.1:1/0", adaptive_rate_limit=True
        )
        with pytest.raises(ConfigurationError, match="adaptive_rate_limit"):
            CodegenClient(config)

    async def test_redis_lost_mid_job_pauses_then_errors(
        self, own_redis: RedisServer, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Redis lost after first contact: acquire retries for outage_timeout seconds,
        then fails; it never falls back to per-process limits."""
        emu = codegen_emulator_factory(time_scale=SCALE)
        limiter = AsyncRedisRateLimiter(_config(emu, own_redis.url), outage_timeout=0.5)
        try:
            await limiter.acquire("standard")
            await limiter.release("standard", True)
            own_redis.stop()
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(CoordinationError, match="requests stop"):
                await limiter.acquire("standard")
            elapsed = loop.time() - started
        finally:
            await limiter.aclose()
        # Not before the outage budget; the upper bound (10 times it) only proves no hang.
        assert 0.4 <= elapsed < 5.0

    def test_redis_back_within_the_outage_timeout_resumes(
        self, own_redis: RedisServer, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """A Redis restarted while a request waits for it lets the request go on."""
        emu = codegen_emulator_factory(time_scale=SCALE)
        limiter = RedisRateLimiter(_config(emu, own_redis.url), outage_timeout=10.0)
        try:
            limiter.acquire("standard")
            limiter.release("standard", True)
            own_redis.stop()
            timer = threading.Timer(0.4, own_redis.restart)
            timer.start()
            try:
                waited = limiter.acquire("standard")
            finally:
                timer.join()
            limiter.release("standard", True)
        finally:
            limiter.close()
        assert waited >= 0.3


class TestOutageBound:
    async def test_an_outage_is_waited_out_once_per_limiter_not_per_request(
        self, own_redis: RedisServer, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Ten requests one after another with Redis gone: the first waits the outage
        budget (1 s), the others fail at once, until Redis answers again."""
        emu = codegen_emulator_factory(time_scale=SCALE)
        limiter = AsyncRedisRateLimiter(_config(emu, own_redis.url), outage_timeout=1.0)
        try:
            await limiter.acquire("standard")
            await limiter.release("standard", True)
            own_redis.stop()
            loop = asyncio.get_running_loop()
            started = loop.time()
            for _ in range(10):
                with pytest.raises(CoordinationError):
                    await limiter.acquire("standard")
            elapsed = loop.time() - started
            own_redis.restart()
            await limiter.acquire("standard")  # back: the next outage has its own budget
            await limiter.release("standard", True)
        finally:
            await limiter.aclose()
        # One budget per outage, not per request (that would be 10 s and more): the bound is
        # half of that, generous for a 1 s budget.
        assert 0.9 <= elapsed < 5.0

    async def test_a_limiter_first_used_in_an_outage_of_a_known_redis_waits_it_out(
        self, own_redis: RedisServer, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """A worker's limiter whose first request falls in a restart of a Redis the
        process already reached (its ledger, another limiter): it retries through the
        gap instead of failing as if the URL were wrong."""
        emu = codegen_emulator_factory(time_scale=SCALE)
        first = AsyncRedisRateLimiter(_config(emu, own_redis.url))
        second = AsyncRedisRateLimiter(_config(emu, own_redis.url))
        timer = threading.Timer(0.5, own_redis.restart)
        try:
            await first.acquire("standard")
            await first.release("standard", True)
            own_redis.stop()
            timer.start()
            await second.acquire("standard")  # its first call, during the outage
            await second.release("standard", True)
        finally:
            timer.join()
            await first.aclose()
            await second.aclose()
