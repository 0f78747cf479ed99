"""MCP servers the policy declares (`[mcp.NAME]`: url, token_env, allowed_tools), and what an
answer that may use them sends to Claude's MCP connector: `mcp_servers` entries and one
`mcp_toolset` per server, on the beta messages API (header `mcp-client-2025-11-20`).

Shapes: platform.claude.com/docs/en/agents-and-tools/mcp-connector and the anthropic SDK's
types/beta/beta_mcp_toolset_param.py. The token is read from the environment variable
the policy names, when the request is built; it goes to Claude in the request body and nowhere
else (logs redact it, including the SDK's debug lines)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from bot.logs import hide
from bot.tools.names import MCP_PREFIX

BETA = "mcp-client-2025-11-20"
KEYS = ("url", "token_env", "allowed_tools")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class McpServer:
    name: str
    url: str
    token_env: str | None = None  # None: the server takes no token
    allowed_tools: tuple[str, ...] = ()  # empty: all of the server's tools


class Reader(Protocol):
    """What the policy reader offers: a one-line error, and unknown keys refused."""

    def fail(self, key: str, problem: str) -> Exception: ...
    def known(self, table: Mapping[str, Any], keys: tuple[str, ...], prefix: str) -> None: ...


def read_servers(reader: Reader, tables: object,
                 env: Mapping[str, str] | None = None) -> dict[str, McpServer]:
    """The policy's `[mcp.NAME]` tables, checked: a https url (http only on this machine), a
    token_env that is set, allowed_tools a list of tool names."""
    env = os.environ if env is None else env
    if not isinstance(tables, dict):
        raise reader.fail("mcp", "must hold one table per server, such as [mcp.linear]")
    servers = {}
    for name, table in tables.items():
        where = f"mcp.{name}"
        if not _NAME.match(name):
            raise reader.fail(where, "is not a usable server name: use letters, digits, _ or -")
        if not isinstance(table, dict):
            raise reader.fail(where, "must be a table with url, token_env and allowed_tools")
        reader.known(table, KEYS, where + ".")
        servers[name] = McpServer(name, _url(reader, table.get("url"), where + ".url"),
                                  _token_env(reader, table.get("token_env"), where, env),
                                  _tools(reader, table.get("allowed_tools"), where))
    return servers


def _url(reader: Reader, url: object, where: str) -> str:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        raise reader.fail(where, "must be the server's https URL in quotes, such as "
                                 "\"https://mcp.linear.app/mcp\"")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise reader.fail(where, f"is {url!r}, not https: MCP tokens only travel encrypted "
                                 "(http is accepted for 127.0.0.1 and localhost only)")
    return str(url)


def _token_env(reader: Reader, name: object, where: str, env: Mapping[str, str]) -> str | None:
    if name is None:
        return None
    if not isinstance(name, str) or not _ENV.match(name):
        raise reader.fail(where + ".token_env", "must name an environment variable in quotes, "
                                                "such as \"LINEAR_MCP_TOKEN\" (the token itself "
                                                "never goes in the file)")
    if not env.get(name, "").strip():
        raise reader.fail(where + ".token_env", f"names {name}, which is not set: set {name} "
                                                "to the server's token in the bot's environment")
    return name


def _tools(reader: Reader, tools: object, where: str) -> tuple[str, ...]:
    if tools is None:
        return ()
    if not isinstance(tools, list) or not tools or not all(
            isinstance(t, str) and _NAME.match(t) for t in tools):
        raise reader.fail(where + ".allowed_tools", "must be a non-empty list of the server's "
                                                    "tool names in quotes, or left out for all")
    return tuple(tools)


def undeclared(names: Iterable[str], servers: Mapping[str, McpServer]) -> str | None:
    """The first `mcp:NAME` in `names` the policy does not declare."""
    return next((n for n in names
                 if n.startswith(MCP_PREFIX) and n[len(MCP_PREFIX):] not in servers), None)


def request_parts(names: Iterable[str], servers: Mapping[str, McpServer],
                  env: Mapping[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """(mcp_servers, mcp_toolset tools) for the answer's `mcp:NAME` tools. A server whose token
    variable was unset since start is left out."""
    env = os.environ if env is None else env
    entries, toolsets = [], []
    for name in names:
        server = servers.get(name[len(MCP_PREFIX):]) if name.startswith(MCP_PREFIX) else None
        if server is None:
            continue
        entry = {"type": "url", "url": server.url, "name": server.name}
        if server.token_env:
            token = env.get(server.token_env, "").strip()
            if not token:
                continue
            hide(token)
            entry["authorization_token"] = token
        toolset: dict[str, Any] = {"type": "mcp_toolset", "mcp_server_name": server.name}
        if server.allowed_tools:
            toolset["default_config"] = {"enabled": False}
            toolset["configs"] = {t: {"enabled": True} for t in server.allowed_tools}
        entries.append(entry)
        toolsets.append(toolset)
    return entries, toolsets
