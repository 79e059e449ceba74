"""Stopping agent runs: ban, unban and remove-from-PR (one body, three endpoints)."""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

import msgspec

from ._base import AsyncBaseClient
from ._http._bodies import StopAgentRunBody, encode
from ._http._validate import check_id, check_optional_str
from .options import JSONValue, RequestOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["AsyncRunBansAPI"]

_ANY: msgspec.json.Decoder[JSONValue] = msgspec.json.Decoder()


class AsyncRunBansAPI(AsyncBaseClient):
    """Ban, unban and remove-from-PR (mixed into the client); required ids as in
    :class:`~._runs.AsyncAgentRunsAPI` (two ``@overload`` forms each)."""

    @overload
    async def ban_agent_run(
        self,
        org_id: int | None,
        run_id: int,
        *,
        before_card_order_id: str | None = ...,
        after_card_order_id: str | None = ...,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    @overload
    async def ban_agent_run(
        self,
        *,
        run_id: int,
        org_id: int | None = ...,
        before_card_order_id: str | None = ...,
        after_card_order_id: str | None = ...,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    async def ban_agent_run(
        self,
        org_id: int | None = None,
        run_id: int | None = None,
        *,
        before_card_order_id: str | None = None,
        after_card_order_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> JSONValue:
        """Ban all checks on the run's PR and stop its agents (runs end ``CANCELLED``).

        The card-order ids place the run in the UI's kanban column; the answer is the
        server's JSON, whatever it holds.
        """
        return await self._stop(
            "ban", org_id, run_id, before_card_order_id, after_card_order_id, options
        )

    @overload
    async def unban_agent_run(
        self,
        org_id: int | None,
        run_id: int,
        *,
        before_card_order_id: str | None = ...,
        after_card_order_id: str | None = ...,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    @overload
    async def unban_agent_run(
        self,
        *,
        run_id: int,
        org_id: int | None = ...,
        before_card_order_id: str | None = ...,
        after_card_order_id: str | None = ...,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    async def unban_agent_run(
        self,
        org_id: int | None = None,
        run_id: int | None = None,
        *,
        before_card_order_id: str | None = None,
        after_card_order_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> JSONValue:
        """Lift a ban set by :meth:`ban_agent_run` or :meth:`remove_agent_run_from_pr`."""
        return await self._stop(
            "unban", org_id, run_id, before_card_order_id, after_card_order_id, options
        )

    @overload
    async def remove_agent_run_from_pr(
        self,
        org_id: int | None,
        run_id: int,
        *,
        before_card_order_id: str | None = ...,
        after_card_order_id: str | None = ...,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    @overload
    async def remove_agent_run_from_pr(
        self,
        *,
        run_id: int,
        org_id: int | None = ...,
        before_card_order_id: str | None = ...,
        after_card_order_id: str | None = ...,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    async def remove_agent_run_from_pr(
        self,
        org_id: int | None = None,
        run_id: int | None = None,
        *,
        before_card_order_id: str | None = None,
        after_card_order_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> JSONValue:
        """Remove Codegen from the run's PR: the same effect as :meth:`ban_agent_run`."""
        return await self._stop(
            "remove-from-pr", org_id, run_id, before_card_order_id, after_card_order_id, options
        )

    async def _stop(  # noqa: PLR0917 - the three stop actions' one body
        self,
        action: str,
        org_id: int | None,
        run_id: int | None,
        before_card_order_id: str | None,
        after_card_order_id: str | None,
        options: RequestOptions,
    ) -> JSONValue:
        org = self._org(org_id)
        body = StopAgentRunBody(
            agent_run_id=check_id("run_id", run_id),
            before_card_order_id=check_optional_str("before_card_order_id", before_card_order_id),
            after_card_order_id=check_optional_str("after_card_order_id", after_card_order_id),
        )
        return await self._transport.request(
            "POST",
            f"/v1/organizations/{org}/agent/run/{action}",
            _ANY,
            body=encode(body),
            options=options,
            invalidates=f"/v1/organizations/{org}/agent/run",
        )
