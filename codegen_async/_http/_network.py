"""Proxies and TLS of one client, decided once when the client is made (both seams use it).

No sockets here: the seams turn a :class:`Network` into aiohttp or urllib3 settings when
their pool opens, so no request pays for these decisions. Proxies come from the
``proxy`` setting, else (with ``trust_env``) from the standard environment variables,
read once; TLS from ``ssl_context``, else ``ca_bundle`` / ``client_cert`` /
``verify_ssl``, else (with ``trust_env``) ``CODEGEN_CA_BUNDLE`` or ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import base64
import functools
import os
import ssl
import sys
import urllib.parse
import urllib.request
import warnings
from typing import Any

from ..config import CodegenConfig, _check_readable_file, _proxy_parts
from ..errors import CodegenSecurityWarning, ConfigurationError

__all__ = ["Network", "Proxies", "Proxy", "network_for", "parse_proxy"]

# CA bundle variables, the first set one wins; read only with trust_env.
_CA_VARIABLES = ("CODEGEN_CA_BUNDLE", "SSL_CERT_FILE")


class Proxy:
    """One proxy: its URL without credentials, and the header that carries them."""

    __slots__ = ("headers", "secrets", "url")

    def __init__(self, url: str, headers: dict[str, str], secrets: tuple[str, ...]) -> None:
        self.url = url
        """``scheme://host:port``: no user name or password, safe to show."""
        self.headers = headers
        """``{"Proxy-Authorization": "Basic ..."}`` when the URL carried credentials."""
        self.secrets = secrets
        """The password and the header's value: masked in every error."""

    def __repr__(self) -> str:
        return f"Proxy({self.url!r})"


def parse_proxy(raw: str, setting: str) -> Proxy:
    """A proxy URL, checked (a ConfigurationError naming ``setting`` if bad) and split."""
    parts = _proxy_parts(raw, setting)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    url = f"{parts.scheme}://{host}:{port}"
    if parts.username is None and parts.password is None:
        return Proxy(url, {}, ())
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    secrets = {password, parts.password or "", token}
    return Proxy(url, {"Proxy-Authorization": f"Basic {token}"}, tuple(s for s in secrets if s))


class Proxies:
    """Which proxy a URL goes through: the ``proxy`` setting, or the environment's.

    The environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, in
    either case) is read once, when this is made, as :mod:`urllib.request` reads it.
    """

    __slots__ = ("_all", "_by_scheme", "_env", "_explicit")

    def __init__(self, explicit: str | None = None, *, trust_env: bool = False) -> None:
        self._explicit = parse_proxy(explicit, "proxy") if explicit is not None else None
        self._env: dict[str, str] = {}
        self._by_scheme: dict[str, Proxy] = {}
        self._all: Proxy | None = None
        if self._explicit is None and trust_env:
            env = urllib.request.getproxies_environment()
            self._env = env
            for scheme in ("http", "https", "all"):
                raw = env.get(scheme, "").strip()
                if not raw:
                    continue
                if "://" not in raw:  # "proxy:3128", as curl and requests take it
                    raw = "http://" + raw
                proxy = parse_proxy(raw, f"{scheme.upper()}_PROXY (environment)")
                if scheme == "all":
                    self._all = proxy
                else:
                    self._by_scheme[scheme] = proxy

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every proxy password (and its header form): masked in errors."""
        found = [self._explicit, self._all, *self._by_scheme.values()]
        return tuple(s for p in found if p is not None for s in p.secrets)

    def for_url(self, url: str) -> Proxy | None:
        """The proxy for ``url``, or None to connect directly."""
        if self._explicit is not None:
            return self._explicit
        scheme, _, rest = url.partition("://")
        proxy = self._by_scheme.get(scheme.lower(), self._all)
        if proxy is None:
            return None
        netloc = rest.split("/", 1)[0].rpartition("@")[2]
        if self._env.get("no") and _bypass(netloc, self._env):
            return None
        return proxy


def _bypass(netloc: str, env: dict[str, str]) -> bool:
    """Whether ``NO_PROXY`` (``env["no"]``) names the host of ``netloc``."""
    bypass: Any = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    return bool(bypass(netloc, env))


class Network:
    """The proxies and the TLS context of one client (the seam's pool is built from it)."""

    __slots__ = ("api_forward_headers", "api_proxy", "proxies", "ssl_context", "verify")

    def __init__(
        self,
        proxies: Proxies | None = None,
        *,
        api_proxy: Proxy | None = None,
        api_forwarded: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        verify: bool = True,
    ) -> None:
        self.proxies = proxies or Proxies()
        """Decides the proxy of a redirect hop to another origin."""
        self.api_proxy = api_proxy
        """The proxy of the API's own origin (decided once)."""
        self.api_forward_headers = api_proxy.headers if api_proxy and api_forwarded else {}
        """Headers for the proxy on every API request: an http:// API is forwarded, so
        the proxy reads them from the request itself (an https:// one gets them on the
        ``CONNECT``, and they must never enter its tunnel)."""
        self.ssl_context = ssl_context
        """None: the HTTP library's default context (verifying unless ``verify`` is False)."""
        self.verify = verify

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.proxies.secrets


def network_for(config: CodegenConfig, pool: object = None) -> Network:
    """The network of a client with ``config``; ``pool`` is a session the caller gave.

    A given session owns its proxies and TLS: setting them here as well is an error,
    and the environment is not read for them.
    """
    if pool is not None:
        given = _network_settings(config)
        if given:
            raise ConfigurationError(
                f"invalid settings: {', '.join(given)} cannot be used with a session or "
                "pool manager of your own (it owns its proxies and TLS): configure it there"
            )
        return Network()
    if not config.verify_ssl:
        warnings.warn(
            "verify_ssl=False: TLS certificates are not verified, so anyone on the network "
            "path can read and change the traffic, API token included",
            CodegenSecurityWarning,
            stacklevel=_outside_stacklevel(),
        )
    proxies = Proxies(config.proxy, trust_env=config.trust_env)
    return Network(
        proxies,
        api_proxy=proxies.for_url(config.base_url),
        api_forwarded=config.base_url.lower().startswith("http://"),
        ssl_context=_ssl_context(config),
        verify=config.verify_ssl,
    )


def _network_settings(config: CodegenConfig) -> list[str]:
    names = [n for n in ("proxy", "ca_bundle", "client_cert", "ssl_context") if getattr(config, n)]
    if not config.verify_ssl:
        names.append("verify_ssl=False")
    return names


def _ssl_context(config: CodegenConfig) -> ssl.SSLContext | None:
    """The context every TLS connection uses; None for the library's default one."""
    if config.ssl_context is not None:
        return config.ssl_context
    cafile = str(config.ca_bundle) if config.ca_bundle is not None else None
    source = "setting ca_bundle"
    if cafile is None and config.trust_env and config.verify_ssl:
        for name in _CA_VARIABLES:
            value = os.environ.get(name, "").strip()
            if value:
                source = f"environment variable {name}"
                cafile = _check_readable_file(value, source)
                break
    # Without trust_env, OpenSSL must not read SSL_CERT_FILE / SSL_CERT_DIR either.
    env_paths = not config.trust_env and any(
        os.environ.get(n) for n in ("SSL_CERT_FILE", "SSL_CERT_DIR")
    )
    if config.client_cert is None:
        if not config.verify_ssl:
            return None  # the library's own context, not verifying
        if cafile is not None:
            stat = os.stat(cafile)
            return _ca_context(cafile, source, stat.st_mtime_ns, stat.st_size)
        return _ca_context(None, "", 0, 0) if env_paths else None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, checks host names
    if not config.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        _trust(context, cafile, source, env_paths)
    key = str(config.client_key) if config.client_key is not None else None
    _load(
        lambda path: context.load_cert_chain(path, key, password=_no_password),
        "setting client_cert",
        str(config.client_cert),
        "a PEM certificate with its unencrypted key (or the key in client_key)",
    )
    return context


@functools.lru_cache(maxsize=8)
def _ca_context(cafile: str | None, source: str, mtime: int, size: int) -> ssl.SSLContext:
    """A verifying context trusting ``cafile`` (None: the compiled-in defaults only).

    Shared by the clients that trust the same unchanged file: loading a system bundle
    takes about 20 ms, too long to pay for every client made.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _trust(context, cafile, source, cafile is None)
    return context


def _trust(context: ssl.SSLContext, cafile: str | None, source: str, env_paths: bool) -> None:
    """Load the CAs ``context`` trusts: ``cafile``, else the defaults (without the
    environment's paths when ``env_paths`` says they are set but not to be trusted)."""
    if cafile is not None:
        _load(context.load_verify_locations, source, cafile, "a PEM file of CA certificates")
    elif env_paths:
        paths = ssl.get_default_verify_paths()
        default_file = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
        default_dir = paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
        if default_file or default_dir:
            context.load_verify_locations(cafile=default_file, capath=default_dir)
    else:
        context.load_default_certs()


def _no_password() -> bytes:
    # Without a callback OpenSSL would prompt on the terminal for an encrypted key.
    raise ConfigurationError(
        "invalid setting client_key: the key is encrypted; load it into an ssl.SSLContext "
        "yourself and pass ssl_context=..."
    )


def _load(load: Any, source: str, path: str, wanted: str) -> None:
    try:
        load(path)
    except ConfigurationError:
        raise
    except (ssl.SSLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or "unreadable"
        raise ConfigurationError(f"invalid {source}={path!r}: not {wanted} ({reason})") from None


def _outside_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside this package (the user's code)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
        ("codegen_async", "codegen_sync")
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
