"""Small helpers shared by the emulator's tests: raw aiohttp calls and the OpenAPI contract."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from codegen_async.emulator import Emulator

# The Codegen API's public OpenAPI 3.1 document, unmodified: docs/api-reference/openapi3.json of
# https://github.com/codegen-sh/codegen at 9f970ba6d1a78c15f6cd091cf4bdb0de5a3d8366.
SPEC_PATH = Path(__file__).resolve().parent / "openapi.json"
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def _strict_components() -> dict[str, Any]:
    """Component schemas where every declared key is required (the emulator serialises every
    key, ``null`` where empty) and no undeclared key is allowed, except in FastAPI's
    validation errors, which carry ``input`` and ``ctx``."""
    components: dict[str, Any] = copy.deepcopy(SPEC["components"])
    for name, schema in components["schemas"].items():
        if "properties" in schema and name != "ValidationError":
            schema["required"] = list(schema["properties"])
            schema.setdefault("additionalProperties", False)
    return components


_REGISTRY = Registry().with_resource(
    "urn:openapi",
    DRAFT202012.create_resource({"components": _strict_components()}),
)


def response_schema(path: str, method: str, status: int) -> dict[str, Any] | None:
    """The declared JSON schema of a response, rewritten to resolve against the registry."""
    responses = SPEC["paths"][path][method.lower()]["responses"]
    content = responses.get(str(status), {}).get("content") or {}
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    resolved: dict[str, Any] = json.loads(
        json.dumps(schema).replace('"#/components', '"urn:openapi#/components')
    )
    return resolved


def check_response(path: str, method: str, status: int, body: Any) -> None:
    """Fail unless ``body`` matches the spec's schema for ``status`` of the operation."""
    schema = response_schema(path, method, status)
    assert schema is not None, f"{method} {path} declares no {status} JSON body"
    jsonschema.Draft202012Validator(schema, registry=_REGISTRY).validate(body)


async def call(
    emu: Emulator,
    method: str,
    path: str,
    *,
    token: str | None = None,
    json_body: Any = None,
    data: bytes | None = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """One request with a fresh session: (status, decoded JSON or text, headers)."""
    all_headers = emu.headers(token) if headers is None else headers
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method,
            emu.url + path,
            json=json_body,
            data=data,
            params=params,
            headers=all_headers,
        ) as resp,
    ):
        text = await resp.text()
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        return resp.status, body, dict(resp.headers)


def org_path(emu: Emulator, tail: str, org_id: int | None = None) -> str:
    """``/v1/organizations/{org_id}`` + ``tail``."""
    return f"/v1/organizations/{emu.org_id if org_id is None else org_id}{tail}"
