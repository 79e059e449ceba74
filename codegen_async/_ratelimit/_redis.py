"""Coordination through Redis: key names, server-side scripts, errors (pure, shared).

Several processes on several hosts that use one API token share its rate limits and
its bulk jobs through one Redis server. Everything they share is named here:

* keys carry a digest of the token, never the token; the digest sits in a hash tag
  (``{...}``) so that every key of one token lives in one Redis Cluster slot and the
  multi-key scripts below stay legal there;
* the scripts run atomically on the server and read the server's clock (``TIME``), so
  hosts whose clocks disagree still agree on every window.

The I/O (a ``redis.asyncio`` or a blocking ``redis`` client) comes from the seam.
"""

from __future__ import annotations

import hashlib
from typing import Final
from urllib.parse import urlsplit

from ..errors import APIConnectionError, ConfigurationError

__all__ = [
    "ACQUIRE_SCRIPT",
    "COOLDOWN_SCRIPT",
    "KEY_PREFIX",
    "RELEASE_SCRIPT",
    "CoordinationError",
    "check_redis_url",
    "describe_redis_error",
    "redact_url",
    "token_digest",
]

KEY_PREFIX: Final = "codegen"


class CoordinationError(APIConnectionError):
    """The shared Redis server could not be reached (or answered with an error).

    Raised before any API request is sent (``request_sent`` is ``False``): a client
    that cannot coordinate refuses to send rather than fall back to per-process limits
    that would overshoot the token's. The message names the server without credentials.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, request_sent=False)


def token_digest(token: str | None) -> str:
    """A short digest that names a token in shared keys (the token itself never is)."""
    return hashlib.sha256((token or "").encode()).hexdigest()[:24]


def redact_url(url: str) -> str:
    """``url`` without user name or password: safe for messages and logs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable Redis URL>"
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def check_redis_url(url: object, setting: str = "rate_limit_backend") -> str:
    """``url`` if it names a Redis server (``redis://``, ``rediss://``, ``unix://``)."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(f"invalid setting {setting}: expected a redis:// URL")
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        scheme = ""
    if scheme not in ("redis", "rediss", "unix"):
        raise ConfigurationError(
            f"invalid setting {setting}: expected a redis://, rediss:// or unix:// URL, "
            f"got one starting {scheme + '://' if scheme else 'without a scheme'}"
        )
    return url


# -- server-side scripts -----------------------------------------------------------------
#
# A window is a sorted set of request ids scored by milliseconds of server time. A
# request in flight is scored in the future (now + lease), so it counts until it is
# released; on release its score becomes the release time, and it counts for one more
# window after that. Counting from the *end* of a request is what keeps us below a
# server that stamps requests on arrival (see _window.py). The lease only matters for
# a client that dies mid-request: its slot frees by itself a lease later.
#
# KEYS: for each window, its sorted set then its cool-down key.
# ARGV: request id, lease ms, then for each window its limit and its length in ms.

ACQUIRE_SCRIPT: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
local n = #KEYS / 2
local wait = 0
for i = 1, n do
  local z = KEYS[2 * i - 1]
  local limit = tonumber(ARGV[2 * i + 1])
  local win = tonumber(ARGV[2 * i + 2])
  local cool = redis.call('PTTL', KEYS[2 * i])
  if cool > wait then wait = cool end
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now - win)
  if redis.call('ZCARD', z) >= limit then
    local oldest = tonumber(redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')[2])
    -- every slot in flight: none frees before a window from now
    local free = win
    if oldest <= now then free = oldest + win - now end
    if free < 1 then free = 1 end
    if free > wait then wait = free end
  end
end
if wait > 0 then return wait end
for i = 1, n do
  local z = KEYS[2 * i - 1]
  redis.call('ZADD', z, now + lease, ARGV[1])
  redis.call('PEXPIRE', z, lease + tonumber(ARGV[2 * i + 2]) * 2)
end
return 0
"""
"""Take a slot in every window or in none: 0, or the milliseconds to wait."""

# KEYS: the sorted sets. ARGV: request id, then each window's length in ms.
RELEASE_SCRIPT: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1])
  -- never shorten the life of the set: others' requests may still be in flight
  local keep = tonumber(ARGV[i + 1]) * 2
  if redis.call('PTTL', KEYS[i]) < keep then redis.call('PEXPIRE', KEYS[i], keep) end
end
return now
"""
"""The request finished: it counts for one more window from now (server time)."""

# KEYS: the group's sorted set, its cool-down key. ARGV: the cool-down in ms (or -1:
# until the oldest request leaves the window), the window's limit and length in ms.
COOLDOWN_SCRIPT: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local win = tonumber(ARGV[3])
if ms < 0 then
  ms = math.floor(win / limit)
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
  if oldest then
    oldest = tonumber(oldest)
    if oldest <= now and oldest + win - now > ms then ms = oldest + win - now end
  end
end
if ms < 1 then ms = 1 end
if redis.call('PTTL', KEYS[2]) < ms then
  redis.call('SET', KEYS[2], '1', 'PX', ms)
end
return ms
"""
"""After a 429 every process holds the whole group: sets a shared cool-down key."""


def describe_redis_error(exc: BaseException, url: str) -> str:
    """A message for a redis failure: what went wrong and where, never a credential.

    redis's own messages name host and port at most, but a URL given with a password
    could surface in some of them, so only the exception's class and a fixed phrase are
    kept for connection-level failures.
    """
    import redis.exceptions as rex

    where = redact_url(url)
    if isinstance(exc, rex.AuthenticationError | rex.AuthorizationError):
        return f"the Redis server at {where} refused the credentials ({type(exc).__name__})"
    if isinstance(exc, rex.ConnectionError | rex.TimeoutError | OSError):
        return f"cannot reach the Redis server at {where} ({type(exc).__name__})"
    if isinstance(exc, rex.ResponseError):
        return f"the Redis server at {where} answered with an error: {exc}"
    return f"Redis at {where} failed: {type(exc).__name__}"
