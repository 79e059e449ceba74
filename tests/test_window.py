"""Unit tests of the pure sliding window and adaptive-limit arithmetic (explicit clocks)."""

from __future__ import annotations

import random
import threading

import pytest

from codegen_async._ratelimit._window import AdaptiveLimit, SlidingWindow, acquire_all


def _fill(window: SlidingWindow, now: float, n: int, *, latency: float = 0.0) -> None:
    for _ in range(n):
        assert 0.0 == window.try_acquire(now)
        window.release(now + latency)


class TestSlidingWindow:
    def test_burst_up_to_limit(self) -> None:
        """A fresh window lets ``limit`` requests go at once, and not one more."""
        window = SlidingWindow(3, 10.0)
        assert [0.0, 0.0, 0.0] == [window.try_acquire(0.0) for _ in range(3)]
        assert window.try_acquire(0.0) > 0

    def test_slot_counts_from_the_end_of_a_request(self) -> None:
        """A slot frees one window after its request *finished*, not after it started."""
        window = SlidingWindow(1, 10.0)
        assert 0.0 == window.try_acquire(0.0)
        window.release(2.0)  # a 2 s round trip
        assert pytest.approx(8.0) == window.try_acquire(4.0)
        assert window.try_acquire(11.9) > 0
        assert 0.0 == window.try_acquire(12.0)

    def test_in_flight_requests_hold_their_slot(self) -> None:
        """With every slot in flight the wait is a whole window (no slot can free sooner)."""
        window = SlidingWindow(2, 5.0)
        window.try_acquire(0.0)
        window.try_acquire(0.0)
        assert 5.0 == window.try_acquire(1.0)
        assert 2 == window.in_flight()

    def test_cancel_gives_the_slot_back(self) -> None:
        """A slot taken but never used is free again at once."""
        window = SlidingWindow(1, 5.0)
        window.try_acquire(0.0)
        window.cancel()
        assert 0.0 == window.try_acquire(0.0)

    def test_never_more_than_limit_in_any_window(self) -> None:
        """Simulated greedy clients with random latencies: no window of W seconds (by
        arrival time) ever holds more than N requests."""
        rng = random.Random(7)
        limit, span = 5, 1.0
        window = SlidingWindow(limit, span)
        arrivals: list[float] = []
        now = 0.0
        pending: list[tuple[float, float]] = []  # (finish time, arrival time)
        for _ in range(2000):
            wait = window.try_acquire(now)
            if wait == 0.0:
                arrival = now + rng.uniform(0, 0.05)
                finish = arrival + rng.uniform(0, 0.05)
                arrivals.append(arrival)
                pending.append((finish, arrival))
            now += rng.uniform(0, 0.02) if wait == 0.0 else min(wait, 0.01)
            for item in [p for p in pending if p[0] <= now]:
                pending.remove(item)
                window.release(item[0])
        arrivals.sort()
        worst = max(
            sum(1 for a in arrivals[i:] if a < start + span) for i, start in enumerate(arrivals)
        )
        assert len(arrivals) > 50
        assert worst <= limit

    def test_block_until_holds_everyone(self) -> None:
        """A group cool-down makes every caller wait, even with free slots."""
        window = SlidingWindow(10, 5.0)
        window.block_until(3.0)
        assert 3.0 == window.try_acquire(0.0)
        assert 0 == window.remaining(1.0)
        assert 0.0 == window.try_acquire(3.0)

    def test_remaining_and_reset_time(self) -> None:
        """``remaining`` counts free slots; ``reset_time`` is when the next one frees."""
        window = SlidingWindow(3, 10.0)
        _fill(window, 0.0, 2, latency=1.0)
        assert 1 == window.remaining(2.0)
        assert 0.0 == window.reset_time(2.0)
        _fill(window, 2.0, 1)
        assert 0 == window.remaining(2.0)
        assert pytest.approx(9.0) == window.reset_time(2.0)
        assert 2 == window.remaining(11.5)

    def test_smooth_spaces_requests(self) -> None:
        """``smooth=True`` spaces requests window/limit apart, with one of tolerance."""
        window = SlidingWindow(10, 10.0, smooth=True)
        assert 0.0 == window.try_acquire(0.0)
        assert 0.0 == window.try_acquire(0.0)  # the tolerance
        assert pytest.approx(1.0) == window.try_acquire(0.0)
        assert 0.0 == window.try_acquire(1.0)

    def test_cooldown_is_oldest_leaving(self) -> None:
        """After a 429, the group waits until its oldest request leaves the window."""
        window = SlidingWindow(10, 10.0)
        _fill(window, 0.0, 1)
        _fill(window, 4.0, 1)
        assert pytest.approx(5.0) == window.cooldown(5.0)
        assert pytest.approx(1.0) == SlidingWindow(10, 10.0).cooldown(5.0)

    def test_set_limit(self) -> None:
        """Lowering the limit holds new requests while the window is over it."""
        window = SlidingWindow(5, 10.0)
        _fill(window, 0.0, 3)
        window.set_limit(2)
        assert window.try_acquire(1.0) > 0
        assert 0 == window.remaining(1.0)


class TestAcquireAll:
    def test_all_or_nothing(self) -> None:
        """A slot is taken in every window or in none."""
        group, overall = SlidingWindow(5, 10.0), SlidingWindow(1, 10.0)
        assert 0.0 == acquire_all((group, overall), 0.0)
        assert acquire_all((group, overall), 0.0) > 0
        assert (1, 1) == (group.in_flight(), overall.in_flight())

    def test_threads_never_overshoot(self) -> None:
        """Eight threads racing on a group and an overall window take at most the limits."""
        group, overall = SlidingWindow(50, 1000.0), SlidingWindow(30, 1000.0)
        taken: list[int] = []

        def work() -> None:
            got = sum(1 for _ in range(100) if acquire_all((group, overall), 0.0) == 0.0)
            taken.append(got)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert 30 == sum(taken)


class TestAdaptiveLimit:
    def test_cut_to_what_the_window_held(self) -> None:
        """A 429 with 30 requests in the window teaches a limit of 30."""
        learn = AdaptiveLimit(60)
        assert 30 == learn.on_rate_limited(10.0, 9.9, held=30)
        assert learn.learned
        assert 1 == learn.decreases

    def test_multiplicative_when_window_was_full(self) -> None:
        """When the window held the whole limit, the cut is by 30%."""
        learn = AdaptiveLimit(60)
        assert 42 == learn.on_rate_limited(10.0, 9.9, held=60)

    def test_stale_429_ignored(self) -> None:
        """A 429 to a request sent before the last cut does not cut again."""
        learn = AdaptiveLimit(60)
        learn.on_rate_limited(10.0, 9.9, held=30)
        assert 30 == learn.on_rate_limited(10.1, 9.95, held=29)

    def test_creeps_back_slowly_past_a_failed_level(self) -> None:
        """Below the failed level the limit creeps up each clean window; the failed level
        itself is retried only after ten clean windows."""
        learn = AdaptiveLimit(60)
        learn.on_rate_limited(0.0, 0.0, held=20)  # failed at 21
        assert 20 == learn.on_success(5.0, window=10.0)
        assert 20 == learn.on_success(50.0, window=10.0)
        assert 21 == learn.on_success(100.0, window=10.0)
        assert 22 == learn.on_success(110.0, window=10.0)

    def test_creep_stops_at_configured(self) -> None:
        """The limit never exceeds the configured one."""
        learn = AdaptiveLimit(3)
        learn.on_rate_limited(0.0, 0.0, held=3)  # floor(3 * 0.7) = 2
        assert 3 == learn.on_success(1000.0, window=1.0)
        assert 3 == learn.on_success(2000.0, window=1.0)

    def test_never_below_one(self) -> None:
        """Repeated 429s stop at one request per window."""
        learn = AdaptiveLimit(2)
        for t in range(1, 6):
            learn.on_rate_limited(float(t), float(t), held=0)
        assert 1 == learn.limit
