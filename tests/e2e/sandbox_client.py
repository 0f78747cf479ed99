"""The sandbox in-process, and a client doing over HTTP what the page does."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from PIL import Image, ImageDraw

from bot.sandbox.run import Sandbox

HEADERS = {"X-Sandbox": "1"}


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def chart(width: int = 800, height: int = 500) -> bytes:
    """A bar chart, as a person would share a screenshot of one."""
    image = Image.new("RGB", (width, height), (250, 250, 252))
    draw = ImageDraw.Draw(image)
    bars = (0.35, 0.55, 0.45, 0.7, 0.62, 0.85, 0.78)
    step = width // (len(bars) + 1)
    for n, share in enumerate(bars):
        left = step // 2 + n * step + 10
        draw.rectangle((left, int(height * (0.92 - 0.8 * share)), left + step - 20,
                        int(height * 0.92)), fill=(18, 100, 163) if n < 5 else (224, 30, 90))
    draw.line((20, int(height * 0.92), width - 20, int(height * 0.92)), fill=(60, 60, 60), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@contextlib.asynccontextmanager
async def running_sandbox(directory: Path, answer_seconds: float = 0.5,
                          **env: str) -> AsyncIterator[Sandbox]:
    """The sandbox as `python -m bot sandbox` starts it, offline, with its ledger in
    `directory` and the page on a free port."""
    env = {"DATABASE_URL": f"sqlite:///{directory}/usage.sqlite3",
           "SLACK_UPDATE_INTERVAL": "0.1", **env}
    async with Sandbox(env, port=0, answer_seconds=answer_seconds) as sandbox:
        yield sandbox


class PageClient:
    def __init__(self, sandbox: Sandbox, session: aiohttp.ClientSession) -> None:
        self.url = sandbox.page.url.rstrip("/")
        self.session = session

    async def post(self, path: str, body: dict, **headers: str) -> tuple[int, dict]:
        async with self.session.post(self.url + path, json=body,
                                     headers={**HEADERS, **headers}) as response:
            return response.status, await response.json()

    async def say(self, text: str, *, user: str = "U0ALICE", channel: str = "C0GENERAL",
                  thread_ts: str | None = None, files: tuple[str, ...] = ()) -> tuple[int, dict]:
        return await self.post("/api/messages", {"user": user, "channel": channel, "text": text,
                                                 "thread_ts": thread_ts, "files": list(files)})

    async def upload(self, name: str, content: bytes, user: str = "U0ALICE",
                     content_type: str = "application/octet-stream") -> tuple[int, dict]:
        form = aiohttp.FormData()
        form.add_field("file", content, filename=name, content_type=content_type)
        async with self.session.post(f"{self.url}/api/files?user={user}", data=form,
                                     headers=HEADERS) as response:
            return response.status, await response.json()

    async def state(self, user: str = "U0ALICE") -> dict:
        async with self.session.get(f"{self.url}/api/state?user={user}") as response:
            return await response.json()
