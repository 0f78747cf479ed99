"""Socket Mode side of the Slack double: the /link/ WebSocket, envelopes, acks, response_url.

Mixed into SlackServer (bot/devserver/slack.py), which sets up: _sockets, _tickets,
_rr, _seq, events_sent, acks, acks_at, responses, connections_total, clock, _notify, _record.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

VERIFICATION_TOKEN = "test-verification-token"  # deprecated field Slack still sends


class SocketModeMixin:
    # --- the WebSocket ---

    async def _handle_link(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("ticket") not in self._tickets:
            # A URL not issued by apps.connections.open is refused like an expired one.
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True)  # answers the SDK's pings for us
        await ws.prepare(request)
        self._sockets.append(ws)
        self.connections_total += 1
        hello = {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {"host": "test", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        try:
            await ws.send_json(hello)
            self._notify()
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    self._on_frame(frame.data)
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
            self._notify()
        return ws

    def _on_frame(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("envelope_id"):
            self.acks[message["envelope_id"]] = message
            self.acks_at[message["envelope_id"]] = self.clock()
            self._notify()

    async def wait_connected(self, n: int = 1, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: len(self._sockets) >= n, timeout, f"{n} socket connection(s)")

    async def drop_connections(self, *, reason: str | None = None) -> None:
        """Close every open socket from the server side; with `reason`, send a
        {"type": "disconnect"} message first, as Slack does before a refresh."""
        sockets, self._sockets[:] = list(self._sockets), []
        for ws in sockets:
            if reason:
                disconnect = {
                    "type": "disconnect",
                    "reason": reason,
                    "debug_info": {"host": "test"},
                }
                with contextlib.suppress(ConnectionError):
                    await ws.send_json(disconnect)
            await ws.close(code=1001, message=b"server closed the connection")
        self._notify()

    async def _send_envelope(self, envelope: dict) -> str:
        """Write to ONE open socket, round-robin, like Slack's per-app delivery."""
        # Slack holds events while the app has no connection; wait briefly for one.
        while True:
            await self.wait_connected(1)
            ws = self._sockets[self._rr % len(self._sockets)]
            self._rr += 1
            self.events_sent[envelope["envelope_id"]] = self.clock()
            try:
                await ws.send_str(json.dumps(envelope))
            except ConnectionError:
                # The client went away but its handler hasn't noticed yet: try another socket.
                if ws in self._sockets:
                    self._sockets.remove(ws)
                continue
            self._notify()
            return envelope["envelope_id"]

    async def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:
        await self.wait_for(lambda: envelope_id in self.acks, timeout, f"ack of {envelope_id}")
        return self.acks[envelope_id]

    # --- events ---

    async def send_event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        team_id: str | None = None,
        shared: bool = False,
    ) -> str:
        team = team_id or self.team_id
        event = copy.deepcopy(event)
        event.setdefault("team", team)
        if "ts" in event:
            event.setdefault("event_ts", event["ts"])
        payload = {
            "token": VERIFICATION_TOKEN,
            "team_id": team,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._seq):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": None if self.org_wide else team,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": self.org_wide,
                }
            ],
            "is_ext_shared_channel": shared,  # a Slack Connect channel
            "event_context": f"4-{event.get('type', 'event')}-{team}-{event.get('channel', '')}",
        }
        if self.enterprise_id:
            payload["enterprise_id"] = self.enterprise_id
        envelope = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        return await self._send_envelope(envelope)

    async def user_message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        files: list[dict] | None = None,
        channel_type: str = "channel",
        events: tuple[str, ...] | None = None,
        retry_attempt: int = 0,
        user_team: str | None = None,
        shared: bool = False,
    ) -> dict:
        """A person posts: store the message, then deliver the events Slack would. A person of
        another organisation has their own `user_team`; `shared`: a Slack Connect channel."""
        client_msg_id = str(uuid.uuid4())
        blocks = self._rich_text_blocks(text)
        msg = self.add_message(
            channel,
            user=user,
            text=text,
            thread_ts=thread_ts,
            files=files,
            blocks=blocks,
            client_msg_id=client_msg_id,
        )
        if events is None:
            mentioned = f"<@{self.bot_user_id}>" in text and channel_type != "im"
            events = ("app_mention", "message") if mentioned else ("message",)
        common: dict[str, Any] = {
            k: msg[k] for k in ("user", "text", "ts", "team", "blocks", "client_msg_id") if k in msg
        }
        common["channel"] = channel
        if user_team:
            common["user_team"] = user_team
        for key in ("thread_ts", "parent_user_id", "files", "upload"):
            if key in msg:
                common[key] = msg[key]
        envelopes = []
        for kind in events:
            event = {"type": kind, **common}
            if kind == "message":
                if files:
                    event["subtype"] = "file_share"
                event["display_as_bot"] = False
                event["channel_type"] = channel_type
            retry = {"retry_attempt": retry_attempt, "retry_reason": ""}
            if retry_attempt:
                retry["retry_reason"] = "timeout"
            envelopes.append(await self.send_event(event, shared=shared, **retry))
        return {**msg, "_envelopes": envelopes}

    # --- slash commands and response_url ---

    async def send_slash_command(
        self,
        *,
        text: str,
        user_id: str = "U0ALICE",
        channel_id: str = "C0GENERAL",
        command: str = "/claude",
        retry_attempt: int = 0,
        team_id: str | None = None,
    ) -> str:
        """`team_id`: the asker's team (another organisation's in a Slack Connect channel)."""
        n = next(self._seq)
        payload = {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id or self.team_id,
            "team_domain": "testteam",
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else channel_id.lower(),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": str(self.org_wide).lower(),
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            "response_url": f"{self.origin}/response/{self.team_id}/{n}/{uuid.uuid4().hex}",
            "trigger_id": f"{n}.{n * 7}.{uuid.uuid4().hex}",
        }
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": "slash_commands",
            "accepts_response_payload": True,
        }
        if retry_attempt:
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout")
        return await self._send_envelope(envelope)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        at = self.clock()
        injected = await self._inject_faults("response_url")
        if injected is not None:
            status, body, headers = injected
            self._record("response_url", {}, None, at, status, body, request)
            return self._json(status, body, headers)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._record("response_url", {}, None, at, 400, {"error": "invalid_payload"}, request)
            return web.Response(status=400, text="invalid_payload")
        self.responses.append((request.path, body))
        self._record("response_url", body, None, at, 200, {"ok": True}, request)
        return web.Response(text="ok")
