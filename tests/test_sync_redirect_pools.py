"""The sync client keeps no pool or socket per redirect host (its seam is hand-written)."""

from __future__ import annotations

from collections.abc import Iterable

import codegen_sync
from codegen_async import ConfigPresets
from tests.rawserver import HostileServer, Step, answer

USER = b'{"id": 7, "github_username": "octocat"}'


def test_redirect_hosts_leave_no_pools_or_sockets_behind() -> None:
    """Redirects through 12 other hosts: only the API's pool is kept, and every redirect
    host's connection is closed by the client once its answer is read."""
    targets = [HostileServer(lambda _r: [answer(200, USER)]) for _ in range(12)]
    hop = iter(range(10**6))

    def redirect(_request: bytes) -> Iterable[Step]:
        target = targets[next(hop) % len(targets)]
        yield answer(302, headers={"Location": target.url + "/v1/users/me"})

    try:
        with HostileServer(redirect) as api:
            config = ConfigPresets.testing(base_url=api.url, api_token="sk-x", org_id=1)
            with codegen_sync.CodegenClient(config) as client:
                for _ in targets:
                    assert "octocat" == client.get_current_user().github_username
                http = client._transport._http
                assert ["http://" + api.url.split("://")[1]] == list(http._pools)
                assert 1 == len(http._manager.pools)  # the API's own origin only
            # Each redirect host saw its connection closed by the client.
            for target in targets:
                target.close()
                assert 1 == target.closed_by_peer
        assert all(1 == len(t.requests) for t in targets)
    finally:
        for target in targets:
            target.close()
