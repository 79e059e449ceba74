"""The GET response cache, against the emulator: policy, invalidation, TTL, size, stats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codegen_async import AsyncCodegenClient, CodegenConfig
from codegen_async._http._backend import sleep
from codegen_async.emulator import Emulator

from .conftest import config_for

SCALE = 0.01
ADMIN, ALICE = "sk-cache-admin", "sk-cache-alice"


def steer(outcome: str, duration: float) -> dict[str, Any]:
    return {"emulator": {"outcome": outcome, "duration": duration}}


def cached_config(emulator: Emulator, **overrides: Any) -> CodegenConfig:
    return config_for(emulator, enable_caching=True, **overrides)


def served(emulator: Emulator, endpoint: str) -> int:
    """Requests the emulator received for one operation."""
    return emulator.accounting.total("requests", endpoint=endpoint)


class TestRunPolicy:
    async def test_active_run_never_served_to_a_waiter(self, emulator: Emulator) -> None:
        """An ACTIVE run in the cache does not stop ``wait_for_completion`` from seeing
        the run finish; afterwards the cache holds the finished run."""
        async with AsyncCodegenClient(cached_config(emulator)) as client:
            run = await client.create_agent_run(prompt="p", metadata=steer("COMPLETE", 20.0))
            cached = await client.get_agent_run(run_id=run.id)
            assert "ACTIVE" == cached.status
            assert "ACTIVE" == (await client.get_agent_run(run_id=run.id)).status  # a hit
            final = await client.wait_for_completion(run_id=run.id, timeout=5, poll_interval=0.02)
            after = await client.get_agent_run(run_id=run.id)
        assert ("COMPLETE", "COMPLETE") == (final.status, after.status)
        assert served(emulator, "get_agent_run") >= 3

    async def test_terminal_run_outlives_the_ttl(self, emulator: Emulator) -> None:
        """A finished run never changes: it stays cached past the TTL; an active one not."""
        config = cached_config(emulator, cache_ttl=0.05)
        async with AsyncCodegenClient(config) as client:
            done = await client.create_agent_run(prompt="p", metadata=steer("COMPLETE", 0.0))
            busy = await client.create_agent_run(prompt="p", metadata=steer("COMPLETE", 600.0))
            await sleep(0.02)
            statuses = [(await client.get_agent_run(run_id=r.id)).status for r in (done, busy)]
            assert ["COMPLETE", "ACTIVE"] == statuses
            before = served(emulator, "get_agent_run")
            await sleep(0.1)
            for run in (done, busy):
                await client.get_agent_run(run_id=run.id)
        assert 1 == served(emulator, "get_agent_run") - before

    async def test_cache_false_bypasses_and_refreshes(self, emulator: Emulator) -> None:
        """``cache=False`` always asks the server, and stores the fresh answer."""
        async with AsyncCodegenClient(cached_config(emulator)) as client:
            run = await client.create_agent_run(prompt="p", metadata=steer("COMPLETE", 0.5))
            await client.get_agent_run(run_id=run.id)
            await sleep(0.05)
            fresh = await client.get_agent_run(run_id=run.id, cache=False)
            again = await client.get_agent_run(run_id=run.id)
        assert ("COMPLETE", "COMPLETE") == (fresh.status, again.status)
        assert 2 == served(emulator, "get_agent_run")


class TestInvalidation:
    async def test_create_invalidates_the_run_list(self, emulator: Emulator) -> None:
        """A run created through the client shows up in the next (cached) list."""
        async with AsyncCodegenClient(cached_config(emulator)) as client:
            before = await client.get_agent_runs()
            run = await client.create_agent_run(prompt="p")
            after = await client.get_agent_runs()
        assert (before.total + 1, run.id) == (after.total, after.items[0].id)

    async def test_resume_and_ban_invalidate_the_run(self, emulator: Emulator) -> None:
        """Resume turns a cached finished run ACTIVE again; ban turns it CANCELLED."""
        async with AsyncCodegenClient(cached_config(emulator)) as client:
            run = await client.create_agent_run(prompt="p", metadata=steer("COMPLETE", 0.0))
            await sleep(0.02)
            assert "COMPLETE" == (await client.get_agent_run(run_id=run.id)).status
            await client.resume_agent_run(run_id=run.id, prompt="more [emulator:duration=600]")
            assert "ACTIVE" == (await client.get_agent_run(run_id=run.id)).status
            await client.ban_agent_run(run_id=run.id)
            assert "CANCELLED" == (await client.get_agent_run(run_id=run.id)).status

    async def test_pr_edit_invalidates_runs(self, emulator: Emulator) -> None:
        """After a PR edit the run that opened the PR is fetched from the server again."""
        async with AsyncCodegenClient(cached_config(emulator)) as client:
            meta = {"emulator": {"outcome": "COMPLETE", "duration": 0.0, "pr": True}}
            run = await client.create_agent_run(prompt="p", metadata=meta)
            await sleep(0.02)
            prs = (await client.get_agent_run(run_id=run.id)).github_pull_requests
            assert prs is not None
            before = served(emulator, "get_agent_run")
            await client.edit_pull_request(pr_id=prs[0].id, state="closed")
            await client.get_agent_run(run_id=run.id)
        assert 1 == served(emulator, "get_agent_run") - before

    async def test_settings_update_invalidates_settings(self, emulator: Emulator) -> None:
        """Updated check-suite settings are read back, not the cached old ones."""
        async with AsyncCodegenClient(cached_config(emulator)) as client:
            await client.get_check_suite_settings(repo_id=101)
            await client.update_check_suite_settings(repo_id=101, check_retry_count=9)
            after = await client.get_check_suite_settings(repo_id=101)
        assert 9 == after.check_retry_count


class TestBounds:
    async def test_ttl(self, emulator: Emulator) -> None:
        """A cached answer is reused within the TTL and fetched again after it."""
        async with AsyncCodegenClient(cached_config(emulator, cache_ttl=0.1)) as client:
            await client.get_repositories()
            await client.get_repositories()
            await sleep(0.15)
            await client.get_repositories()
        assert 2 == served(emulator, "get_repositories")

    async def test_size_and_eviction(self, emulator: Emulator) -> None:
        """The cache holds at most ``cache_max_size`` entries, least recently used out;
        once full, a URL is admitted on its second read, so one-off reads evict nothing."""
        async with AsyncCodegenClient(cached_config(emulator, cache_max_size=2)) as client:
            await client.get_repositories()
            await client.get_current_user()
            await client.get_repositories()  # hit: the user is now least recently used
            await client.get_organizations()  # full: a first read is not stored
            await client.get_organizations()  # a second read is, evicting the user
            await client.get_organizations()  # hit
            await client.get_current_user()  # evicted: fetched again, not stored
            stats = client.get_cache_stats()
        assert (2, 1, 2, 5, 2) == (
            stats.size,
            stats.evictions,
            stats.hits,
            stats.misses,
            stats.declined,
        )
        counts = [served(emulator, e) for e in ("get_repositories", "get_current_user")]
        assert [1, 2, 2] == [*counts, served(emulator, "get_organizations")]

    async def test_tokens_never_share_entries(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Two tokens asking for the same URL each get their own answer."""
        emulator = codegen_emulator_factory(
            time_scale=SCALE, rate_limits="off", tokens={ADMIN: 1, ALICE: 2}
        )
        async with (
            AsyncCodegenClient(cached_config(emulator, api_token=ADMIN)) as admin,
            AsyncCodegenClient(cached_config(emulator, api_token=ALICE)) as alice,
        ):
            names = [(await c.get_current_user()).github_username for c in (admin, alice)]
            again = [(await c.get_current_user()).github_username for c in (admin, alice)]
            sizes = [c.get_cache_stats().size for c in (admin, alice)]
            caches = {id(c._transport.cache) for c in (admin, alice)}
        assert ["emulator-admin", "alice"] == names == again
        assert [1, 1] == sizes
        assert 2 == len(caches)  # one cache per client, and a client has one token
        assert 2 == served(emulator, "get_current_user")

    async def test_clear_cache(self, emulator: Emulator) -> None:
        """``clear_cache()`` empties the cache; the next call asks the server."""
        async with AsyncCodegenClient(cached_config(emulator)) as client:
            await client.get_repositories()
            client.clear_cache()
            assert 0 == client.get_cache_stats().size
            await client.get_repositories()
        assert 2 == served(emulator, "get_repositories")


class TestStats:
    async def test_stats_add_up(self, emulator: Emulator) -> None:
        """Hits + misses = cacheable calls; hits are not requests; the server saw
        exactly the requests counted."""
        async with AsyncCodegenClient(cached_config(emulator)) as client:
            for _ in range(3):
                await client.get_repositories()
                await client.get_current_user()
            await client.get_cli_rules()
            await client.create_agent_run(prompt="p")  # not cacheable
            cache = client.get_cache_stats()
            stats = client.get_stats()
        assert (4, 3) == (cache.hits, cache.misses)
        assert (cache.hits, cache.misses) == (stats.cache_hits, stats.cache_misses)
        assert cache.hit_rate == stats.cache_hit_rate
        assert 4 == stats.total_requests == emulator.accounting.total("requests")

    async def test_disabled_cache_reports_zeros(self, client: AsyncCodegenClient) -> None:
        """Without caching every call asks the server and the stats stay at zero."""
        await client.get_repositories()
        await client.get_repositories()
        assert (0, 0, 0, 0.0) == tuple(
            getattr(client.get_cache_stats(), f) for f in ("hits", "misses", "size", "hit_rate")
        )
