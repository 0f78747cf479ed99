"""A host that is not Slack: it records every request (headers included) so tests can prove
the bot's token never reaches it."""

from __future__ import annotations

from aiohttp import web


class OtherHost:
    def __init__(self, body: bytes = b"\x89PNG\r\n\x1a\n", content_type: str = "image/png"):
        self.body = body
        self.content_type = content_type
        self.requests: list[dict] = []
        self.origin = ""
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> OtherHost:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.origin = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.Response:
        self.requests.append({"path": request.path, "headers": dict(request.headers)})
        return web.Response(body=self.body, content_type=self.content_type)
