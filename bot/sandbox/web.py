"""The sandbox's web page and its API on 127.0.0.1: the page (static files), the workspace's
state, what a person does (post, upload, /command, stop, click), and a WebSocket that pushes
every change as the bot makes it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from bot.sandbox.view import Changes, file_view
from bot.sandbox.workspace import BOT_USER, CHANNELS, PEOPLE, Refused, Workspace

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
UPLOAD_LIMIT = 100_000_000  # Slack takes up to 1 GB; the sandbox keeps files in memory
COALESCE = 0.03  # seconds: changes arriving together reach the page together
LOCAL_HOSTS = ("127.0.0.1", "localhost")


class Page:
    def __init__(self, workspace: Workspace, claude: dict) -> None:
        self.workspace = workspace
        self.claude = claude  # how Claude is reached, as the page labels it
        self.sockets: set[web.WebSocketResponse] = set()
        self.url = ""
        self._changes = Changes()
        self._private_sent = 0
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task | None = None

    async def start(self, port: int) -> None:
        app = web.Application(middlewares=[_local_only], client_max_size=1_000_000)
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/live", self._live)
        app.router.add_post("/api/messages", self._post)
        app.router.add_post("/api/files", self._upload)
        app.router.add_post("/api/command", self._command)
        app.router.add_post("/api/stop", self._stop)
        app.router.add_post("/api/feedback", self._feedback)
        app.router.add_get("/files/{id}/{name}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"
        self._pusher = asyncio.create_task(self._push_changes())

    async def stop(self) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            await self._push()  # the last changes (an answer marked interrupted) still show
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- reading ---

    async def _index(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _state(self, request: web.Request) -> web.Response:
        user = self.workspace.check_person(request.query.get("user", ""))
        self.workspace.collect_ephemerals()
        views = self.workspace.views()
        return web.json_response({
            "me": user, "people": PEOPLE, "bot": {"id": BOT_USER, "name": "Claude"},
            "channels": [{"id": c, "name": n, "type": "channel"} for c, n in CHANNELS.items()]
            + [{"id": self.workspace.dm_of(user), "name": "Claude", "type": "im"}],
            "command": self.workspace.command, "claude": self.claude,
            "messages": list(views.values()),
            "ephemerals": [e for e in self.workspace.private if e["user"] == user]})

    async def _file(self, request: web.Request) -> web.Response:
        found = self.workspace.file_content(request.match_info["id"])
        if found is None:
            raise web.HTTPNotFound()
        meta, data = found
        # Shown, never run: an uploaded .html or .svg must not script the page.
        headers = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}
        return web.Response(body=data, content_type=meta["mimetype"], headers=headers)

    async def _live(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        self.sockets.add(ws)
        try:
            async for frame in ws:  # the page only listens; a closed tab ends the loop
                if frame.type == WSMsgType.ERROR:
                    break
        finally:
            self.sockets.discard(ws)
        return ws

    async def _push_changes(self) -> None:
        while True:
            await self.workspace.changed.wait()
            await asyncio.sleep(COALESCE)
            await self._push()

    async def _push(self) -> None:
        """Send every open tab what changed since the last push."""
        workspace = self.workspace
        workspace.changed.clear()
        workspace.collect_ephemerals()
        upserts, deletes = self._changes.since_last(workspace.views())
        ephemerals = workspace.private[self._private_sent:]
        self._private_sent = len(workspace.private)
        if upserts or deletes or ephemerals:
            data = json.dumps({"upserts": upserts, "deletes": deletes, "ephemerals": ephemerals})
            for ws in list(self.sockets):
                try:
                    await ws.send_str(data)
                except (ConnectionError, RuntimeError):  # the tab went away meanwhile
                    self.sockets.discard(ws)

    # --- doing ---

    async def _post(self, request: web.Request) -> web.Response:
        body = await _json(request)
        files = body.get("files") or []
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise Refused("invalid_arguments")
        message = await self.workspace.post(
            body.get("user", ""), body.get("channel", ""), _string(body.get("text")),
            thread_ts=_string(body.get("thread_ts")) or None, file_ids=tuple(files))
        return web.json_response({"ok": True, "ts": message["ts"]})

    async def _upload(self, request: web.Request) -> web.Response:
        user = self.workspace.check_person(request.query.get("user", ""))
        reader = await request.multipart()
        part = await reader.next()
        while part is not None and part.name != "file":
            part = await reader.next()
        if part is None or not part.filename:
            raise Refused("no_file_data")
        chunks, size = [], 0
        while chunk := await part.read_chunk(1 << 20):
            size += len(chunk)
            if size > UPLOAD_LIMIT:
                return _refusal("file_too_large", 413)
            chunks.append(chunk)
        declared = part.headers.get("Content-Type")
        file = self.workspace.add_upload(b"".join(chunks), part.filename, declared, user)
        return web.json_response({"ok": True, "file": file_view(file)})

    async def _command(self, request: web.Request) -> web.Response:
        body = await _json(request)
        await self.workspace.run_command(body.get("user", ""), body.get("channel", ""),
                                         _string(body.get("text")))
        return web.json_response({"ok": True})

    async def _stop(self, request: web.Request) -> web.Response:
        body = await _json(request)
        await self.workspace.stop_answer(body.get("user", ""), body.get("channel", ""),
                                         _string(body.get("thread_ts")))
        return web.json_response({"ok": True})

    async def _feedback(self, request: web.Request) -> web.Response:
        body = await _json(request)
        await self.workspace.give_feedback(*(_string(body.get(k)) for k in (
            "user", "channel", "ts", "value")))
        return web.json_response({"ok": True})


@web.middleware
async def _local_only(request: web.Request, handler):
    """Only this machine's browser and this page: another site can neither reach the API
    through a rebound host name, nor open the live WebSocket (it sends its own Origin), nor
    post to it (a custom header needs a CORS preflight it won't get)."""
    origin = request.headers.get("Origin")
    if request.host.rsplit(":", 1)[0] not in LOCAL_HOSTS or (
            origin is not None and urlsplit(origin).hostname not in LOCAL_HOSTS):
        return _refusal("not_local", 403)
    if request.method == "POST" and request.headers.get("X-Sandbox") != "1":
        return _refusal("missing_header", 403)
    try:
        return await handler(request)
    except Refused as refused:
        return _refusal(str(refused), 400)


async def _json(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Refused("invalid_json")
    return body


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _refusal(error: str, status: int) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)
