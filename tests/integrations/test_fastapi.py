"""FastAPI and Starlette, for real with their TestClient against the emulator."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

import codegen_async
import codegen_sync
from codegen_async import AsyncCodegenClient, WebhookHandler
from codegen_async.emulator import Emulator
from codegen_async.events import make_event
from codegen_async.integrations.fastapi import (
    codegen_lifespan,
    get_async_codegen_client,
    webhook_router,
)
from codegen_async.integrations.starlette import webhook_route
from codegen_async.models import AgentRun
from codegen_sync import CodegenClient, get_codegen_client

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 under its TestClient; httpx (what FastAPI documents)
    # still works, and these tests are about our code, not that migration.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLWZhc3RhcGktdGVzdHM="


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, codegen_emulator: Emulator) -> Emulator:
    """CODEGEN_* variables pointing at the emulator (what get_codegen_client reads)."""
    monkeypatch.setenv("CODEGEN_BASE_URL", codegen_emulator.url)
    monkeypatch.setenv("CODEGEN_API_TOKEN", codegen_emulator.token)
    monkeypatch.setenv("CODEGEN_ORG_ID", str(codegen_emulator.org_id))
    monkeypatch.setenv("CODEGEN_RATE_LIMIT_STRATEGY", "none")
    return codegen_emulator


def test_seed_dependency(env: Emulator) -> None:
    """The README's endpoints work as written, through Depends(get_codegen_client)."""
    app = FastAPI()

    @app.get("/agent-runs/{org_id}")
    async def get_agent_runs(
        org_id: int,
        client: CodegenClient = Depends(get_codegen_client),  # noqa: B008
    ) -> dict[str, Any]:
        runs = client.get_agent_runs(org_id)
        return {"runs": [run.dict() for run in runs.items]}

    @app.post("/agent-runs/{org_id}")
    async def create_agent_run(
        org_id: int,
        prompt: str,
        client: CodegenClient = Depends(get_codegen_client),  # noqa: B008
    ) -> dict[str, Any]:
        run = client.create_agent_run(org_id, prompt)
        return run.dict()

    with TestClient(app) as http:
        created = http.post(f"/agent-runs/{env.org_id}", params={"prompt": "Write docs"})
        listed = http.get(f"/agent-runs/{env.org_id}")
    assert 200 == created.status_code
    assert "ACTIVE" == created.json()["status"]
    assert [created.json()["id"]] == [r["id"] for r in listed.json()["runs"]]


def test_seed_dependency_shares_one_client(env: Emulator) -> None:
    """get_codegen_client gives every request of an app one client (one pool, one rate
    limiter, one cache), closed when the app shuts down; a restart gets a fresh one."""
    app = FastAPI()
    seen: list[CodegenClient] = []

    @app.get("/me")
    async def me(client: CodegenClient = Depends(get_codegen_client)) -> dict[str, Any]:  # noqa: B008
        seen.append(client)
        return {"user": client.get_current_user().github_username}

    with TestClient(app) as http:
        answers = [http.get("/me"), http.get("/me")]
        assert not seen[0]._closed  # still open between requests
    assert [200, 200] == [a.status_code for a in answers]
    assert seen[0] is seen[1]
    assert 2 == seen[0].get_stats().total_requests
    assert seen[0]._closed
    with TestClient(app) as http:
        assert 200 == http.get("/me").status_code
    assert seen[2] is not seen[0] and seen[2]._closed


def test_async_dependency_shares_one_client(env: Emulator) -> None:
    """The async get_codegen_client shares one AsyncCodegenClient the same way."""
    app = FastAPI()
    seen: list[AsyncCodegenClient] = []

    @app.get("/me")
    async def me(
        client: AsyncCodegenClient = Depends(codegen_async.get_codegen_client),  # noqa: B008
    ) -> dict[str, Any]:
        seen.append(client)
        return {"user": (await client.get_current_user()).github_username}

    with TestClient(app) as http:
        assert [200, 200] == [http.get("/me").status_code for _ in range(2)]
    assert seen[0] is seen[1]
    assert seen[0]._closed


def test_dependency_uses_the_lifespan_client(codegen_emulator: Emulator) -> None:
    """With codegen_lifespan, get_codegen_client yields the lifespan's client."""
    app = FastAPI(
        lifespan=codegen_lifespan(
            base_url=codegen_emulator.url,
            api_token=codegen_emulator.token,
            org_id=codegen_emulator.org_id,
        )
    )
    seen: list[AsyncCodegenClient] = []

    @app.get("/x")
    async def x(
        a: AsyncCodegenClient = Depends(codegen_async.get_codegen_client),  # noqa: B008
        b: AsyncCodegenClient = Depends(get_async_codegen_client),  # noqa: B008
    ) -> None:
        seen.extend([a, b])

    with TestClient(app) as http:
        assert 200 == http.get("/x").status_code
    assert seen[0] is seen[1]


def test_own_lifespan_gets_a_client_per_request(
    env: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """An app with its own lifespan (no shutdown hook to close a shared client) gets a
    client per request, each closed after it, and a warning saying how to share one."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(lifespan=lifespan)
    seen: list[CodegenClient] = []

    @app.get("/x")
    def x(client: CodegenClient = Depends(get_codegen_client)) -> None:  # noqa: B008
        seen.append(client)

    with caplog.at_level(logging.WARNING, "codegen"), TestClient(app) as http:
        assert [200, 200] == [http.get("/x").status_code for _ in range(2)]
    assert seen[0] is not seen[1]
    assert seen[0]._closed and seen[1]._closed
    assert "codegen_lifespan" in caplog.text


def test_lifespan_client(codegen_emulator: Emulator) -> None:
    """One AsyncCodegenClient for the app's lifetime, shared by requests, closed at shutdown."""
    app = FastAPI(
        lifespan=codegen_lifespan(
            base_url=codegen_emulator.url,
            api_token=codegen_emulator.token,
            org_id=codegen_emulator.org_id,
        )
    )
    seen: list[AsyncCodegenClient] = []

    @app.get("/me")
    async def me(
        client: AsyncCodegenClient = Depends(get_async_codegen_client),  # noqa: B008 - FastAPI's idiom
    ) -> dict[str, Any]:
        seen.append(client)
        user = await client.get_current_user()
        return {"user": user.github_username}

    with TestClient(app) as http:
        first = http.get("/me")
        second = http.get("/me")
    assert (200, 200) == (first.status_code, second.status_code)
    assert first.json()["user"]
    assert seen[0] is seen[1]
    assert seen[0]._closed  # closed when the app shut down


def test_lifespan_missing_is_clear() -> None:
    """Using the lifespan dependency without the lifespan fails with a clear message."""
    app = FastAPI()

    @app.get("/x")
    async def x(client: AsyncCodegenClient = Depends(get_async_codegen_client)) -> None:  # noqa: B008
        return None

    with TestClient(app) as http, pytest.raises(codegen_sync.CodegenError, match="lifespan"):
        http.get("/x")


def signed_body(handler: WebhookHandler) -> tuple[bytes, dict[str, str]]:
    event = make_event(AgentRun(id=5, organization_id=1, status="COMPLETE"), "ACTIVE")
    body = msgspec.json.encode(event)
    return body, handler.sign(body)


@pytest.mark.parametrize("framework", ["fastapi", "starlette"])
def test_webhook_receiver(framework: str) -> None:
    """The receiver answers 200 after the handlers ran, 400 to a bad signature."""
    handler = WebhookHandler(SECRET)
    got: list[str] = []

    @handler.on("agent_run.completed")
    async def completed(event: Any) -> None:
        got.append(event["id"])

    if framework == "fastapi":
        app: Any = FastAPI()
        app.include_router(webhook_router(handler))
    else:
        app = Starlette(routes=[webhook_route(handler)])
    body, headers = signed_body(handler)
    with TestClient(app) as http:
        good = http.post("/webhooks/codegen", content=body, headers=headers)
        bad = http.post("/webhooks/codegen", content=body + b" ", headers=headers)
    assert (200, {"ok": True, "handled": 1}) == (good.status_code, good.json())
    assert 400 == bad.status_code
    assert "no webhook signature matches" in bad.json()["detail"]
    assert ["5"] == got


@pytest.mark.parametrize("framework", ["fastapi", "starlette"])
def test_junk_timestamp_is_a_400(framework: str) -> None:
    """A 400-digit webhook-timestamp is answered 400 (never a 500), no handler runs."""
    handler = WebhookHandler(SECRET)
    handler.on("*")(lambda e: pytest.fail("must not be called"))
    if framework == "fastapi":
        app: Any = FastAPI()
        app.include_router(webhook_router(handler))
    else:
        app = Starlette(routes=[webhook_route(handler)])
    body, headers = signed_body(handler)
    with TestClient(app) as http:
        answer = http.post(
            "/webhooks/codegen", content=body, headers={**headers, "webhook-timestamp": "9" * 400}
        )
    assert 400 == answer.status_code
    assert "webhook-timestamp" in answer.json()["detail"]
