"""`python -m bot sandbox` as a person runs it: no Slack token, the settings of the directory,
never a request to the configured Slack workspace, and SIGTERM ends it within 10 s."""

import asyncio
import json
import os
import signal
import socket
import sys
import time

import aiohttp

from bot.devserver.slack import SlackServer

HEADERS = {"X-Sandbox": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def next_change(ws, predicate) -> dict:
    while True:
        for message in json.loads((await ws.receive(timeout=20)).data)["upserts"]:
            if predicate(message):
                return message


async def test_the_sandbox_command_answers_offline_and_never_contacts_the_configured_slack(
        tmp_path):
    port = free_port()
    async with SlackServer() as configured:  # the workspace the .env names: must stay untouched
        (tmp_path / ".env").write_text(
            f"SLACK_BOT_TOKEN={configured.bot_token}\nSLACK_APP_TOKEN={configured.app_token}\n"
            f"SLACK_API_URL={configured.api_url}\nSLACK_SIGNING_SECRET=s3cret\n"
            f"SANDBOX_PORT={port}\nSLACK_UPDATE_INTERVAL=0.2\nMETRICS_PORT={free_port()}\n")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "ANTHROPIC_", "CLAUDE_", "DATABASE_", "SANDBOX_"))}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "sandbox", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            assert line.startswith(f"Sandbox ready: open http://127.0.0.1:{port}/ (Claude: the "
                                   "offline stand-in"), line
            url = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as http:
                ws = await http.ws_connect(f"{url}/api/live")
                async with http.get(f"{url}/") as page:
                    assert page.status == 200 and "<title>" in await page.text()
                async with http.post(f"{url}/api/messages", headers=HEADERS, json={
                        "user": "U0ALICE", "channel": "C0GENERAL", "text": "@Claude hi"}) as r:
                    assert r.status == 200
                done = await next_change(ws, lambda m: m["bot"] and not m["working"])
                assert any(b["type"] == "context" for b in done["blocks"])  # the footer
                async with http.post(f"{url}/api/messages", headers=HEADERS, json={
                        "user": "U0BOB", "channel": "C0GENERAL", "text": "@Claude again"}) as r:
                    assert r.status == 200
                await next_change(ws, lambda m: m["bot"] and m["working"])
                started = time.monotonic()
                process.send_signal(signal.SIGTERM)  # with an answer in flight
                shown = []  # the page stays up until the bot has marked it
                while (frame := await ws.receive(timeout=12)).type == aiohttp.WSMsgType.TEXT:
                    shown += [m for m in json.loads(frame.data)["upserts"] if m["bot"]]
                out, err = await asyncio.wait_for(process.communicate(), 12)
                assert time.monotonic() - started < 10
                assert "Interrupted" in json.dumps(shown[-1]["blocks"])
                await ws.close()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, err.decode()
        assert "Traceback" not in err.decode()
        assert configured.calls == [] and configured.connections_total == 0


async def test_a_taken_port_is_said_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ANTHROPIC_"))}
        env.update(SANDBOX_PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path}/u.sqlite3")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "sandbox", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert err.decode().strip().splitlines()[-1] == (
        f"Startup error: the sandbox page cannot listen on 127.0.0.1:{port} (address already in "
        "use): set SANDBOX_PORT to a free port.")
