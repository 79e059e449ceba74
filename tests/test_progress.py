"""The bulk progress bar: plain lines between results when stderr is not a terminal, rate-limit
waits as they happen, an ETA that counts the limit, and wall time spent waiting."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Callable

from codegen_async._bulk._progress import LimitWatch, ProgressBar, Tally
from codegen_async._bulk._types import BulkProgress
from codegen_async._ratelimit._status import GroupLimitStatus, RateLimitStatus


def group(name: str, *, remaining: int, reset_in: float, waited: float = 0.0) -> GroupLimitStatus:
    return GroupLimitStatus(
        name=name,
        limit=10,
        window=60.0,
        remaining=remaining,
        reset_in=reset_in,
        reset_time=0.0,
        in_flight=0,
        time_waiting=waited,
        rate_limited=0,
        configured_limit=10,
    )


def status(*groups: GroupLimitStatus) -> RateLimitStatus:
    by_name = {g.name: g for g in groups}
    if "standard" not in by_name:
        by_name["standard"] = group("standard", remaining=60, reset_in=0.0)
    return RateLimitStatus.summarize(
        strategy="sliding_window", adaptive=False, groups=by_name, overall=None, time_waiting=0.0
    )


class Limiter:
    """A scripted ``get_rate_limit_status``: returns whatever ``now`` is set to."""

    def __init__(self, first: RateLimitStatus) -> None:
        self.now = first

    def __call__(self) -> RateLimitStatus:
        return self.now


def progress(done: int, total: int = 100, elapsed: float = 10.0) -> BulkProgress:
    return BulkProgress(
        total=total,
        done=done,
        succeeded=done,
        failed=0,
        unknown=0,
        in_flight=5,
        elapsed=elapsed,
        rate_limit_wait=0.0,
    )


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


class TestLimitWatch:
    def test_waiting_and_next_slot(self) -> None:
        """A group with no free slot and items left: waiting, next slot in reset_in."""
        limiter = Limiter(status(group("create_run", remaining=3, reset_in=0.0)))
        watch = LimitWatch(limiter, now=0.0)
        limiter.now = status(group("create_run", remaining=0, reset_in=12.0, waited=5.0))
        watch.sample(1.0, items_left=40)
        assert (True, 12.0) == (watch.waiting, watch.next_slot)
        assert watch.binding is not None and "create_run" == watch.binding.name

    def test_no_items_left_is_not_waiting(self) -> None:
        """A full window with nothing left to send is not a wait."""
        limiter = Limiter(status(group("create_run", remaining=0, reset_in=12.0)))
        watch = LimitWatch(limiter, now=0.0)
        watch.sample(1.0, items_left=0)
        assert (False, None) == (watch.waiting, watch.next_slot)

    def test_wall_wait_counts_time_not_requests(self) -> None:
        """Wall wait adds the time between samples while waiting, however many items wait."""
        limiter = Limiter(status(group("create_run", remaining=0, reset_in=30.0)))
        watch = LimitWatch(limiter, now=0.0)
        watch.sample(0.0, items_left=50)
        watch.sample(10.0, items_left=50)
        limiter.now = status(group("create_run", remaining=4, reset_in=0.0, waited=500.0))
        watch.sample(20.0, items_left=46)  # 10 s more: it was waiting until now
        watch.sample(30.0, items_left=40)  # not waiting since the last sample
        assert 20.0 == watch.wall_wait

    def test_eta_counts_the_limit(self) -> None:
        """40 items at 10 per 60 s with the next slot in 12 s need 12 + 3 x 60 s."""
        limiter = Limiter(status(group("create_run", remaining=0, reset_in=12.0)))
        watch = LimitWatch(limiter, now=0.0)
        watch.sample(0.0, items_left=40)
        assert 192.0 == watch.eta(40)
        assert watch.eta(0) is None


class TestPlainBar:
    def test_not_a_terminal_means_plain(self) -> None:
        """A stream that is not a terminal gets plain lines even when rich is installed."""
        stream = io.StringIO()
        bar = ProgressBar("creating runs", stream=stream)
        try:
            assert bar.plain
            bar(progress(100))
        finally:
            bar.close()
        assert stream.getvalue().startswith("creating runs: 100/100 done")

    def test_lines_between_results(self) -> None:
        """With no new result the plain bar still prints a line every interval."""
        stream = io.StringIO()
        bar = ProgressBar("creating runs", stream=stream, interval=0.05)
        try:
            bar(progress(10))
            assert wait_until(lambda: stream.getvalue().count("10/100 done") >= 3)
        finally:
            bar.close()

    def test_shows_the_rate_limit_wait(self) -> None:
        """While items wait for a slot the line says so, with the next slot and the ETA the
        limit needs (not the rate's)."""
        stream = io.StringIO()
        limiter = Limiter(status(group("create_run", remaining=0, reset_in=12.0)))
        bar = ProgressBar("creating runs", stream=stream, interval=0.05, rate_status=limiter)
        try:
            bar(progress(60, elapsed=10.0))  # at 6/s the rate alone says 7 s
            assert wait_until(lambda: "next slot in 12 s" in stream.getvalue())
        finally:
            bar.close()
        line = next(x for x in stream.getvalue().splitlines() if "next slot" in x)
        assert "waiting for rate limit, next slot in 12 s" in line
        assert "ETA 3m12s" in line  # 12 s + 3 windows of 60 s for the 40 left

    def test_close_stops_the_ticker_thread(self) -> None:
        """Without an event loop the bar ticks on a thread, joined by close()."""
        before = threading.active_count()
        bar = ProgressBar("x", stream=io.StringIO(), interval=0.01)
        assert before + 1 == threading.active_count()
        bar.close()
        assert before == threading.active_count()

    def test_ticks_on_the_running_loop(self) -> None:
        """Inside an event loop the bar ticks on the loop (no thread), so an async client's
        limiter is only read from its own thread."""
        stream = io.StringIO()
        readers: set[int] = set()

        def limiter() -> RateLimitStatus:
            readers.add(threading.get_ident())
            return status(group("create_run", remaining=0, reset_in=3.0))

        async def main() -> None:
            before = threading.active_count()
            bar = ProgressBar("x", stream=stream, interval=0.01, rate_status=limiter, tick=0.01)
            try:
                assert before == threading.active_count()
                bar(progress(1))
                for _ in range(3000):
                    if "next slot in 3 s" in stream.getvalue():
                        break
                    await asyncio.sleep(0.01)
            finally:
                bar.close()

        asyncio.run(main())
        assert "next slot in 3 s" in stream.getvalue()
        assert {threading.get_ident()} == readers


class TestTally:
    def test_snapshots_carry_the_wall_wait(self) -> None:
        """Ten items held 50 s by a full window count 50 s of wall wait, not 500."""
        limiter = Limiter(status(group("create_run", remaining=0, reset_in=50.0)))
        tally = Tally(20, started=0.0, wait_before=0.0, rate_status=limiter)
        assert 0.0 == tally.snapshot(0.0, 0.0).rate_limit_wall_wait
        limiter.now = status(group("create_run", remaining=9, reset_in=0.0, waited=500.0))
        snap = tally.snapshot(50.0, 500.0)
        assert (50.0, 500.0) == (snap.rate_limit_wall_wait, snap.rate_limit_wait)
        assert 50.0 == tally.snapshot(60.0, 500.0).rate_limit_wall_wait

    def test_without_a_limiter(self) -> None:
        """Without ``rate_status`` the wall wait stays 0.0 (the summed wait is still there)."""
        assert 0.0 == Tally(1, started=0.0, wait_before=0.0).snapshot(5.0, 3.0).rate_limit_wall_wait


class Terminal(io.StringIO):
    """A stream that says it is a terminal, so the bar draws with rich."""

    def isatty(self) -> bool:
        return True


class TestRichBar:
    def test_label_shows_the_next_slot(self) -> None:
        """In a terminal the waiting bar's label names the next slot (short, to fit 80
        columns) and the line keeps the limit's ETA."""
        stream = Terminal()
        limiter = Limiter(status(group("create_run", remaining=0, reset_in=12.0)))
        bar = ProgressBar("creating runs", stream=stream, rate_status=limiter, tick=0.01)
        try:
            assert not bar.plain
            bar(progress(60, elapsed=10.0))
            assert wait_until(lambda: "rate limit: next slot 12s" in stream.getvalue())
        finally:
            bar.close()
        assert "ETA 3m12s" in stream.getvalue()
