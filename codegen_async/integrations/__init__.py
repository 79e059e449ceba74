"""Framework integrations (optional extras; each module imports its framework when imported).

* :mod:`codegen_async.integrations.fastapi`: ``codegen_lifespan`` (one async client for
  the app's lifetime), ``get_async_codegen_client``, ``webhook_router``.
* :mod:`codegen_async.integrations.starlette`: ``webhook_endpoint``, ``webhook_route``.
* :mod:`codegen_async.integrations.aiohttp`: ``webhook_request_handler``,
  ``add_webhook_route``, ``webhook_app``.
* :mod:`codegen_async.integrations.django` (also ``codegen_sync.integrations.django``):
  ``webhook_view``.

``get_codegen_client`` (the application's one client, for ``Depends``; it uses
``codegen_lifespan``'s client when there is one) lives at the package root.
"""

__all__: list[str] = []
