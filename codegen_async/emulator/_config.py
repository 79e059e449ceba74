"""Configuration of the emulator: :class:`EmulatorConfig` and :class:`FaultConfig`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "DEFAULT_ORG_ID",
    "DEFAULT_TOKEN",
    "OUTCOME_WEIGHTS",
    "EmulatorConfig",
    "FaultConfig",
    "TokenSpec",
    "parse_faults",
    "parse_rate_limits",
]

DEFAULT_TOKEN = "sk-emulator-0000"
"""The bearer token the emulator accepts when no tokens are configured."""

DEFAULT_ORG_ID = 323
"""The organization the default token's user belongs to."""

OUTCOME_WEIGHTS: Mapping[str, float] = {
    "COMPLETE": 0.85,
    "FAILED": 0.06,
    "ERROR": 0.04,
    "PAUSED": 0.05,
}
"""Default probabilities of a run's terminal status when its outcome is not steered."""

TokenSpec = int | Mapping[str, Any]
"""What a configured token maps to: a user id, or a user record (``id``, ``github_username``,
``email``, ``full_name``, ``role``, ``orgs``: list of organization ids)."""


@dataclasses.dataclass(frozen=True)
class FaultConfig:
    """Seeded fault injection. Every rate is a probability per request (0.0 to 1.0).

    Args:
        latency: Seconds (wall time) added to every response.
        latency_jitter: Up to this many extra seconds, drawn uniformly per request.
        spike_rate: Fraction of requests that get a latency spike.
        spike_latency: Seconds (wall time) of a latency spike.
        error_rate: Fraction answered 500, 502 or 503 without acting.
        error_statuses: The statuses ``error_rate`` draws from.
        drop_before_rate: Fraction whose connection is closed without acting or answering.
        drop_after_rate: Fraction that are acted on, then closed without an answer.
        late_rate: Fraction closed at once without an answer and acted on ``late_delay``
            seconds later: a loaded server that acts after the client gave up.
        late_delay: Seconds (wall time) before a ``late`` request is acted on.
        malformed_rate: Fraction acted on, then answered 200 with truncated or invalid JSON.
        slow_body_rate: Fraction acted on, then answered with a body trickled out slowly.
        slow_body_delay: Seconds (wall time) spent trickling a slow body.
        burst_429_rate: Fraction that start a burst of 429s for the same token.
        burst_429_length: Requests answered 429 in a burst (the first included).
        endpoints: Operation names faults apply to (see ``OPERATIONS``); ``None`` means all.
    """

    latency: float = 0.0
    latency_jitter: float = 0.0
    spike_rate: float = 0.0
    spike_latency: float = 1.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    drop_before_rate: float = 0.0
    drop_after_rate: float = 0.0
    late_rate: float = 0.0
    late_delay: float = 2.0
    malformed_rate: float = 0.0
    slow_body_rate: float = 0.0
    slow_body_delay: float = 0.5
    burst_429_rate: float = 0.0
    burst_429_length: int = 5
    endpoints: frozenset[str] | None = None

    def __post_init__(self) -> None:
        rates = (
            self.error_rate,
            self.drop_before_rate,
            self.drop_after_rate,
            self.late_rate,
            self.malformed_rate,
            self.slow_body_rate,
            self.burst_429_rate,
        )
        if any(r < 0 for r in rates) or sum(rates) > 1.0:
            raise ValueError("fault rates must be >= 0 and add up to at most 1.0")
        if not 0.0 <= self.spike_rate <= 1.0:
            raise ValueError("spike_rate must be between 0 and 1")
        if self.endpoints is not None and not isinstance(self.endpoints, frozenset):
            object.__setattr__(self, "endpoints", frozenset(self.endpoints))

    @property
    def active(self) -> bool:
        """Whether any fault can happen at all."""
        return bool(
            self.latency
            or self.latency_jitter
            or self.spike_rate
            or self.error_rate
            or self.drop_before_rate
            or self.drop_after_rate
            or self.late_rate
            or self.malformed_rate
            or self.slow_body_rate
            or self.burst_429_rate
        )


@dataclasses.dataclass
class EmulatorConfig:
    """Everything that shapes one emulator instance.

    Args:
        org_id: Id of the seeded organization the configured tokens' users belong to.
        tokens: Bearer tokens accepted, each mapped to a user id or user record
            (see :data:`TokenSpec`). ``None`` means ``{DEFAULT_TOKEN: <the default user>}``.
        time_scale: Wall seconds per emulated second. ``0.01`` makes a 60 s run take 0.6 s
            and a per-minute rate limit a per-0.6 s one.
        rate_limits: ``"on"`` (the documented limits), ``"off"``, or a float multiplying the
            documented request counts (``100.0`` allows 100 times more).
        retry_after: Send a ``Retry-After`` header (integer seconds, wall time) on 429s.
            The real API documents none.
        faults: Fault injection, off when ``None``.
        seed: Seed of every random draw (run durations, outcomes, faults).
        plan_quota: Runs the create endpoint may create per organization before it answers 402.
        run_duration: Emulated seconds, (min, max) of the log-uniform run-duration distribution.
        admin_endpoints: Serve ``/_emulator/...`` (accounting and control; not part of the API).
        host: Interface to bind.
        port: Port to bind; 0 picks a free one.
        outcome_weights: Probabilities of each terminal status of a run that is not steered.
        world: Extra seed data: a path to a JSON file or a mapping (see ``docs/emulator.md``).
        seed_runs: Historical runs to create at start-up in the configured organization.
        created_at_format: ``"live"`` (``2025-06-21 11:20:04.338398``, as seen on the real API)
            or ``"iso"`` (``2025-06-21T11:20:04.338398Z``).
        webhook_urls: URLs to POST signed Standard Webhooks events to on every run change
            (our extension: the real API sends none). Empty: no delivery.
        webhook_secret: Signing secret (``whsec_<base64>`` or raw); ``None`` means
            ``DEFAULT_WEBHOOK_SECRET``.
        webhook_max_attempts: Attempts per event and URL before it is dropped.
        webhook_poll_interval: Wall seconds between two looks at the runs' statuses.
    """

    org_id: int = DEFAULT_ORG_ID
    tokens: Mapping[str, TokenSpec] | None = None
    time_scale: float = 1.0
    rate_limits: Literal["on", "off"] | float = "on"
    retry_after: bool = False
    faults: FaultConfig | None = None
    seed: int = 0
    plan_quota: int | None = None
    run_duration: tuple[float, float] = (5.0, 120.0)
    admin_endpoints: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    outcome_weights: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: dict(OUTCOME_WEIGHTS)
    )
    world: str | Path | Mapping[str, Any] | None = None
    seed_runs: int = 0
    created_at_format: Literal["live", "iso"] = "live"
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str | None = None
    webhook_max_attempts: int = 5
    webhook_poll_interval: float = 0.02

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        low, high = self.run_duration
        if not 0 <= low <= high:
            raise ValueError("run_duration must be (min, max) with 0 <= min <= max")
        if isinstance(self.rate_limits, str) and self.rate_limits not in ("on", "off"):
            raise ValueError("rate_limits must be 'on', 'off' or a positive float")
        if not isinstance(self.rate_limits, str) and self.rate_limits <= 0:
            raise ValueError("rate_limits scale must be > 0")
        if self.created_at_format not in ("live", "iso"):
            raise ValueError("created_at_format must be 'live' or 'iso'")
        if isinstance(self.webhook_urls, str):
            self.webhook_urls = (self.webhook_urls,)
        self.webhook_urls = tuple(self.webhook_urls)
        if self.webhook_max_attempts < 1 or self.webhook_poll_interval <= 0:
            raise ValueError("webhook_max_attempts must be >= 1 and webhook_poll_interval > 0")

    @property
    def rate_limit_scale(self) -> float | None:
        """Multiplier of the documented request counts, ``None`` when limits are off."""
        if self.rate_limits == "off":
            return None
        if self.rate_limits == "on":
            return 1.0
        return float(self.rate_limits)


def parse_rate_limits(text: str) -> Literal["on", "off"] | float:
    """Parse the ``--rate-limits`` option: ``on``, ``off`` or a scale such as ``10``."""
    lowered = text.strip().lower()
    if lowered == "on":
        return "on"
    if lowered == "off":
        return "off"
    scale = float(lowered)
    if scale <= 0:
        raise ValueError("rate-limit scale must be > 0")
    return scale


def parse_faults(text: str) -> FaultConfig:
    """Parse the ``--faults`` option: comma-separated ``field=value`` pairs of FaultConfig.

    Example: ``latency=0.01,error_rate=0.05,drop_after_rate=0.01,endpoints=create_agent_run``.
    Several endpoints are separated by ``|``.
    """
    fields = {f.name: f for f in dataclasses.fields(FaultConfig)}
    values: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, raw = part.partition("=")
        name = name.strip()
        if not sep or name not in fields:
            raise ValueError(f"unknown fault setting {part!r}; known: {', '.join(fields)}")
        raw = raw.strip()
        if name == "endpoints":
            values[name] = frozenset(filter(None, raw.split("|")))
        elif name == "error_statuses":
            values[name] = tuple(int(s) for s in raw.split("|"))
        elif name == "burst_429_length":
            values[name] = int(raw)
        else:
            values[name] = float(raw)
    return FaultConfig(**values)
