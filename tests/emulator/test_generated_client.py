"""The official generated client (codegen-api-client, pydantic-validated) works unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from codegen_api_client import (
    AgentsApi,
    ApiClient,
    Configuration,
    CreateAgentRunInput,
    OrganizationsApi,
    UsersApi,
)
from codegen_api_client.exceptions import ApiException, ForbiddenException, NotFoundException

from codegen_async.emulator import OTHER_ORG_ID, Emulator, EmulatorConfig, serve_in_thread


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with serve_in_thread(EmulatorConfig(time_scale=0.01, rate_limits="off")) as emu:
        yield emu


@pytest.fixture
def api(emulator: Emulator) -> Iterator[ApiClient]:
    client = ApiClient(Configuration(host=emulator.url))
    try:
        yield client
    finally:
        client.rest_client.pool_manager.clear()


def test_create_then_get_run(emulator: Emulator, api: ApiClient) -> None:
    """create_agent_run and get_agent_run decode into the client's pydantic models."""
    agents = AgentsApi(api)
    auth = f"Bearer {emulator.token}"
    created = agents.create_agent_run_v1_organizations_org_id_agent_run_post(
        org_id=emulator.org_id,
        create_agent_run_input=CreateAgentRunInput(prompt="Fix the flaky test"),
        authorization=auth,
    )
    assert (created.status, created.organization_id) == ("ACTIVE", emulator.org_id)
    fetched = agents.get_agent_run_v1_organizations_org_id_agent_run_agent_run_id_get(
        agent_run_id=created.id, org_id=emulator.org_id, authorization=auth
    )
    assert fetched.id == created.id
    assert fetched.web_url == created.web_url


def test_organizations_and_users(emulator: Emulator, api: ApiClient) -> None:
    """get_organizations, get_users and get_user decode into the client's models."""
    auth = f"Bearer {emulator.token}"
    orgs = OrganizationsApi(api).get_organizations_v1_organizations_get(authorization=auth)
    assert [o.id for o in orgs.items] == [emulator.org_id]
    assert orgs.items[0].settings.enable_pr_creation is True
    users_api = UsersApi(api)
    users = users_api.get_users_v1_organizations_org_id_users_get(
        org_id=str(emulator.org_id), skip=0, limit=2, authorization=auth
    )
    assert (users.total, users.size, users.pages, len(users.items)) == (3, 2, 2, 2)
    # The generated client types the users endpoints' path ids as strings.
    one = users_api.get_user_v1_organizations_org_id_users_user_id_get(
        org_id=str(emulator.org_id), user_id=str(users.items[1].id), authorization=auth
    )
    assert one.github_username == users.items[1].github_username


def test_errors_map_to_the_clients_exceptions(emulator: Emulator, api: ApiClient) -> None:
    """403 and 404 reach the generated client as its Forbidden/NotFound exceptions."""
    auth = f"Bearer {emulator.token}"
    agents = AgentsApi(api)
    with pytest.raises(ForbiddenException) as forbidden:
        agents.get_agent_run_v1_organizations_org_id_agent_run_agent_run_id_get(
            agent_run_id=1, org_id=OTHER_ORG_ID, authorization=auth
        )
    assert forbidden.value.status == 403
    with pytest.raises(NotFoundException):
        agents.get_agent_run_v1_organizations_org_id_agent_run_agent_run_id_get(
            agent_run_id=1, org_id=emulator.org_id, authorization=auth
        )
    with pytest.raises(NotFoundException):
        UsersApi(api).get_user_v1_organizations_org_id_users_user_id_get(
            org_id=str(emulator.org_id), user_id="4", authorization=auth
        )
    with pytest.raises(ApiException) as unauthorized:
        OrganizationsApi(api).get_organizations_v1_organizations_get(authorization="Bearer x")
    assert unauthorized.value.status == 401
