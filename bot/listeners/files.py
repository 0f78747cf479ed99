"""`file_deleted` → the file's converted content leaves the cache: a deleted file is never
sent to Claude again."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.answer import Deps
from bot.tasks import Inflight


def register(app: AsyncApp, deps: Deps, inflight: Inflight) -> None:
    @app.event("file_deleted")
    async def on_file_deleted(event: dict) -> None:
        if event.get("file_id"):
            deps.files.forget(event["file_id"])
