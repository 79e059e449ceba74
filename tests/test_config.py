"""CodegenConfig: environment variables, presets, settings dicts and bad values."""

from __future__ import annotations

import logging

import pytest

from codegen_async import CodegenConfig, ConfigPresets, ConfigurationError
from codegen_sync import CodegenClient

ENV = (
    "CODEGEN_API_TOKEN",
    "CODEGEN_API_KEY",
    "CODEGEN_ORG_ID",
    "CODEGEN_BASE_URL",
    "CODEGEN_API_BASE_URL",
    "CODEGEN_TIMEOUT",
    "CODEGEN_MAX_RETRIES",
    "CODEGEN_RATE_LIMIT_REQUESTS",
    "CODEGEN_RATE_LIMIT_WINDOW",
    "CODEGEN_ENABLE_CACHING",
    "CODEGEN_CACHE_TTL",
    "CODEGEN_LOG_LEVEL",
    "CODEGEN_RATE_LIMIT_STRATEGY",
    "CODEGEN_RATE_LIMIT_BACKEND",
    "CODEGEN_TIME_SCALE",
    "CODEGEN_LOG",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


class TestEnvironment:
    def test_defaults(self) -> None:
        """With nothing set: the public API URL, no token, no org, sliding-window limits."""
        config = CodegenConfig()
        assert "https://api.codegen.com" == config.base_url
        assert (None, None) == (config.api_token, config.org_id)
        assert "sliding_window" == config.rate_limit_strategy
        assert (60, 30.0) == config.limit_for("standard")
        assert (10, 60.0) == config.limit_for("create_run")

    def test_every_variable_is_read(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each documented CODEGEN_* variable sets its field."""
        values = {
            "CODEGEN_API_TOKEN": "sk-env",
            "CODEGEN_ORG_ID": "323",
            "CODEGEN_BASE_URL": "http://127.0.0.1:1",
            "CODEGEN_TIMEOUT": "12.5",
            "CODEGEN_MAX_RETRIES": "4",
            "CODEGEN_RATE_LIMIT_REQUESTS": "100",
            "CODEGEN_RATE_LIMIT_WINDOW": "60",
            "CODEGEN_ENABLE_CACHING": "true",
            "CODEGEN_CACHE_TTL": "600",
            "CODEGEN_LOG_LEVEL": "warning",
        }
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        config = CodegenConfig()
        assert ("sk-env", 323, "http://127.0.0.1:1") == (
            config.api_token,
            config.org_id,
            config.base_url,
        )
        assert (12.5, 4, 100, 60.0) == (
            config.timeout,
            config.max_retries,
            config.rate_limit_requests,
            config.rate_limit_window,
        )
        assert (True, 600.0, "warning") == (
            config.enable_caching,
            config.cache_ttl,
            config.log_level,
        )

    def test_cli_base_url_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """CODEGEN_API_BASE_URL (the official CLI's name) works too."""
        monkeypatch.setenv("CODEGEN_API_BASE_URL", "https://codegen-sh--rest-api.modal.run")
        assert "https://codegen-sh--rest-api.modal.run" == CodegenConfig().base_url

    def test_explicit_beats_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """An argument wins over its environment variable."""
        monkeypatch.setenv("CODEGEN_TIMEOUT", "12")
        assert 3.0 == CodegenConfig(timeout=3.0).timeout

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("CODEGEN_TIMEOUT", "soon"),
            ("CODEGEN_ORG_ID", "acme"),
            ("CODEGEN_MAX_RETRIES", "3.5"),
            ("CODEGEN_ENABLE_CACHING", "perhaps"),
            ("CODEGEN_TIMEOUT", "-1"),
        ],
    )
    def test_bad_variable_names_itself(
        self, monkeypatch: pytest.MonkeyPatch, name: str, value: str
    ) -> None:
        """A bad value is a ConfigurationError naming the setting."""
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigurationError) as info:
            CodegenConfig()
        field = name.removeprefix("CODEGEN_").lower()
        assert name in str(info.value) or field in str(info.value)


class TestValidation:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"timeout": -1},
            {"timeout": 0},
            {"max_retries": -1},
            {"rate_limit_strategy": "token_bucket"},
            {"org_id": 0},
            {"base_url": "ftp://x"},
            {"cache_max_size": 0},
            {"rate_limit_requests": 10},
            {"rate_limits": {"nope": (1, 1.0)}},
            {"rate_limits": {"standard": (0, 1.0)}},
            {"log_level": "LOUD"},
            {"api_token": ""},
        ],
    )
    def test_bad_values_are_refused(self, kwargs: dict[str, object]) -> None:
        """Each bad value raises ConfigurationError naming the setting."""
        with pytest.raises(ConfigurationError) as info:
            CodegenConfig(**kwargs)  # type: ignore[arg-type]
        assert next(iter(kwargs)).split("_")[0] in str(info.value)

    def test_group_override(self) -> None:
        """A per-group override replaces the documented limit of that group only."""
        config = CodegenConfig(rate_limits={"create_run": (5, 10.0)})
        assert ((5, 10.0), (60, 30.0)) == (
            config.limit_for("create_run"),
            config.limit_for("standard"),
        )


class TestSecrets:
    def test_repr_hides_the_token(self) -> None:
        """Neither repr nor str of a config shows the token."""
        config = CodegenConfig(api_token="sk-very-secret-token")
        assert "sk-very-secret-token" not in repr(config)
        assert "sk-very-secret-token" not in str(config)
        assert "api_token=<set>" in repr(config)


class TestPresets:
    def test_presets(self) -> None:
        """development is verbose, production caches and retries more, testing disables limits."""
        dev, prod, test = (
            ConfigPresets.development(),
            ConfigPresets.production(),
            ConfigPresets.testing(),
        )
        assert (30, False) == (dev.rate_limit_requests, dev.enable_caching)
        assert (True, 5) == (prod.enable_caching, prod.max_retries)
        assert ("none", False) == (test.rate_limit_strategy, test.enable_caching)
        assert prod.timeout > dev.timeout > test.timeout

    def test_presets_take_overrides(self) -> None:
        """A preset's fields can be overridden."""
        assert 1.0 == ConfigPresets.production(timeout=1.0).timeout


class TestSettings:
    def test_from_settings(self) -> None:
        """A Django-style settings dict builds a client (keys case-insensitive)."""
        settings = {"api_token": "sk-x", "ORG_ID": 323, "timeout": 30}
        with CodegenClient.from_settings(settings) as client:
            assert (323, 30) == (client.config.org_id, client.config.timeout)

    def test_unknown_setting_is_refused(self) -> None:
        """A misspelt key is an error, not silently ignored."""
        with pytest.raises(ConfigurationError, match="tiemout"):
            CodegenConfig.from_settings({"tiemout": 3})


# Each bad value once per way in: (field, value given to CodegenConfig, value as text).
BAD_VALUES = [
    ("timeout", float("inf"), "inf"),
    ("timeout", 1e400, "1e400"),
    ("timeout", float("nan"), "nan"),
    ("timeout", 10**12, "1000000000000"),
    ("max_retries", 10**6, "1000000"),
    ("rate_limit_window", float("nan"), "nan"),
    ("rate_limit_requests", 0.5, "0.5"),
    ("max_connections", 10**9, "1000000000"),
    ("cache_ttl", float("inf"), "inf"),
    ("poll_interval", 0, "0"),
    ("enable_caching", 1, "maybe"),
    ("base_url", "http://[::1", "http://[::1"),
    ("base_url", "http://127.0.0.1:99999", "http://127.0.0.1:99999"),
    ("base_url", "http://host:port", "http://host:port"),
    ("base_url", "http://", "http://"),
    ("base_url", "http://user:pw@example.com", "http://user:pw@example.com"),
    ("time_scale", 0, "0"),
    ("time_scale", float("nan"), "nan"),
]
ENV_NAMES = {
    "timeout": "CODEGEN_TIMEOUT",
    "max_retries": "CODEGEN_MAX_RETRIES",
    "rate_limit_window": "CODEGEN_RATE_LIMIT_WINDOW",
    "rate_limit_requests": "CODEGEN_RATE_LIMIT_REQUESTS",
    "cache_ttl": "CODEGEN_CACHE_TTL",
    "enable_caching": "CODEGEN_ENABLE_CACHING",
    "base_url": "CODEGEN_BASE_URL",
    "time_scale": "CODEGEN_TIME_SCALE",
}
# The overall cap's two settings go together: the other one, valid.
PARTNER: dict[str, dict[str, object]] = {
    "rate_limit_window": {"rate_limit_requests": 10},
    "rate_limit_requests": {"rate_limit_window": 10.0},
}


class TestEveryCallerValue:
    @pytest.mark.parametrize(("name", "value", "text"), BAD_VALUES)
    def test_argument(self, name: str, value: object, text: str) -> None:
        """A bad argument is a ConfigurationError naming the setting, at construction."""
        with pytest.raises(ConfigurationError, match=name):
            CodegenConfig(**{name: value}, **PARTNER.get(name, {}))  # type: ignore[arg-type]

    @pytest.mark.parametrize(("name", "value", "text"), BAD_VALUES)
    def test_settings_mapping(self, name: str, value: object, text: str) -> None:
        """The same values in a settings mapping, as values and as text, are refused."""
        for given in (value, text):
            with pytest.raises(ConfigurationError, match=name):
                CodegenConfig.from_settings({name: given, **PARTNER.get(name, {})})

    @pytest.mark.parametrize(("name", "value", "text"), BAD_VALUES)
    def test_environment(
        self, monkeypatch: pytest.MonkeyPatch, name: str, value: object, text: str
    ) -> None:
        """The same values in the environment are refused, naming the setting or variable."""
        if name not in ENV_NAMES:
            pytest.skip(f"{name} has no environment variable")
        monkeypatch.setenv(ENV_NAMES[name], text)
        for partner, other in PARTNER.get(name, {}).items():
            monkeypatch.setenv(ENV_NAMES[partner], str(other))
        with pytest.raises(ConfigurationError) as info:
            CodegenConfig()
        assert name in str(info.value) or ENV_NAMES[name] in str(info.value)

    @pytest.mark.parametrize(
        "limit", [(0.5, 1), (0, 1.0), (True, 1.0), (10, float("nan")), (10, 0), (10,), "10/60"]
    )
    def test_group_limits(self, limit: object) -> None:
        """A group limit needs a positive integer count and a positive, finite window."""
        with pytest.raises(ConfigurationError, match="rate_limits"):
            CodegenConfig(rate_limits={"standard": limit})  # type: ignore[dict-item]

    @pytest.mark.parametrize("agent", ["codegen\r\nX-Evil: 1", "codegen\n", "naïve", "tab\there"])
    def test_user_agent_must_be_one_header_line(self, agent: str) -> None:
        """A user agent with CR/LF (header injection) or non-ASCII text is refused."""
        with pytest.raises(ConfigurationError, match="user_agent"):
            CodegenConfig(user_agent=agent)

    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            ({"retry_on_status": 503}, "retry_on_status"),
            ({"retry_on_status": "503"}, "retry_on_status"),
            ({"rate_limits": [("standard", (1, 1.0))]}, "rate_limits"),
            ({"verify_ssl": "no"}, "verify_ssl"),
            ({"log_level": 10}, "log_level"),
            ({"rate_limit_backend": 6379}, "rate_limit_backend"),
        ],
    )
    def test_wrong_types(self, kwargs: dict[str, object], name: str) -> None:
        """A value of the wrong type is a ConfigurationError, never a raw TypeError."""
        with pytest.raises(ConfigurationError, match=name):
            CodegenConfig(**kwargs)  # type: ignore[arg-type]

    def test_settings_text_is_parsed_strictly(self) -> None:
        """Text settings mean what they say: "false" is False, "30" is 30."""
        config = CodegenConfig.from_settings(
            {"enable_caching": "false", "verify_ssl": "true", "timeout": "12.5", "org_id": "7"}
        )
        assert (False, True, 12.5, 7) == (
            config.enable_caching,
            config.verify_ssl,
            config.timeout,
            config.org_id,
        )

    def test_text_given_directly_is_refused(self) -> None:
        """CodegenConfig(enable_caching="false") is an error, not caching switched on."""
        with pytest.raises(ConfigurationError, match="enable_caching"):
            CodegenConfig(enable_caching="false")  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="timeout"):
            CodegenConfig(timeout="30")  # type: ignore[arg-type]

    def test_settings_must_be_a_mapping(self) -> None:
        """A settings value that is not a mapping is a ConfigurationError."""
        with pytest.raises(ConfigurationError, match="mapping"):
            CodegenConfig.from_settings([("timeout", 3)])  # type: ignore[arg-type]

    def test_the_largest_accepted_values_work(self) -> None:
        """The bounds themselves are accepted (30 days, 10000 connections, 100 retries)."""
        config = CodegenConfig(timeout=30 * 86400, max_connections=10_000, max_retries=100)
        assert (30 * 86400, 10_000, 100) == (
            config.timeout,
            config.max_connections,
            config.max_retries,
        )


class TestTimeScale:
    def test_scales_windows_polls_and_backoff(self) -> None:
        """time_scale multiplies every rate-limit window, the poll interval and the backoff."""
        config = CodegenConfig(time_scale=0.01, rate_limit_requests=5, rate_limit_window=10.0)
        assert (10, 0.6) == config.limit_for("create_run")
        assert (60, 0.3) == config.limit_for("standard")
        assert pytest.approx((0.02, 0.005, 0.3, 0.1)) == (
            config.poll_interval,
            config.retry_backoff_factor,
            config.retry_max_delay,
            config.rate_limit_window,
        )
        assert 30.0 == config.timeout  # one attempt's deadline is not scaled

    def test_scales_group_overrides(self) -> None:
        """A per-group override is scaled like the documented limits."""
        config = CodegenConfig(time_scale=0.5, rate_limits={"create_run": (4, 10.0)})
        assert ((4, 5.0), (60, 15.0)) == (
            config.limit_for("create_run"),
            config.limit_for("standard"),
        )

    def test_replace_never_scales_twice(self) -> None:
        """replace() scales from the values first given, whatever changes."""
        config = CodegenConfig(time_scale=0.01, poll_interval=1.0)
        again = config.replace(timeout=3.0)
        assert (0.01, (10, 0.6)) == (again.poll_interval, again.limit_for("create_run"))
        real = config.replace(time_scale=1.0)
        assert (1.0, (10, 60.0), {}) == (
            real.poll_interval,
            real.limit_for("create_run"),
            dict(real.rate_limits),
        )

    def test_environment_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """CODEGEN_TIME_SCALE sets it, so a script needs no code change."""
        monkeypatch.setenv("CODEGEN_TIME_SCALE", "0.1")
        config = CodegenConfig()
        assert (0.1, (10, 6.0)) == (config.time_scale, config.limit_for("create_run"))

    def test_default_is_the_real_clock(self) -> None:
        """Without a time scale nothing is scaled and no override is invented."""
        config = CodegenConfig()
        assert (1.0, {}, 2.0) == (config.time_scale, dict(config.rate_limits), config.poll_interval)


class TestLogging:
    def test_building_a_config_changes_no_logger(self) -> None:
        """Presets and log_level leave the codegen logger's level and handlers alone."""
        logger = logging.getLogger("codegen")
        before = (logger.level, list(logger.handlers))
        ConfigPresets.development()
        CodegenConfig(log_level="DEBUG")
        ConfigPresets.production()
        assert before == (logger.level, list(logger.handlers))
