"""Agent runs: lazy lifecycle, steering, resume, ban/unban/remove-from-pr, logs."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from codegen_async.emulator import Emulator, EmulatorConfig

from .helpers import call, org_path


def _emu(**kw: object) -> Emulator:
    kw.setdefault("rate_limits", "off")
    return Emulator(EmulatorConfig(**kw))  # type: ignore[arg-type]


async def _create(emu: Emulator, prompt: str = "task", **body: object) -> dict:  # type: ignore[type-arg]
    status, run, _ = await call(
        emu, "POST", org_path(emu, "/agent/run"), json_body={"prompt": prompt, **body}
    )
    assert status == 200, run
    return run  # type: ignore[no-any-return]


async def _get(emu: Emulator, run_id: int) -> dict:  # type: ignore[type-arg]
    status, run, _ = await call(emu, "GET", org_path(emu, f"/agent/run/{run_id}"))
    assert status == 200, run
    return run  # type: ignore[no-any-return]


class TestLifecycle:
    async def test_new_run_is_active_api_with_empty_fields(self) -> None:
        """A new run is ACTIVE, source API, no result, no PRs, metadata echoed."""
        async with _emu() as emu:
            run = await _create(emu, metadata={"ticket": 7})
        assert run["status"] == "ACTIVE"
        assert run["source_type"] == "API"
        assert (run["result"], run["summary"], run["github_pull_requests"]) == (None, None, [])
        assert run["metadata"] == {"ticket": 7}
        assert run["web_url"] == f"https://codegen.com/agent/trace/{run['id']}"
        assert run["organization_id"] == emu.org_id

    async def test_completes_after_its_duration_in_scaled_time(self) -> None:
        """With time_scale 0.01, a 20 s run is done after 0.2 wall seconds."""
        async with _emu(time_scale=0.01) as emu:
            steer = {"emulator": {"outcome": "COMPLETE", "duration": 20, "pr": True}}
            run = await _create(emu, repo_id=101, metadata=steer)
            started = time.monotonic()
            while (await _get(emu, run["id"]))["status"] == "ACTIVE":
                # Only a bound on the loop (100 times the run's 0.2 s): it proves no hang.
                assert time.monotonic() - started < 20
                await _sleep(0.02)
            done = await _get(emu, run["id"])
            elapsed = time.monotonic() - started
        # Never before its scaled duration (a load on the machine can only make it later).
        assert elapsed > 0.1
        assert done["status"] == "COMPLETE"
        assert done["result"] and done["summary"]
        [pr] = done["github_pull_requests"]
        assert pr["url"].startswith("https://github.com/") and "/pull/" in pr["url"]
        assert done["metadata"] == steer

    @pytest.mark.parametrize(
        ("steer", "expected"),
        [
            ({"metadata": {"emulator": {"outcome": "FAILED"}}}, "FAILED"),
            ({"metadata": {"emulator": {"outcome": "error"}}}, "ERROR"),
            ({"metadata": {"emulator": {"outcome": "PAUSED"}}}, "PAUSED"),
            ({"metadata": {"emulator": {"outcome": "CANCELLED"}}}, "CANCELLED"),
            ({"metadata": {"emulator": {"outcome": "SOMETHING_NEW"}}}, "SOMETHING_NEW"),
            ({"prompt": "do it [emulator:fail]"}, "FAILED"),
            ({"prompt": "do it [emulator:error]"}, "ERROR"),
            ({"prompt": "do it [emulator:pause]"}, "PAUSED"),
            ({"prompt": "do it [emulator:complete]"}, "COMPLETE"),
        ],
    )
    async def test_outcome_is_steered(self, steer: dict, expected: str) -> None:  # type: ignore[type-arg]
        """Metadata or a prompt tag decides the terminal status deterministically."""
        async with _emu() as emu:
            body = {"prompt": "task", **steer}
            run = await _create(emu, **body)
            assert run["status"] == "ACTIVE"
            emu.clock.advance(121)
            assert (await _get(emu, run["id"]))["status"] == expected

    async def test_duration_is_steered(self) -> None:
        """metadata.emulator.duration sets the run's length in emulated seconds."""
        async with _emu() as emu:
            run = await _create(emu, metadata={"emulator": {"duration": 3.0}})
            emu.clock.advance(2.9)
            assert (await _get(emu, run["id"]))["status"] == "ACTIVE"
            emu.clock.advance(0.2)
            assert (await _get(emu, run["id"]))["status"] != "ACTIVE"

    async def test_bad_steering_is_a_422(self) -> None:
        """A malformed steering value is rejected loudly, pointing at the key."""
        async with _emu() as emu:
            status, body, _ = await call(
                emu,
                "POST",
                org_path(emu, "/agent/run"),
                json_body={"prompt": "x", "metadata": {"emulator": {"duration": "soon"}}},
            )
        assert status == 422
        assert body["detail"][0]["loc"] == ["body", "metadata", "emulator", "duration"]

    async def test_durations_and_outcomes_are_seeded(self) -> None:
        """The same seed draws the same durations and outcomes; mostly COMPLETE."""

        def draw(seed: int) -> list[tuple[float, str | None]]:
            emu = _emu(seed=seed)
            runs = [emu.state.create_run(emu.org_id, 1, f"t{i}") for i in range(400)]
            return [(r.segment.duration, r.segment.outcome) for r in runs]

        first, again, other = draw(1), draw(1), draw(2)
        assert first == again
        assert first != other
        durations = [d for d, _ in first]
        assert min(durations) >= 5.0 and max(durations) <= 120.0
        outcomes = Counter(o for _, o in first)
        assert outcomes.most_common(1)[0][0] == "COMPLETE"
        assert {"FAILED", "ERROR", "PAUSED"} <= set(outcomes)

    def test_many_runs_cost_no_tasks(self) -> None:
        """100,000 runs are plain objects: created with no event loop running (so no task or
        timer per run), then listed newest first."""
        emu = _emu()
        for i in range(100_000):
            emu.state.create_run(emu.org_id, 1, f"t{i}")
        runs, total = emu.state.list_runs(emu.org_id, None, None, 0, 100)
        assert total == 100_000 and runs[0].id > runs[-1].id


class TestResumeAndStop:
    async def test_resume_paused_run(self) -> None:
        """Resume makes a PAUSED run ACTIVE again, then it finishes (COMPLETE by default)."""
        async with _emu() as emu:
            run = await _create(emu, "[emulator:pause]")
            emu.clock.advance(121)
            assert (await _get(emu, run["id"]))["status"] == "PAUSED"
            status, resumed, _ = await call(
                emu,
                "POST",
                org_path(emu, "/agent/run/resume"),
                json_body={"agent_run_id": run["id"], "prompt": "here are details"},
            )
            assert (status, resumed["id"], resumed["status"]) == (200, run["id"], "ACTIVE")
            emu.clock.advance(121)
            assert (await _get(emu, run["id"]))["status"] == "COMPLETE"

    async def test_resume_finished_run_with_steered_outcome(self) -> None:
        """A follow-up on a finished run restarts it; its prompt tag steers the new outcome."""
        async with _emu() as emu:
            run = await _create(emu, metadata={"emulator": {"duration": 1}})
            emu.clock.advance(2)
            await call(
                emu,
                "POST",
                org_path(emu, "/agent/run/resume"),
                json_body={"agent_run_id": run["id"], "prompt": "again [emulator:fail]"},
            )
            assert (await _get(emu, run["id"]))["status"] == "ACTIVE"
            emu.clock.advance(121)
            assert (await _get(emu, run["id"]))["status"] == "FAILED"

    @pytest.mark.parametrize("action", ["ban", "remove-from-pr"])
    async def test_ban_cancels_an_active_run(self, action: str) -> None:
        """Ban and remove-from-pr stop a working run: CANCELLED, and it stays so."""
        async with _emu() as emu:
            run = await _create(emu, metadata={"emulator": {"duration": 50}})
            status, body, _ = await call(
                emu,
                "POST",
                org_path(emu, f"/agent/run/{action}"),
                json_body={"agent_run_id": run["id"]},
            )
            assert status == 200 and isinstance(body, dict)
            emu.clock.advance(100)
            after = await _get(emu, run["id"])
            assert (after["status"], after["result"]) == ("CANCELLED", None)
            assert emu.state.runs[run["id"]].banned is True

    async def test_ban_leaves_a_finished_run_and_unban_lifts_the_flag(self) -> None:
        """A finished run keeps its status when banned; unban clears the ban flag."""
        async with _emu() as emu:
            run = await _create(emu, metadata={"emulator": {"outcome": "COMPLETE", "duration": 1}})
            emu.clock.advance(2)
            path = org_path(emu, "/agent/run/ban")
            await call(emu, "POST", path, json_body={"agent_run_id": run["id"]})
            assert (await _get(emu, run["id"]))["status"] == "COMPLETE"
            assert emu.state.runs[run["id"]].banned
            path = org_path(emu, "/agent/run/unban")
            status, _, _ = await call(emu, "POST", path, json_body={"agent_run_id": run["id"]})
            assert status == 200 and not emu.state.runs[run["id"]].banned


class TestLogs:
    async def test_logs_grow_while_active_and_close_with_the_outcome(self) -> None:
        """More log entries appear as the run progresses; a final entry ends a finished run."""
        async with _emu() as emu:
            steer = {"emulator": {"duration": 100, "logs": 9, "outcome": "COMPLETE"}}
            run = await _create(emu, metadata=steer)
            path = f"/v1/alpha/organizations/{emu.org_id}/agent/run/{run['id']}/logs"
            seen = []
            for _ in range(3):
                status, body, _ = await call(emu, "GET", path)
                assert status == 200
                seen.append(body["total_logs"])
                emu.clock.advance(40)
            status, final, _ = await call(emu, "GET", path)
        assert seen == sorted(seen) and seen[0] < seen[-1]
        assert final["status"] == "COMPLETE" and final["total_logs"] == 10
        assert final["logs"][-1]["message_type"] == "FINAL_ANSWER"
        assert final["logs"][0]["message_type"] == "PLAN_EVALUATION"
        assert {e["agent_run_id"] for e in final["logs"]} == {run["id"]}

    async def test_logs_paging_and_reverse(self) -> None:
        """skip/limit page the logs; reverse=true gives newest first."""
        async with _emu() as emu:
            run = await _create(emu, metadata={"emulator": {"duration": 1, "logs": 20}})
            emu.clock.advance(2)
            path = f"/v1/alpha/organizations/{emu.org_id}/agent/run/{run['id']}/logs"
            _, forward, _ = await call(emu, "GET", path, params={"skip": 5, "limit": 5})
            _, backward, _ = await call(emu, "GET", path, params={"reverse": "true"})
        assert (forward["total_logs"], forward["page"], forward["size"], forward["pages"]) == (
            21,
            2,
            5,
            5,
        )
        assert forward["logs"] == backward["logs"][::-1][5:10]


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
