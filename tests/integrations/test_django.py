"""Django: a client from settings.CODEGEN_CONFIG and the webhook view, with Django's test client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from codegen_async import WebhookHandler
from codegen_async.emulator import Emulator
from codegen_async.events import make_event
from codegen_async.models import AgentRun

django = pytest.importorskip("django")

from django.conf import settings  # type: ignore[import-untyped]  # noqa: E402

SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLWRqYW5nby10ZXN0cw=="
HANDLER = WebhookHandler(SECRET)
RECEIVED: list[str] = []


@HANDLER.on("agent_run.completed")
def _completed(payload: Any) -> None:
    RECEIVED.append(payload["id"])


def create_agent_run(request: Any) -> Any:
    """The README's view."""
    from django.http import JsonResponse  # type: ignore[import-untyped]

    from codegen_sync import CodegenClient

    with CodegenClient.from_settings(settings.CODEGEN_CONFIG) as client:
        run = client.create_agent_run(settings.CODEGEN_CONFIG["org_id"], request.POST["prompt"])
    return JsonResponse(run.dict())


def _urls() -> list[Any]:
    from django.urls import path  # type: ignore[import-untyped]

    from codegen_sync.integrations.django import webhook_view

    return [
        path("runs", create_agent_run),
        path("webhooks/codegen", webhook_view(HANDLER)),
    ]


urlpatterns: list[Any] = []


@pytest.fixture
def django_app(codegen_emulator: Emulator) -> Iterator[Any]:
    """Minimal Django settings pointing CODEGEN_CONFIG at the emulator."""
    if not settings.configured:
        settings.configure(
            DEBUG=True,
            ROOT_URLCONF=__name__,
            ALLOWED_HOSTS=["testserver"],
            MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
            SECRET_KEY="test-only",
        )
        django.setup()
    urlpatterns[:] = _urls()
    settings.CODEGEN_CONFIG = {
        "api_token": codegen_emulator.token,
        "org_id": codegen_emulator.org_id,
        "base_url": codegen_emulator.url,
        "timeout": 30,
    }
    from django.test import Client  # type: ignore[import-untyped]

    yield Client
    del settings.CODEGEN_CONFIG
    RECEIVED.clear()


def test_view_creates_run(django_app: Any) -> None:
    """A view using CodegenClient.from_settings(settings.CODEGEN_CONFIG) creates a run."""
    response = django_app().post("/runs", {"prompt": "Fix the build"})
    assert 200 == response.status_code
    assert "ACTIVE" == response.json()["status"]


def test_webhook_view(django_app: Any) -> None:
    """The webhook view verifies (CSRF-exempt), dispatches, and refuses bad signatures."""
    http = django_app(enforce_csrf_checks=True)  # the webhook view must be CSRF-exempt
    event = make_event(AgentRun(id=11, organization_id=1, status="COMPLETE"), "ACTIVE")
    body = msgspec.json.encode(event)
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in HANDLER.sign(body).items()}
    good = http.post("/webhooks/codegen", body, content_type="application/json", **headers)
    bad = http.post("/webhooks/codegen", body + b" ", content_type="application/json", **headers)
    get = http.get("/webhooks/codegen")
    assert (200, 400, 405) == (good.status_code, bad.status_code, get.status_code)
    assert ["11"] == RECEIVED
