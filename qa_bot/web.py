"""Embedding: the Gradio page mounted in a FastAPI app (``uvicorn qa_bot.web:app``, or your own app).

>>> from qa_bot.web import create_app
>>> app = create_app(path="/qa")          # the chat at /qa, JSON health check at /healthz

Behind a reverse proxy that serves it under a prefix, pass ``root_path`` (``qa-bot serve --root-path /qa``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from qa_bot.bot import QABot

__all__ = ["create_app"]


def create_app(
    bot: QABot | None = None,
    *,
    path: str = "/",
    root_path: str | None = None,
    app: FastAPI | None = None,
    host: str | None = None,
) -> FastAPI:
    """A FastAPI app (or ``app``, if given) with the qa-bot page mounted at ``path``. ``host``: the address the
    server listens on; on a loopback address visitors may add articles, elsewhere (or when unknown) only with the
    ``ingest_token`` setting, or with ``open_ingest`` (:class:`qa_bot.access.IngestPolicy`). Questions and ingest are
    rate-limited per client address (``rate_limit_ask``, ``rate_limit_ingest``)."""
    import os

    # Gradio runs every event inside a guard that asks matplotlib for its backend and sets "agg"; with no backend
    # chosen, asking imports pyplot, which made the first answer over the page half a second slower. A server
    # draws off-screen anyway: choose agg unless the user chose a backend (before matplotlib is imported).
    os.environ.setdefault("MPLBACKEND", "agg")
    import gradio as gr
    from fastapi import FastAPI

    from qa_bot.access import IngestPolicy, RateLimits
    from qa_bot.app import build_demo, launch_kwargs
    from qa_bot.config import Settings

    if not path.startswith("/"):
        path = "/" + path
    app = app or FastAPI(title="qa-bot")

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "path": path}

    # The <gradio-app> web component's loader, served from here so that embedding works without internet:
    # it imports "./assets/index-….js", which the mounted page serves beside it.
    loader = Path(gr.__file__).parent / "templates" / "frontend" / "gradio.js"
    if loader.exists():
        from fastapi.responses import FileResponse

        @app.get(path.rstrip("/") + "/gradio.js", include_in_schema=False)
        def gradio_js() -> FileResponse:
            return FileResponse(loader, media_type="text/javascript")

    settings = bot.settings if bot is not None else Settings.load()
    policy = IngestPolicy.for_server(host, settings.ingest_token, settings.open_ingest)
    limits = RateLimits(settings.rate_limit_ask, settings.rate_limit_ingest)
    demo = build_demo(bot, policy=policy, limits=limits)
    # Deliberate: 4 events at once (retrieval, models and LLM calls overlap; the extractive reader serialises
    # itself), at most 64 waiting: beyond that a client is told the queue is full instead of waiting forever.
    demo.queue(default_concurrency_limit=4, max_size=64)
    return gr.mount_gradio_app(app, demo, path=path, root_path=root_path, show_error=False, **launch_kwargs())


def __getattr__(name: str) -> Any:
    """``uvicorn qa_bot.web:app`` serves the default index at ``/``."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
