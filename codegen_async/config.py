"""Client configuration: :class:`CodegenConfig`, :class:`ConfigPresets`, environment loading.

Shared by ``codegen_async`` and ``codegen_sync``. Every setting left out falls back to
its environment variable (``CODEGEN_API_TOKEN``, ``CODEGEN_ORG_ID``, ...), then to a
default. Every value, given or read from the environment or a settings mapping, is
checked when the config is built: a bad one raises
:class:`~codegen_async.errors.ConfigurationError` naming the setting, so nothing can fail
(or hang) later, at call time.

Network settings (proxies, TLS) are described in ``docs/network.md``: by default the
standard ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY`` variables are
honoured, as are ``CODEGEN_CA_BUNDLE`` and ``SSL_CERT_FILE``; ``trust_env=False`` ignores
them all.

Building a config changes nothing global. To see the client's logs on stderr, set
``CODEGEN_LOG=debug`` (or ``info``, ``warning``; ``CODEGEN_LOG_LEVEL`` works too): a
handler is then added, once, to the package's own ``codegen`` logger.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import platform
import sys
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from ._params import header_map, query_map
from .errors import ConfigurationError

if TYPE_CHECKING:
    import ssl

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RATE_LIMITS",
    "DEFAULT_REDIS_OUTAGE_TIMEOUT",
    "RATE_LIMIT_GROUPS",
    "CodegenConfig",
    "ConfigPresets",
    "RateLimitStrategy",
]

DEFAULT_BASE_URL = "https://api.codegen.com"

RateLimitStrategy = Literal["sliding_window", "leaky_bucket", "none"]
_STRATEGIES = ("sliding_window", "leaky_bucket", "none")

# The API's documented limits: (requests, window in seconds) per endpoint group, per token.
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

# Upper bounds that keep every later use finite: a socket timeout, a sleep or a pool
# beyond these either overflows the OS's clock types or allocates without end.
_MAX_SECONDS = 30 * 86400.0
_MAX_RETRIES = 100
_MAX_CONNECTIONS = 10_000
_MAX_COUNT = 10**9
_TIME_SCALE_RANGE = (1e-4, 100.0)
# Durations a time scale multiplies (the rate-limit windows are scaled in rate_limits).
DEFAULT_REDIS_OUTAGE_TIMEOUT = 30.0
"""Seconds a lost Redis is waited for before calls fail (``redis_outage_timeout``)."""

_SCALED = ("poll_interval", "retry_backoff_factor", "retry_max_delay", "rate_limit_window")
_BOOLS = (
    "retry_unknown_creates",
    "adaptive_rate_limit",
    "enable_caching",
    "verify_ssl",
    "trust_env",
)
# Settings naming a file, checked (exists, readable) when the config is built.
_FILES = ("ca_bundle", "client_cert", "client_key")

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
                f"environment variable {name} has an invalid value {raw.strip()[:80]!r}"
            ) from None

    return factory


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
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


@functools.cache
def _default_user_agent() -> str:
    """``codegen-client/<version> (Python <x.y.z>; <OS> <release>)``, built once."""
    from ._version import version

    python = ".".join(str(part) for part in sys.version_info[:3])
    system = f"{platform.system()} {platform.release()}".strip()
    # Only what a header may carry: an odd kernel release string must not break the default.
    system = "".join(c for c in system if c.isascii() and c.isprintable() and c not in "()")
    return f"codegen-client/{version()} (Python {python}; {system or 'unknown'})"


@dataclasses.dataclass(frozen=True, repr=False)
class CodegenConfig:
    """Settings of a client. Every field falls back to its environment variable.

    Args:
        base_url: API root (``CODEGEN_BASE_URL`` or ``CODEGEN_API_BASE_URL``;
            default ``https://api.codegen.com``).
        api_token: bearer token (``CODEGEN_API_TOKEN``). Never logged or shown in reprs.
            Without one, every call fails before anything is sent.
        org_id: default organization for methods called without one (``CODEGEN_ORG_ID``).
        timeout: seconds for one HTTP attempt, connect to last byte (``CODEGEN_TIMEOUT``);
            finite, at most 30 days.
        max_retries: retries after the first attempt, 0 to 100 (``CODEGEN_MAX_RETRIES``).
        retry_backoff_factor: base of the exponential backoff, in seconds.
        retry_max_delay: cap of one backoff delay (and of a server-given delay), in seconds.
        retry_on_status: statuses that are retried (429 and 5xx by default).
        retry_unknown_creates: also retry a create-run whose outcome is unknown (may
            duplicate a run; off by default).
        rate_limit_requests / rate_limit_window: an overall cap on top of the per-group
            limits, a positive integer count per window of seconds
            (``CODEGEN_RATE_LIMIT_REQUESTS`` / ``CODEGEN_RATE_LIMIT_WINDOW``).
        rate_limit_strategy: ``"sliding_window"`` (default), ``"leaky_bucket"`` or ``"none"``.
        rate_limits: per-group overrides of the documented limits,
            ``{"create_run": (10, 60.0), ...}``; groups are in ``RATE_LIMIT_GROUPS``.
        adaptive_rate_limit: learn tighter limits from 429 answers.
        rate_limit_backend: a Redis URL to share the limits between processes
            (``CODEGEN_RATE_LIMIT_BACKEND``).
        redis_outage_timeout: seconds a Redis that was reached and is lost is retried for
            (``CODEGEN_REDIS_OUTAGE_TIMEOUT``; default 30), once per limiter and per shared
            bulk job from the outage's first failure; 0 fails at once.
        enable_caching / cache_ttl / cache_max_size: the GET response cache
            (``CODEGEN_ENABLE_CACHING``, ``CODEGEN_CACHE_TTL``).
        cache_max_bytes: the most bytes of response bodies the cache holds (32 MiB).
        max_connections: size of the connection pool (at most 10000).
        max_response_size: bodies larger than this many bytes are refused.
        verify_ssl: verify TLS certificates (cannot be switched off from the environment).
            ``False`` emits a :class:`~codegen_async.errors.CodegenSecurityWarning` once
            per client.
        proxy: a proxy for every request, ``http://[user:password@]host:port`` (or
            ``https://``). The password never appears in messages, reprs or logs. Left
            out, the standard ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` variables
            (and ``NO_PROXY``) decide, unless ``trust_env`` is False.
        trust_env: read proxies (``HTTPS_PROXY``...) and CA bundles (``CODEGEN_CA_BUNDLE``,
            then ``SSL_CERT_FILE``) from the environment (default True). Read once, when
            the client is made.
        ca_bundle: a PEM file of the certificate authorities to trust instead of the
            system's (e.g. a corporate CA). Left out: ``CODEGEN_CA_BUNDLE``, then
            ``SSL_CERT_FILE``, when ``trust_env`` is True.
        client_cert: a PEM file holding the client certificate (and its key, unless
            ``client_key`` names another file), for servers that require one.
        client_key: the client certificate's private key (PEM, unencrypted), when it is
            not in ``client_cert``.
        ssl_context: an :class:`ssl.SSLContext` used as given for every connection;
            cannot be combined with ``ca_bundle``, ``client_cert`` or ``verify_ssl=False``.
        log_level: kept for compatibility (``CODEGEN_LOG_LEVEL``); a config changes no
            global logging state. Set ``CODEGEN_LOG=debug`` to see the client's logs, or
            configure the ``codegen`` logger yourself.
        user_agent: the ``User-Agent`` header (printable ASCII).
        default_headers: headers sent with every request, e.g. ``{"X-Team": "infra"}``
            (not ``Authorization``: that is ``api_token``'s). Their values are never shown.
        default_query: query parameters sent with every request.
        poll_interval: default first delay between polls of ``wait_for_completion``.
        time_scale: for the emulator (``CODEGEN_TIME_SCALE``): wall seconds per emulated
            second, as its ``--time-scale``. Every rate-limit window (the documented ones,
            your ``rate_limits`` and the overall cap), the poll interval and the retry
            backoff are multiplied by it, so a client paces itself at the emulated
            limits. The fields then hold the scaled values; :meth:`replace` scales from
            the values given. Leave it at 1.0 against the real API.
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
    redis_outage_timeout: float = dataclasses.field(
        default_factory=_env("CODEGEN_REDIS_OUTAGE_TIMEOUT", float, DEFAULT_REDIS_OUTAGE_TIMEOUT)
    )
    enable_caching: bool = dataclasses.field(
        default_factory=_env("CODEGEN_ENABLE_CACHING", _parse_bool, False)
    )
    cache_ttl: float = dataclasses.field(default_factory=_env("CODEGEN_CACHE_TTL", float, 300.0))
    cache_max_size: int = 1000
    cache_max_bytes: int = 32 * 1024 * 1024
    max_connections: int = 100
    max_response_size: int = 64 * 1024 * 1024
    verify_ssl: bool = True
    proxy: str | None = None
    trust_env: bool = True
    ca_bundle: str | os.PathLike[str] | None = None
    client_cert: str | os.PathLike[str] | None = None
    client_key: str | os.PathLike[str] | None = None
    ssl_context: ssl.SSLContext | None = None
    log_level: str | None = dataclasses.field(default_factory=_env("CODEGEN_LOG_LEVEL", str, None))
    user_agent: str = dataclasses.field(default_factory=_default_user_agent)
    default_headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    default_query: Mapping[str, str | int | float | bool | None] = dataclasses.field(
        default_factory=dict
    )
    poll_interval: float = 2.0
    time_scale: float = dataclasses.field(default_factory=_env("CODEGEN_TIME_SCALE", float, 1.0))

    # The scaled durations as given (set in __post_init__; not a field).
    _given: ClassVar[dict[str, Any]]

    def __post_init__(self) -> None:
        self._check()
        self._normalize()
        self._apply_time_scale()

    def _check(self) -> None:  # noqa: PLR0912 - one flat list of checks reads best
        def bad(name: str, why: str) -> ConfigurationError:
            return ConfigurationError(
                f"invalid setting {name}={_shown(getattr(self, name))}: {why}"
            )

        _check_base_url(self.base_url, bad)
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
        for name in ("timeout", "cache_ttl", "poll_interval"):
            _seconds(self, name, bad, positive=True)
        for name in ("retry_backoff_factor", "retry_max_delay", "redis_outage_timeout"):
            _seconds(self, name, bad, positive=False)
        _integer(self, "max_retries", bad, 0, _MAX_RETRIES)
        _integer(self, "max_connections", bad, 1, _MAX_CONNECTIONS)
        for name in ("cache_max_size", "cache_max_bytes", "max_response_size"):
            _integer(self, name, bad, 1, _MAX_COUNT if name == "cache_max_size" else 2**62)
        for name in _BOOLS:
            if not isinstance(getattr(self, name), bool):
                raise bad(name, "must be True or False")
        if self.rate_limit_strategy not in _STRATEGIES:
            raise bad("rate_limit_strategy", f"must be one of {', '.join(_STRATEGIES)}")
        if self.rate_limit_backend is not None and not isinstance(self.rate_limit_backend, str):
            raise ConfigurationError("invalid setting rate_limit_backend: must be a Redis URL")
        if (self.rate_limit_requests is None) != (self.rate_limit_window is None):
            raise ConfigurationError(
                "invalid settings: rate_limit_requests and rate_limit_window go together"
            )
        if self.rate_limit_requests is not None:
            _integer(self, "rate_limit_requests", bad, 1, _MAX_COUNT)
            _seconds(self, "rate_limit_window", bad, positive=True)
        _check_rate_limits(self.rate_limits)
        _check_statuses(self.retry_on_status, bad)
        if self.log_level is not None and (
            not isinstance(self.log_level, str)
            or not isinstance(logging.getLevelName(self.log_level.upper()), int)
        ):
            raise bad("log_level", "must be a logging level name such as DEBUG or INFO")
        _check_network(self, bad)
        if not isinstance(self.user_agent, str) or not _printable_ascii(self.user_agent):
            raise bad("user_agent", "must be printable ASCII, without CR or LF")
        low, high = _TIME_SCALE_RANGE
        value = self.time_scale
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise bad("time_scale", f"must be a number from {low:g} to {high:g}")

    def _normalize(self) -> None:
        set_ = object.__setattr__
        set_(self, "retry_on_status", tuple(self.retry_on_status))
        set_(
            self,
            "rate_limits",
            {g: (int(n), float(w)) for g, (n, w) in dict(self.rate_limits).items()},
        )
        set_(self, "time_scale", float(self.time_scale))
        error = ConfigurationError
        set_(self, "default_headers", header_map("default_headers", self.default_headers, error))
        set_(self, "default_query", query_map("default_query", self.default_query, error))
        for name in _FILES:
            value = getattr(self, name)
            if value is not None:
                set_(self, name, os.fspath(value))

    def _apply_time_scale(self) -> None:
        # The values as given, so that replace() scales them again from the start.
        given = {name: getattr(self, name) for name in (*_SCALED, "rate_limits")}
        object.__setattr__(self, "_given", given)
        scale = self.time_scale
        if scale == 1.0:
            return
        for name in _SCALED:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, value * scale)
        limits = {**DEFAULT_RATE_LIMITS, **self.rate_limits}
        object.__setattr__(self, "rate_limits", {g: (n, w * scale) for g, (n, w) in limits.items()})

    def __repr__(self) -> str:
        fields = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "api_token":
                value = "<set>" if value else None
                fields.append(f"api_token={value}")
            elif f.name == "rate_limit_backend" and value:
                fields.append("rate_limit_backend=<set>")
            elif f.name == "default_headers" and value:  # names only: values may be secret
                fields.append(f"default_headers=<{', '.join(value)}>")
            elif f.name == "proxy" and value:
                fields.append(f"proxy={_shown_proxy(value)!r}")
            else:
                fields.append(f"{f.name}={value!r}")
        return f"CodegenConfig({', '.join(fields)})"

    def limit_for(self, group: str) -> tuple[int, float]:
        """Return ``(requests, window_seconds)`` of an endpoint group, overrides and the
        time scale applied."""
        limit = self.rate_limits.get(group)
        if limit is None:
            return DEFAULT_RATE_LIMITS[group]
        return limit

    def replace(self, **changes: Any) -> CodegenConfig:
        """Return a copy with some settings changed (validated again).

        Durations a ``time_scale`` multiplies are taken as first given, so changing
        ``time_scale`` (or anything else) never scales them twice.
        """
        settings = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        settings.update(self._given)
        settings.update(changes)
        return CodegenConfig(**settings)

    @classmethod
    def from_env(cls, **overrides: Any) -> CodegenConfig:
        """Build a config from the environment, with explicit overrides on top."""
        return cls(**overrides)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> CodegenConfig:
        """Build a config from a settings mapping, e.g. Django's ``settings.CODEGEN_CONFIG``.

        Keys are the field names (case-insensitive); an unknown key is an error. String
        values (as settings read from files or the environment often are) are parsed
        strictly: ``"false"`` is False, ``"30"`` is 30; anything else is an error.
        """
        if not isinstance(settings, Mapping):
            raise ConfigurationError(f"settings must be a mapping, got {type(settings).__name__}")
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in settings.items():
            name = str(key).lower()
            if name == "token":
                name = "api_token"
            if name not in known:
                raise ConfigurationError(f"unknown setting {str(key)[:80]!r} in settings")
            kwargs[name] = _from_text(name, value) if isinstance(value, str) else value
        return cls(**kwargs)


_INTS = ("org_id", "max_retries", "rate_limit_requests", "cache_max_size", "max_connections")
_INTS_MORE = ("max_response_size", "cache_max_bytes")
_FLOATS = (
    "timeout",
    "retry_backoff_factor",
    "retry_max_delay",
    "rate_limit_window",
    "cache_ttl",
    "poll_interval",
    "time_scale",
)


def _from_text(name: str, raw: str) -> Any:
    """A settings value given as text, parsed strictly for its field's type."""
    try:
        if name in _BOOLS:
            return _parse_bool(raw)
        if name in _INTS or name in _INTS_MORE:
            return int(raw.strip())
        if name in _FLOATS:
            return float(raw.strip())
    except ValueError:
        raise ConfigurationError(
            f"invalid setting {name}={raw[:80]!r}: not a valid "
            f"{'boolean' if name in _BOOLS else 'number'}"
        ) from None
    return raw


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable()


def _header_safe(token: str) -> bool:
    return _printable_ascii(token) and " " not in token and token == token.strip()


def _check_base_url(url: Any, bad: Callable[[str, str], Exception]) -> None:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise bad("base_url", "must start with http:// or https://")
    if not _printable_ascii(url) or " " in url:
        raise bad("base_url", "must be printable ASCII without spaces")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # raises for a port out of range or not a number
    except ValueError as exc:
        raise bad("base_url", f"is not a valid URL ({exc})") from None
    if not parts.hostname:
        raise bad("base_url", "has no host")
    if port == 0:
        raise bad("base_url", "port must be from 1 to 65535")
    if parts.username is not None or parts.password is not None:
        raise bad("base_url", "must not carry credentials (use api_token)")
    if parts.query or parts.fragment:
        raise bad("base_url", "must not have a query or fragment")


def _shown_proxy(url: str) -> str:
    """A proxy URL fit for messages: its user name and password replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return scheme + sep + authority + slash + path


def _proxy_parts(url: object, setting: str) -> urllib.parse.SplitResult:
    """``url`` split, if it names an HTTP(S) proxy; else a ConfigurationError naming ``setting``.

    Messages show the URL without its credentials.
    """

    def bad(why: str) -> ConfigurationError:
        shown = _shown(_shown_proxy(url)) if isinstance(url, str) else _shown(url)
        return ConfigurationError(f"invalid setting {setting}={shown}: {why}")

    if not isinstance(url, str) or not url.strip():
        raise bad("must be a proxy URL such as http://proxy.example:3128")
    if not _printable_ascii(url) or " " in url:
        raise bad("must be printable ASCII without spaces")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise bad("is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise bad("must start with http:// or https:// (SOCKS proxies are not supported)")
    if not parts.hostname:
        raise bad("has no host")
    if port == 0:
        raise bad("port must be from 1 to 65535")
    return parts


def _check_network(config: CodegenConfig, bad: Callable[[str, str], Exception]) -> None:
    """Proxy and TLS settings: well-formed, files readable, no contradictions."""
    if config.proxy is not None:
        _proxy_parts(config.proxy, "proxy")
    for name in _FILES:
        path = getattr(config, name)
        if path is not None:
            _check_readable_file(path, f"setting {name}")
    if config.client_key is not None and config.client_cert is None:
        raise bad("client_key", "needs client_cert (the certificate it belongs to)")
    if config.ca_bundle is not None and not config.verify_ssl:
        raise bad("ca_bundle", "has no use with verify_ssl=False (nothing is verified)")
    context = config.ssl_context
    if context is None:
        return
    import ssl

    if not isinstance(context, ssl.SSLContext):
        raise bad("ssl_context", "must be an ssl.SSLContext")
    given = [n for n in _FILES if getattr(config, n) is not None]
    if not config.verify_ssl:
        given.append("verify_ssl=False")
    if given:
        raise ConfigurationError(
            f"invalid settings: ssl_context is used as given, so {', '.join(given)} cannot "
            "be set with it (configure the context itself)"
        )


def _check_readable_file(path: object, what: str) -> str:
    """``path`` as a string, if it names a readable file; else a ConfigurationError."""
    if not isinstance(path, str | os.PathLike):
        raise ConfigurationError(f"invalid {what}={_shown(path)}: must be a file path")
    text = os.fspath(path)
    if not isinstance(text, str) or not text:
        raise ConfigurationError(f"invalid {what}={_shown(path)}: must be a file path")
    if not os.path.isfile(text):
        raise ConfigurationError(f"invalid {what}={_shown(text)}: no such file")
    try:
        with open(text, "rb"):
            pass
    except OSError as exc:
        raise ConfigurationError(
            f"invalid {what}={_shown(text)}: cannot be read ({exc.strerror or exc})"
        ) from None
    return text


def _seconds(
    config: CodegenConfig, name: str, bad: Callable[[str, str], Exception], *, positive: bool
) -> None:
    value = getattr(config, name)
    ok = not isinstance(value, bool) and isinstance(value, int | float)
    if ok and (not math.isfinite(value) or value > _MAX_SECONDS):
        raise bad(name, f"must be a finite number of seconds, at most {_MAX_SECONDS:.0f} (30 days)")
    if not ok or not (value > 0 if positive else value >= 0):
        raise bad(name, f"must be a {'positive' if positive else 'non-negative'} number")


def _integer(
    config: CodegenConfig, name: str, bad: Callable[[str, str], Exception], low: int, high: int
) -> None:
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad(name, f"must be an integer from {low} to {high}")


def _check_rate_limits(limits: Any) -> None:
    if not isinstance(limits, Mapping):
        raise ConfigurationError(
            "invalid setting rate_limits: expected a mapping of group to (requests, window)"
        )
    for group, limit in limits.items():
        if group not in DEFAULT_RATE_LIMITS:
            raise ConfigurationError(
                f"invalid setting rate_limits: unknown group {str(group)[:40]!r} "
                f"(known: {', '.join(RATE_LIMIT_GROUPS)})"
            )
        ok = isinstance(limit, tuple | list) and len(limit) == 2
        count, window = limit if ok else (None, None)
        ok = (
            ok
            and type(count) is int
            and 1 <= count <= _MAX_COUNT
            and not isinstance(window, bool)
            and isinstance(window, int | float)
            and 0 < window <= _MAX_SECONDS
        )
        if not ok:
            raise ConfigurationError(
                f"invalid setting rate_limits[{group!r}]={_shown(limit)}: expected "
                "(requests, window_seconds), requests a positive integer and the window "
                f"a positive number of seconds up to {_MAX_SECONDS:.0f}"
            )


def _check_statuses(statuses: Any, bad: Callable[[str, str], Exception]) -> None:
    if isinstance(statuses, str | bytes) or not isinstance(statuses, Iterable):
        raise bad("retry_on_status", "must be a list of HTTP status codes")
    if not all(type(s) is int and 100 <= s <= 599 for s in statuses):
        raise bad("retry_on_status", "must be HTTP status codes")


_LOG_HANDLER_NAME = "codegen-env-stderr"


def _setup_logging_from_env() -> None:
    """``CODEGEN_LOG=debug|info|warning``: a stderr handler on the ``codegen`` logger.

    Added once (however often this runs); an unknown value is ignored rather than
    failing an import.
    """
    raw = os.environ.get("CODEGEN_LOG") or os.environ.get("CODEGEN_LOG_LEVEL") or ""
    level = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}.get(
        raw.strip().lower()
    )
    if level is None:
        return
    logger = logging.getLogger("codegen")
    if any(h.get_name() == _LOG_HANDLER_NAME for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_LOG_HANDLER_NAME)
    handler.setFormatter(
        logging.Formatter("[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s")
    )
    logger.addHandler(handler)
    logger.setLevel(level)


_setup_logging_from_env()


class ConfigPresets:
    """Ready-made configurations; each accepts overrides as keyword arguments."""

    @staticmethod
    def development(**overrides: Any) -> CodegenConfig:
        """Short timeouts, few retries, an extra overall cap, no cache.

        For verbose logs, set ``CODEGEN_LOG=debug``.
        """
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
        """Longer timeouts, more retries, caching on."""
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
