"""Which organization a command works in: the configured one, else the token's only one."""

from __future__ import annotations

from .. import AsyncCodegenClient
from ._usage import UsageError

__all__ = ["org_id"]


async def org_id(client: AsyncCodegenClient) -> int:
    """The configured org (``--org-id`` / ``CODEGEN_ORG_ID``), else the token's only one.

    Raises :class:`UsageError` listing the token's organizations when there is no single one.
    """
    if client.config.org_id is not None:
        return client.config.org_id
    orgs = (await client.get_organizations()).items
    if len(orgs) == 1:
        return orgs[0].id
    names = ", ".join(f"{o.id} ({o.name})" for o in orgs[:10])
    raise UsageError(f"pass --org-id or set CODEGEN_ORG_ID; your organizations: {names or 'none'}")
