"""CodegenConfig: environment variables, presets, settings dicts and bad values."""

from __future__ import annotations

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
        assert ("DEBUG", False) == (dev.log_level, dev.enable_caching)
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
