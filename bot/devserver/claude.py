"""A local stand-in for the Anthropic Messages API (version 2026-10-21) for the real SDK.

It speaks the real wire format (SSE framing and event order, error bodies, request-id,
x-should-retry, retry-after). Each accepted /v1/messages request is answered by a `Reply`: queued
replies first (each for `times` requests), then `responder(body)`, then `default`. count_tokens
and rejected requests (auth, validation, linked images it cannot fetch) never use up a queued
reply.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from .claude_files import FilesMixin
from .claude_links import Linked, fetch_problem
from .claude_mcp import check_mcp_and_results
from .claude_models import EFFORT_LEVELS, KNOWN_MODELS, effort_refused, model_info
from .claude_reply import Reply
from .claude_script import container_of, stream_script, tool_counts
from .claude_validate import count_tokens, validate
from .claude_wire import (
    DEFAULT_MESSAGES,
    STATUS_FOR,
    error_response,
    message_object,
    new_id,
    signature_of,
    usage_object,
)


@dataclass
class Recorded:
    body: dict  # {} when the body was not a JSON object
    headers: dict  # header names lower-cased
    at: float  # time.monotonic() on arrival
    status: int  # HTTP status answered (200 for streams, even if they end in an error event)
    path: str
    request_id: str = ""  # also sent as the `request-id` header


class ClaudeServer(FilesMixin):
    def __init__(self, *, api_key: str = "sk-ant-test-key", default: Reply | None = None):
        self.api_key = api_key
        self.models = dict(KNOWN_MODELS)  # id → max_tokens, for GET /v1/models/{id}
        self.efforts = dict(EFFORT_LEVELS)  # id → the effort levels it takes (none if absent)
        self.model_lookups: list[str] = []
        self.model_delay = 0.0  # seconds GET /v1/models waits before answering
        self.default = default or Reply()
        self.responder: Callable[[dict], Reply] | None = None
        self.requests: list[Recorded] = []
        # What each address serves to image blocks with a url source (see claude_links.py);
        # None: every linked image is taken as readable (the offline sandbox).
        self.links: dict[str, Linked] | None = {}
        # (request_id, monotonic time of the stream's last event: message_stop, error, or the
        # moment a stall/drop began); one entry per finished stream.
        self.stream_events: list[tuple[str, float]] = []
        self.text_sent: dict[str, int] = {}  # request_id -> text characters written so far
        # request_id -> text characters written when the client closed the stream mid-way
        # (after which nothing more is generated for it)
        self.disconnects: dict[str, int] = {}
        self.base_url = ""
        self.files: dict[str, dict] = {}  # Files API: id -> filename, mime_type, data
        self.files_read: list[str] = []  # file ids asked for, in order
        self._queue: deque[list] = deque()  # [reply, answers left]
        self._first_delta: dict[str, float] = {}
        self._block_starts: dict[str, dict[str, float]] = {}
        self._last_event: dict[str, float] = {}
        self._changed = asyncio.Event()  # replaced after each notification
        self._release = asyncio.Event()  # replaced on every release_stalls()
        self._resume = asyncio.Event()  # replaced on every resume()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)  # the API's request size limit
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_post("/v1/messages/count_tokens", self._count_tokens)
        app.router.add_get("/v1/models/{model_id}", self._model)
        app.router.add_get("/v1/files/{file_id}", self._file_metadata)
        app.router.add_get("/v1/files/{file_id}/content", self._file_content)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        self._stopping.set()  # wakes every delay and ping wait
        self.release_stalls()
        self.resume()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ClaudeServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def enqueue(self, *replies: Reply) -> None:
        self._queue.extend([reply, reply.times] for reply in replies)

    def release_stalls(self) -> None:
        """Close the connections of responses stalled so far (later stalls are unaffected)."""
        self._release.set()
        self._release = asyncio.Event()

    def resume(self) -> None:
        """Let the streams held at their `hold_at` go on."""
        self._resume.set()
        self._resume = asyncio.Event()

    def first_delta_at(self, request_id: str) -> float | None:
        """Monotonic time the first text_delta of that request was written."""
        return self._first_delta.get(request_id)

    def block_started_at(self, request_id: str, kind: str) -> float | None:
        """Monotonic time the first content block of type `kind` (e.g. server_tool_use) of
        that request began."""
        return self._block_starts.get(request_id, {}).get(kind)

    def last_event_at(self, request_id: str) -> float | None:
        """Monotonic time the latest non-ping event of that request was written."""
        return self._last_event.get(request_id)

    async def wait_for(
        self, predicate: Callable[[], object], timeout: float = 5.0, what: str = ""
    ) -> None:
        """Wait until `predicate()` is truthy; re-checked after each request and event written."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if (left := deadline - time.monotonic()) <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
            await _wait(self._changed, left)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _pick(self, body: dict) -> Reply:
        if self._queue:
            entry = self._queue[0]
            entry[1] -= 1
            if entry[1] <= 0:
                self._queue.popleft()
            return entry[0]
        return self.responder(body) if self.responder else self.default

    async def _admit(
        self, request: web.Request, rid: str
    ) -> tuple[dict, Recorded, web.Response | None]:
        """Parse, authenticate and validate: (body, its record, error response or None)."""
        at = time.monotonic()
        headers = {k.lower(): v for k, v in request.headers.items()}
        too_large = False
        try:
            body = await request.json()
        except web.HTTPRequestEntityTooLarge:  # over the API's 32 MB request limit
            body, too_large = None, True
        except ValueError:
            body = None
        if too_large:
            error = error_response(
                rid, 413, message="Request exceeds the maximum allowed number of bytes.")
        elif (
            headers.get("authorization") != f"Bearer {self.api_key}"
            and headers.get("x-api-key") != self.api_key
        ):
            error = error_response(rid, 401)
        elif "anthropic-version" not in headers:
            error = error_response(rid, 400, message="anthropic-version: header is required")
        elif not isinstance(body, dict):
            error = error_response(
                rid, 400, message="There was an error parsing the body of your request.")
        elif message := (validate(body, counting=request.path.endswith("/count_tokens"))
                         or check_mcp_and_results(body, headers.get("anthropic-beta", ""))
                         or self._effort_refused(body)
                         or fetch_problem(body, self.links)):  # Claude fetches links last
            error = error_response(rid, 400, message=message)
        else:
            error = None
        body = body if isinstance(body, dict) else {}
        record = Recorded(body, headers, at, error.status if error else 200, request.path, rid)
        self.requests.append(record)
        self._notify()
        return body, record, error

    def _effort_refused(self, body: dict) -> str | None:
        if body.get("model") not in self.models:
            return None
        return effort_refused(body, self.efforts.get(body["model"], ()))

    async def _model(self, request: web.Request) -> web.Response:
        rid = new_id("req_011C")
        headers = {k.lower(): v for k, v in request.headers.items()}
        model_id = request.match_info["model_id"]
        self.model_lookups.append(model_id)  # kept apart: `requests` are the Messages calls
        self._notify()
        await _wait(self._stopping, self.model_delay)
        if headers.get("x-api-key") != self.api_key and (
                headers.get("authorization") != f"Bearer {self.api_key}"):
            return error_response(rid, 401)
        if model_id not in self.models:
            return error_response(rid, 404, message=f"model: {model_id}")
        info = model_info(model_id, self.models[model_id], self.efforts.get(model_id, ()))
        return web.json_response(info, headers={"request-id": rid})

    async def _count_tokens(self, request: web.Request) -> web.Response:
        rid = new_id("req_011C")
        body, _, error = await self._admit(request, rid)
        return error or web.json_response(
            {"input_tokens": count_tokens(body)}, headers={"request-id": rid}
        )

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        rid = new_id("req_011C")
        body, record, error = await self._admit(request, rid)
        if error:
            return error
        reply = self._pick(body)
        if reply.http_status is not None:
            record.status = reply.http_status
            if reply.error_page is not None:
                return web.Response(status=reply.http_status, text=reply.error_page,
                                    content_type="text/html")
            return error_response(
                rid, reply.http_status, message=reply.error_message, retry_after=reply.retry_after
            )
        if body.get("stream"):
            return await self._stream(request, rid, body, reply)
        return await self._single(request, rid, body, reply)

    async def _single(
        self, request: web.Request, rid: str, body: dict, reply: Reply
    ) -> web.StreamResponse:
        """Non-streaming: one JSON Message. error/stall/drop apply to the whole answer."""
        usage = usage_object(body, reply)
        message = message_object(body, usage, reply, usage["output_tokens"])
        if reply.thinking is not None:
            message["content"].append(
                {"type": "thinking", "thinking": reply.thinking, "signature": signature_of(rid)}
            )
        message["content"].append({"type": "text", "text": reply.text})
        message.update(stop_reason=reply.stop_reason, stop_details=reply.stop_details)
        stopped = await _wait(self._stopping, reply.first_delay)
        if not stopped and reply.stall_after is not None:
            await _wait(self._release, None)
        if stopped or reply.stall_after is not None or reply.drop_after is not None:
            if request.transport:
                request.transport.abort()
            return web.Response()
        if reply.error_after is not None:
            return error_response(
                rid, STATUS_FOR.get(reply.error_type, 500), reply.error_type, reply.error_message
            )
        return web.json_response(message, headers={"request-id": rid})

    async def _stream(
        self, request: web.Request, rid: str, body: dict, reply: Reply
    ) -> web.StreamResponse:
        headers = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
        resp = web.StreamResponse(headers={**headers, "request-id": rid})
        await resp.prepare(request)

        async def send(name: str, **fields: object) -> None:
            # Every event's data repeats its name as "type". One write per event: aiohttp
            # passes each straight to the socket, so the cadence the client sees is real.
            data = json.dumps({"type": name, **fields}, separators=(",", ":"))
            if name == "ping":
                data = '{"type": "ping"}'  # byte-exact as the real API sends it
            await resp.write(f"event: {name}\ndata: {data}\n\n".encode())
            now = time.monotonic()
            if name != "ping":
                self._last_event[rid] = now
            if name == "content_block_start":
                kind = fields["content_block"]["type"]
                self._block_starts.setdefault(rid, {}).setdefault(kind, now)
            if fields.get("delta", {}).get("type") == "text_delta":
                self._first_delta.setdefault(rid, now)
                self.text_sent[rid] = self.text_sent.get(rid, 0) + len(fields["delta"]["text"])
            self._notify()

        async def idle(seconds: float, until: asyncio.Event) -> bool:
            """Wait `seconds` (inf: forever), pinging every `ping_every`; True if `until` fired."""
            end = time.monotonic() + seconds
            while (left := end - time.monotonic()) > 0:
                step = min(left, reply.ping_every or math.inf)
                if await _wait(until, None if step == math.inf else step):
                    return True
                if reply.ping_every and end > time.monotonic():
                    await send("ping")
            return False

        async def pause(seconds: float) -> None:
            if await idle(seconds, self._stopping):
                raise ConnectionAbortedError("server stopping")

        async def block(index: int, kind: str, text: str) -> None:
            """Open a text/thinking block and stream `text` into it (left open)."""
            start = {"type": kind, kind: ""} | ({"signature": ""} if kind == "thinking" else {})
            await send("content_block_start", index=index, content_block=start)
            if index == 0:
                await send("ping")  # recorded streams ping right after the first block opens
            hold = reply.hold_at if kind == "text" and reply.hold_at else None
            starts = sorted({*range(0, len(text), reply.chunk_chars),
                             *([hold] if hold and hold < len(text) else [])})
            for at, end in zip(starts, [*starts[1:], len(text)], strict=False):  # no text, no delta
                if at == hold and await idle(math.inf, self._resume) and self._stopping.is_set():
                    raise ConnectionAbortedError("server stopping")
                if index or at:
                    await pause(reply.delay)
                piece = {"type": f"{kind}_delta", kind: text[at:end]}
                await send("content_block_delta", index=index, delta=piece)

        def finished(at: float) -> None:
            self.stream_events.append((rid, at))
            self._notify()

        async def finish_message(open_index: int | None) -> None:
            if open_index is not None:
                await send("content_block_stop", index=open_index)
            delta = {"stop_reason": reply.stop_reason, "stop_sequence": None}
            if reply.stop_details is not None:
                delta["stop_details"] = reply.stop_details
            if container := container_of(body, reply.script):
                delta["container"] = container
            await send("message_delta", delta=delta, usage=usage)
            await send("message_stop")
            finished(self._last_event[rid])

        usage = usage_object(body, reply)
        if reply.script:
            usage["server_tool_use"] = tool_counts(reply.script)
        # The earliest interruption wins; the text is cut exactly at its character count.
        cuts = [
            (reply.error_after, "error"),
            (reply.stall_after, "stall"),
            (reply.drop_after, "drop"),
        ]
        cut, action = min(((n, what) for n, what in cuts if n is not None), default=(None, None))
        try:
            await send("message_start", message=message_object(body, usage, reply, 1))
            await pause(reply.first_delay)
            index = 0
            if reply.thinking is not None:
                await block(0, "thinking", reply.thinking)
                signature = {"type": "signature_delta", "signature": signature_of(rid)}
                await send("content_block_delta", index=0, delta=signature)
                await send("content_block_stop", index=0)
                index = 1
            if reply.script:
                index = await stream_script(send, pause, reply.script, reply.chunk_chars, index)
                if not reply.text:  # the script is the whole answer
                    await finish_message(None)
                    return resp
            await block(index, "text", reply.text[:cut])
            if action == "error":
                message = reply.error_message or DEFAULT_MESSAGES.get(reply.error_type, "Error")
                await send("error", error={"type": reply.error_type, "message": message})
                finished(self._last_event[rid])
                return resp
            if action is not None:  # stall or drop: the stream ends without its last events
                finished(time.monotonic())
                if action == "stall":
                    await idle(math.inf, self._release)
                if request.transport:  # None when the client already left
                    request.transport.close()  # flush what was written, then FIN mid-body
                return resp
            await finish_message(index)
        except ConnectionError:  # the client left, or the server is stopping
            if not self._stopping.is_set():
                self.disconnects[rid] = self.text_sent.get(rid, 0)
            if rid not in dict(self.stream_events):
                finished(self._last_event.get(rid, time.monotonic()))
            if request.transport:
                request.transport.abort()
        return resp


async def _wait(event: asyncio.Event, seconds: float | None) -> bool:
    """Wait for `event` up to `seconds` (None: forever); True if it is set."""
    if seconds is not None and seconds <= 0:
        return event.is_set()
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True
