"""Client configuration: :class:`CodegenConfig`, :class:`ConfigPresets`, environment loading.

Shared by ``codegen_async`` and ``codegen_sync``. Every setting left out falls back to
its environment variable (``CODEGEN_API_TOKEN``, ``CODEGEN_ORG_ID``, ...), then to a
default. A bad value, given or read from the environment, raises
:class:`~codegen_async.errors.ConfigurationError` naming the setting.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from .errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RATE_LIMITS",
    "RATE_LIMIT_GROUPS",
    "CodegenConfig",
    "ConfigPresets",
    "RateLimitStrategy",
]

DEFAULT_BASE_URL = "https://api.codegen.com"

RateLimitStrategy = Literal["sliding_window", "leaky_bucket", "none"]
_STRATEGIES = ("sliding_window", "leaky_bucket", "none")

# API.md section 5: (requests, window in seconds) per endpoint group, per token.
# Endpoints whose limit is "not stated" are counted in "standard": if the server counts
# them anywhere it is there, and sharing that budget can never overshoot it.
DEFAULT_RATE_LIMITS: Mapping[str, tuple[int, float]] = {
    "standard": (60, 30.0),
    "create_run": (10, 60.0),
    "setup_commands": (5, 60.0),
    "log_analysis": (5, 60.0),
    "pr_edit": (30, 60.0),
    "cli_rules": (30, 60.0),
    "logs": (60, 60.0),
}
RATE_LIMIT_GROUPS = tuple(DEFAULT_RATE_LIMITS)

_T = TypeVar("_T")


def _env(name: str, parse: Callable[[str], _T], default: _T) -> Callable[[], _T]:
    def factory() -> _T:
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return parse(raw.strip())
        except ValueError:
            raise ConfigurationError(
                f"environment variable {name} has an invalid value {raw.strip()!r}"
            ) from None

    return factory


def _parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


def _parse_optional_int(raw: str) -> int | None:
    return int(raw)


def _parse_optional_float(raw: str) -> float | None:
    return float(raw)


def _base_url_from_env() -> str:
    for name in ("CODEGEN_BASE_URL", "CODEGEN_API_BASE_URL"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return DEFAULT_BASE_URL


def _token_from_env() -> str | None:
    for name in ("CODEGEN_API_TOKEN", "CODEGEN_API_KEY"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


@dataclasses.dataclass(frozen=True, repr=False)
class CodegenConfig:
    """Settings of a client. Every field falls back to its environment variable.

    Args:
        base_url: API root (``CODEGEN_BASE_URL`` or ``CODEGEN_API_BASE_URL``;
            default ``https://api.codegen.com``).
        api_token: bearer token (``CODEGEN_API_TOKEN``). Never logged or shown in reprs.
        org_id: default organization for methods called without one (``CODEGEN_ORG_ID``).
        timeout: seconds for one HTTP attempt, connect to last byte (``CODEGEN_TIMEOUT``).
        max_retries: retries after the first attempt (``CODEGEN_MAX_RETRIES``).
        retry_backoff_factor: base of the exponential backoff, in seconds.
        retry_max_delay: cap of one backoff delay, in seconds.
        retry_on_status: statuses that are retried (429 and 5xx by default).
        retry_unknown_creates: also retry a create-run whose outcome is unknown (may
            duplicate a run; off by default).
        rate_limit_requests / rate_limit_window: an overall cap on top of the per-group
            limits (``CODEGEN_RATE_LIMIT_REQUESTS`` / ``CODEGEN_RATE_LIMIT_WINDOW``).
        rate_limit_strategy: ``"sliding_window"`` (default), ``"leaky_bucket"`` or ``"none"``.
        rate_limits: per-group overrides of the documented limits,
            ``{"create_run": (10, 60.0), ...}``; groups are in ``RATE_LIMIT_GROUPS``.
        adaptive_rate_limit: learn tighter limits from 429 answers.
        enable_caching / cache_ttl / cache_max_size: the GET response cache
            (``CODEGEN_ENABLE_CACHING``, ``CODEGEN_CACHE_TTL``).
        max_connections: size of the connection pool.
        max_response_size: bodies larger than this many bytes are refused.
        verify_ssl: verify TLS certificates (cannot be switched off from the environment).
        log_level: level for the ``codegen`` logger (``CODEGEN_LOG_LEVEL``); ``None`` leaves it.
        user_agent: the ``User-Agent`` header.
        poll_interval: default first delay between polls of ``wait_for_completion``.
    """

    base_url: str = dataclasses.field(default_factory=_base_url_from_env)
    api_token: str | None = dataclasses.field(default_factory=_token_from_env)
    org_id: int | None = dataclasses.field(
        default_factory=_env("CODEGEN_ORG_ID", _parse_optional_int, None)
    )
    timeout: float = dataclasses.field(default_factory=_env("CODEGEN_TIMEOUT", float, 30.0))
    max_retries: int = dataclasses.field(default_factory=_env("CODEGEN_MAX_RETRIES", int, 3))
    retry_backoff_factor: float = 0.5
    retry_max_delay: float = 30.0
    retry_on_status: tuple[int, ...] = (408, 429, 500, 502, 503, 504)
    retry_unknown_creates: bool = False
    rate_limit_requests: int | None = dataclasses.field(
        default_factory=_env("CODEGEN_RATE_LIMIT_REQUESTS", _parse_optional_int, None)
    )
    rate_limit_window: float | None = dataclasses.field(
        default_factory=_env("CODEGEN_RATE_LIMIT_WINDOW", _parse_optional_float, None)
    )
    rate_limit_strategy: RateLimitStrategy = dataclasses.field(
        default_factory=_env("CODEGEN_RATE_LIMIT_STRATEGY", str, "sliding_window")  # type: ignore[arg-type]
    )
    rate_limits: Mapping[str, tuple[int, float]] = dataclasses.field(default_factory=dict)
    adaptive_rate_limit: bool = False
    rate_limit_backend: str | None = dataclasses.field(
        default_factory=_env("CODEGEN_RATE_LIMIT_BACKEND", str, None)
    )
    enable_caching: bool = dataclasses.field(
        default_factory=_env("CODEGEN_ENABLE_CACHING", _parse_bool, False)
    )
    cache_ttl: float = dataclasses.field(default_factory=_env("CODEGEN_CACHE_TTL", float, 300.0))
    cache_max_size: int = 1000
    max_connections: int = 100
    max_response_size: int = 64 * 1024 * 1024
    verify_ssl: bool = True
    log_level: str | None = dataclasses.field(default_factory=_env("CODEGEN_LOG_LEVEL", str, None))
    user_agent: str = "codegen-client/0.1"
    poll_interval: float = 2.0

    def __post_init__(self) -> None:
        self._check()
        if self.log_level is not None:
            logging.getLogger("codegen").setLevel(self.log_level.upper())

    def _check(self) -> None:  # noqa: PLR0912 - one flat list of checks reads best
        def bad(name: str, why: str) -> ConfigurationError:
            return ConfigurationError(f"invalid setting {name}={getattr(self, name)!r}: {why}")

        if not isinstance(self.base_url, str) or not self.base_url.startswith(
            ("http://", "https://")
        ):
            raise bad("base_url", "must start with http:// or https://")
        if self.api_token is not None and (
            not isinstance(self.api_token, str) or not self.api_token.strip()
        ):
            raise ConfigurationError("invalid setting api_token: must be a non-empty string")
        if self.api_token is not None and not _header_safe(self.api_token):
            # Said without the value: it is a secret, even when malformed.
            raise ConfigurationError(
                "invalid setting api_token: must be printable ASCII without spaces "
                "(it is sent in the Authorization header)"
            )
        if self.org_id is not None and (
            isinstance(self.org_id, bool) or not isinstance(self.org_id, int) or self.org_id <= 0
        ):
            raise bad("org_id", "must be a positive integer")
        _positive(self, "timeout", bad)
        _positive(self, "cache_ttl", bad)
        _positive(self, "poll_interval", bad)
        _non_negative(self, "retry_backoff_factor", bad)
        _non_negative(self, "retry_max_delay", bad)
        for name in ("max_retries",):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise bad(name, "must be a non-negative integer")
        for name in ("cache_max_size", "max_connections", "max_response_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise bad(name, "must be a positive integer")
        if self.rate_limit_strategy not in _STRATEGIES:
            raise bad("rate_limit_strategy", f"must be one of {', '.join(_STRATEGIES)}")
        if (self.rate_limit_requests is None) != (self.rate_limit_window is None):
            raise ConfigurationError(
                "invalid settings: rate_limit_requests and rate_limit_window go together"
            )
        if self.rate_limit_requests is not None and self.rate_limit_requests <= 0:
            raise bad("rate_limit_requests", "must be a positive integer")
        if self.rate_limit_window is not None and self.rate_limit_window <= 0:
            raise bad("rate_limit_window", "must be a positive number of seconds")
        for group, limit in dict(self.rate_limits).items():
            if group not in DEFAULT_RATE_LIMITS:
                raise ConfigurationError(
                    f"invalid setting rate_limits: unknown group {group!r} "
                    f"(known: {', '.join(RATE_LIMIT_GROUPS)})"
                )
            if (
                not isinstance(limit, tuple | list)
                or len(limit) != 2
                or not limit[0] > 0
                or not limit[1] > 0
            ):
                raise ConfigurationError(
                    f"invalid setting rate_limits[{group!r}]: expected (requests, window_seconds)"
                )
        if not all(isinstance(s, int) and 100 <= s <= 599 for s in self.retry_on_status):
            raise bad("retry_on_status", "must be HTTP status codes")
        if self.log_level is not None and not isinstance(
            logging.getLevelName(str(self.log_level).upper()), int
        ):
            raise bad("log_level", "must be a logging level name such as DEBUG or INFO")

    def __repr__(self) -> str:
        fields = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "api_token":
                value = "<set>" if value else None
                fields.append(f"api_token={value}")
            elif f.name == "rate_limit_backend" and value:
                fields.append("rate_limit_backend=<set>")
            else:
                fields.append(f"{f.name}={value!r}")
        return f"CodegenConfig({', '.join(fields)})"

    def limit_for(self, group: str) -> tuple[int, float]:
        """Return ``(requests, window_seconds)`` of an endpoint group, overrides applied."""
        limit = dict(self.rate_limits).get(group) or DEFAULT_RATE_LIMITS[group]
        return int(limit[0]), float(limit[1])

    def replace(self, **changes: Any) -> CodegenConfig:
        """Return a copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, **overrides: Any) -> CodegenConfig:
        """Build a config from the environment, with explicit overrides on top."""
        return cls(**overrides)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> CodegenConfig:
        """Build a config from a settings mapping, e.g. Django's ``settings.CODEGEN_CONFIG``.

        Keys are the field names (case-insensitive); an unknown key is an error.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in settings.items():
            name = str(key).lower()
            if name == "token":
                name = "api_token"
            if name not in known:
                raise ConfigurationError(f"unknown setting {key!r} in settings")
            kwargs[name] = value
        return cls(**kwargs)


def _header_safe(token: str) -> bool:
    return (
        token.isascii()
        and token.isprintable()
        and " " not in token.strip()
        and (token == token.strip())
    )


def _positive(config: CodegenConfig, name: str, bad: Callable[[str, str], Exception]) -> None:
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise bad(name, "must be a positive number")


def _non_negative(config: CodegenConfig, name: str, bad: Callable[[str, str], Exception]) -> None:
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise bad(name, "must be a non-negative number")


class ConfigPresets:
    """Ready-made configurations; each accepts overrides as keyword arguments."""

    @staticmethod
    def development(**overrides: Any) -> CodegenConfig:
        """Verbose logging, short timeouts, few retries, an extra overall cap, no cache."""
        settings: dict[str, Any] = {
            "timeout": 10.0,
            "max_retries": 2,
            "log_level": "DEBUG",
            "rate_limit_requests": 30,
            "rate_limit_window": 30.0,
            "enable_caching": False,
        }
        return CodegenConfig(**{**settings, **overrides})

    @staticmethod
    def production(**overrides: Any) -> CodegenConfig:
        """Error-only logging, longer timeouts, more retries, caching on."""
        settings: dict[str, Any] = {
            "timeout": 60.0,
            "max_retries": 5,
            "log_level": "ERROR",
            "enable_caching": True,
            "cache_ttl": 300.0,
        }
        return CodegenConfig(**{**settings, **overrides})

    @staticmethod
    def testing(**overrides: Any) -> CodegenConfig:
        """For test suites: no rate limiting, fast timeouts, no retries' waiting, no cache."""
        settings: dict[str, Any] = {
            "timeout": 5.0,
            "max_retries": 1,
            "retry_backoff_factor": 0.01,
            "retry_max_delay": 0.1,
            "rate_limit_strategy": "none",
            "enable_caching": False,
            "poll_interval": 0.05,
        }
        return CodegenConfig(**{**settings, **overrides})
