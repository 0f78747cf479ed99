"""The policy file (TOML, every key optional) → a validated `Policy`, or one line saying what is
wrong: the file, the key (or the line, for bad TOML) and the fix."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.footer import price_for
from bot.tools.choice import DEFAULT_MAX_USES, WebRules
from bot.tools.mcp import McpServer, read_servers
from bot.tools.names import tools_problem, unknown_tool

DOLLAR_LIMITS = ("user_daily", "user_monthly", "channel_monthly", "workspace_monthly")
LIMIT_KEYS = (*DOLLAR_LIMITS, "request_tokens")
ACCESS_KEYS = ("users", "channels", "blocked_users", "blocked_channels", "dms", "external_users",
               "shared_channels")
# The workspace's limit spans every channel, so it has no per-channel form.
CHANNEL_KEYS = ("model", "system_prompt", "max_tokens", "tools",
                *(k for k in LIMIT_KEYS if k != "workspace_monthly"))
TOP_KEYS = ("admins", "timezone", "access", "limits", "channel", "tools", "web", "mcp", "team")
WEB_KEYS = ("allowed_domains", "blocked_domains", "max_uses", "fetch_tool_result_urls")
MAX_OUTPUT_TOKENS = 128_000  # the largest output of current Claude models
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,}$")  # a workspace, or a Grid organisation
_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


class PolicyError(Exception):
    """The policy file is missing or invalid; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class Limits:
    """US dollars per period, and the largest request in tokens; None: no limit (or, in a
    channel's table, the global limit applies)."""

    user_daily: float | None = None
    user_monthly: float | None = None
    channel_monthly: float | None = None
    workspace_monthly: float | None = None
    request_tokens: int | None = None


@dataclass(frozen=True)
class ChannelRules:
    model: str | None = None
    system_prompt: str | None = None
    max_tokens: int | None = None
    limits: Limits = field(default_factory=Limits)  # only the limits this channel overrides
    tools: tuple[str, ...] | None = None  # replaces the top-level list here


@dataclass(frozen=True)
class Policy:
    """What the admin decided. `Policy()` is the default with no policy file."""

    source: str | None = None  # the file it came from
    admins: frozenset[str] = frozenset()
    timezone: tzinfo = UTC
    users: frozenset[str] = frozenset()  # non-empty: only these people may ask
    channels: frozenset[str] = frozenset()  # non-empty: only in these channels (DMs: `dms`)
    blocked_users: frozenset[str] = frozenset()
    blocked_channels: frozenset[str] = frozenset()
    dms: bool = True
    external_users: bool = False
    shared_channels: bool = False
    limits: Limits = field(default_factory=Limits)
    channel: Mapping[str, ChannelRules] = field(default_factory=dict)
    tools: tuple[str, ...] | None = None  # None: CLAUDE_TOOLS decides
    web: WebRules = field(default_factory=WebRules)
    mcp: Mapping[str, McpServer] = field(default_factory=dict)  # [mcp.NAME]: MCP servers
    # [team.TID]: the whole policy as one installation team sees it (its table over the top)
    teams: Mapping[str, Policy] = field(default_factory=dict)

    def rules_for(self, channel: str) -> ChannelRules:
        return self.channel.get(channel) or ChannelRules()

    def for_team(self, team: str) -> Policy:
        """The policy for one installation team (a workspace, or a Grid organisation)."""
        return self.teams.get(team, self)


def read_policy(path: str, default_model: str,
                prices: Mapping[str, Mapping[str, float]] | None = None) -> Policy:
    """Read and validate the file at `path` (PolicyError says what to fix)."""
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except FileNotFoundError:
        raise PolicyError(f"CLAUDE_POLICY names {path}, which does not exist: create it (see "
                          "policy.example.toml) or unset CLAUDE_POLICY.") from None
    except OSError as error:
        raise PolicyError(f"{path} cannot be read ({error.strerror}): check the file's "
                          "permissions or CLAUDE_POLICY.") from None
    return parse_policy(raw, path, default_model, prices)


def parse_policy(raw: bytes, path: str, default_model: str,
                 prices: Mapping[str, Mapping[str, float]] | None = None) -> Policy:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{path} is not UTF-8 text: save it as UTF-8.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at = _TOML_AT.search(str(error))
        where = (f"line {at.group(1)}" if at and at.group(1)
                 else f"line {len(text.splitlines()) or 1} (the end of the file)")
        problem = _TOML_AT.sub("", str(error)).rstrip(".")
        raise PolicyError(f"{path}: {where} is not valid TOML ({problem}): fix that "
                          "line.") from None
    return _Reader(path, default_model, prices).policy(data)


class _Reader:
    def __init__(self, path: str, default_model: str,
                 prices: Mapping[str, Mapping[str, float]] | None) -> None:
        self.path = path
        self.default_model = default_model
        self.prices = prices
        self.mcp: dict[str, McpServer] = {}  # read first: `tools` may name them

    def fail(self, key: str, problem: str) -> PolicyError:
        return PolicyError(f"{self.path}: `{key}` {problem}.")

    def known(self, table: Mapping[str, Any], keys: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in keys:
                close = difflib.get_close_matches(key, keys, n=1)
                fix = (f"did you mean `{prefix}{close[0]}`?" if close
                       else f"the keys here are {', '.join(keys)}")
                raise self.fail(prefix + key, f"is not a known key: {fix} Fix or remove it")

    def table(self, data: Mapping[str, Any], key: str, where: str) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a table ([{where}]), not {_shown(value)}")
        return value

    def flag(self, data: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(where, f"must be true or false, not {_shown(value)}")
        return value

    def ids(self, data: Mapping[str, Any], key: str, where: str, users: bool) -> frozenset[str]:
        value = data.get(key, [])
        kind, pattern = (("user", _USER_ID) if users else ("channel", _CHANNEL_ID))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, f"must be a list of Slack {kind} IDs in quotes, "
                                   f"not {_shown(value)}")
        for item in value:
            if not pattern.match(item):
                raise self.fail(where, f"has {item!r}, which is not a Slack {kind} ID: "
                                       f"{_ID_HINT[kind]}")
        return frozenset(value)

    def amount(self, data: Mapping[str, Any], key: str, where: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise self.fail(where, f"must be an amount of US dollars such as 5.0, "
                                   f"not {_shown(value)}")
        if value < 0:
            raise self.fail(where, f"is negative ({value}): set an amount of US dollars of 0 "
                                   "or more, or remove the key for no limit")
        return float(value)

    def whole(self, data: Mapping[str, Any], key: str, where: str,
              maximum: int | None = None) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1 \
                or (maximum is not None and value > maximum):
            bound = f" up to {maximum:,}" if maximum else ""
            raise self.fail(where, f"must be a whole number of tokens of at least 1{bound}, "
                                   f"not {_shown(value)}")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"must be non-empty text in quotes, not {_shown(value)}")
        return value.strip()

    def limits(self, data: Mapping[str, Any], prefix: str) -> Limits:
        amounts = {k: self.amount(data, k, prefix + k) for k in DOLLAR_LIMITS if k in data}
        return Limits(**amounts, request_tokens=self.whole(data, "request_tokens",
                                                           prefix + "request_tokens"))

    def zone(self, data: Mapping[str, Any]) -> tzinfo:
        name = data.get("timezone", "UTC")
        if not isinstance(name, str):
            raise self.fail("timezone", f"must be a time zone name in quotes, not {_shown(name)}")
        try:
            return UTC if name == "UTC" else ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
            fix = (f"did you mean {close[0]}? Fix it" if close
                   else "use one such as Europe/Berlin")
            raise self.fail("timezone", f"{name!r} is not an IANA time zone name: {fix}, or "
                                        "remove it for UTC") from None

    def channel_rules(self, channel: str, data: Any) -> ChannelRules:
        prefix = f"channel.{channel}."
        if not _CHANNEL_ID.match(channel):
            raise self.fail(f"channel.{channel}", "does not name a Slack channel ID: write "
                                                  "the table as [channel.C0123ABCD] with the "
                                                  "channel's ID (channel details → bottom of "
                                                  "About)")
        if not isinstance(data, dict):
            raise self.fail(f"channel.{channel}", f"must be a table, not {_shown(data)}")
        self.known(data, CHANNEL_KEYS, prefix)
        return ChannelRules(
            model=self.text(data, "model", prefix + "model"),
            system_prompt=self.text(data, "system_prompt", prefix + "system_prompt"),
            max_tokens=self.whole(data, "max_tokens", prefix + "max_tokens", MAX_OUTPUT_TOKENS),
            limits=self.limits(data, prefix),
            tools=self.tools(data, prefix + "tools"))

    def tools(self, data: Mapping[str, Any], where: str) -> tuple[str, ...] | None:
        value = data.get("tools")
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, f"must be a list of tool names in quotes, not {_shown(value)}")
        if (unknown := unknown_tool(value, self.mcp)) is not None:
            raise PolicyError(tools_problem(f"{self.path}: `{where}`", unknown, self.mcp))
        return tuple(dict.fromkeys(value))

    def web(self, data: Mapping[str, Any]) -> WebRules:
        web = self.table(data, "web", "web")
        self.known(web, WEB_KEYS, "web.")
        domains = {}
        for key in ("allowed_domains", "blocked_domains"):
            value = web.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                      for v in value):
                raise self.fail(f"web.{key}", "must be a list of domains in quotes such as "
                                              f'"docs.python.org", not {_shown(value)}')
            domains[key] = tuple(v.strip() for v in value)
        if domains["allowed_domains"] and domains["blocked_domains"]:
            raise self.fail("web", "has both allowed_domains and blocked_domains: keep one")
        uses = web.get("max_uses", DEFAULT_MAX_USES)
        if isinstance(uses, bool) or not isinstance(uses, int) or uses < 1:
            raise self.fail("web.max_uses", "must be a whole number of at least 1, "
                                            f"not {_shown(uses)}")
        return WebRules(**domains, max_uses=uses, fetch_tool_result_urls=self.flag(
            web, "fetch_tool_result_urls", "web.fetch_tool_result_urls", False))

    def priced(self, policy: Policy) -> None:
        """A dollar limit needs the price of every model it counts."""
        global_limit = next((k for k in DOLLAR_LIMITS if getattr(policy.limits, k) is not None),
                            None)
        for channel, rules in policy.channel.items():
            own = next((k for k in DOLLAR_LIMITS if getattr(rules.limits, k) is not None), None)
            model = rules.model or self.default_model
            if (own or global_limit) and price_for(model, 0, self.prices) is None:
                where = f"channel.{channel}.model" if rules.model else "CLAUDE_MODEL"
                limit = f"channel.{channel}.{own}" if own else f"limits.{global_limit}"
                raise PolicyError(f"{self.path}: the model {model!r} (`{where}`) has no known "
                                  f"price while `{limit}` is set: add its price to "
                                  "CLAUDE_PRICES, or remove the dollar limits.")
        if global_limit and price_for(self.default_model, 0, self.prices) is None:
            raise PolicyError(f"{self.path}: the model {self.default_model!r} (CLAUDE_MODEL) "
                              f"has no known price while `limits.{global_limit}` is set: add "
                              "its price to CLAUDE_PRICES, or remove the dollar limits.")

    def policy(self, data: dict) -> Policy:
        self.known(data, TOP_KEYS, "")
        access = self.table(data, "access", "access")
        limits = self.table(data, "limits", "limits")
        channels = self.table(data, "channel", "channel")
        self.known(access, ACCESS_KEYS, "access.")
        self.known(limits, LIMIT_KEYS, "limits.")
        self.mcp = read_servers(self, data.get("mcp", {}))
        policy = Policy(
            source=self.path,
            admins=self.ids(data, "admins", "admins", users=True),
            timezone=self.zone(data),
            users=self.ids(access, "users", "access.users", users=True),
            channels=self.ids(access, "channels", "access.channels", users=False),
            blocked_users=self.ids(access, "blocked_users", "access.blocked_users", users=True),
            blocked_channels=self.ids(access, "blocked_channels", "access.blocked_channels",
                                      users=False),
            dms=self.flag(access, "dms", "access.dms", True),
            external_users=self.flag(access, "external_users", "access.external_users", False),
            shared_channels=self.flag(access, "shared_channels", "access.shared_channels",
                                      False),
            limits=self.limits(limits, "limits."),
            channel={c: self.channel_rules(c, rules) for c, rules in channels.items()},
            tools=self.tools(data, "tools"), web=self.web(data), mcp=self.mcp)
        self.priced(policy)
        teams = self.table(data, "team", "team")
        if teams:
            policy = replace(policy, teams={team: self.team_policy(team, data, overrides)
                                            for team, overrides in teams.items()})
        return policy

    def team_policy(self, team: str, data: dict, overrides: Any) -> Policy:
        """[team.TID] overrides the top level for one workspace: its keys replace the top
        level's, key by key inside [access], [limits] and [channel]."""
        where = f"team.{team}"
        if not _TEAM_ID.match(team):
            raise self.fail(where, "does not name a Slack workspace: write the table as "
                                   "[team.T0123ABCD] with the workspace's ID (or E… for an "
                                   "Enterprise Grid organisation installed org-wide)")
        if not isinstance(overrides, dict):
            raise self.fail(where, f"must be a table, not {_shown(overrides)}")
        self.known(overrides, tuple(k for k in TOP_KEYS if k != "team"), where + ".")
        merged = {key: value for key, value in data.items() if key != "team"}
        for key, value in overrides.items():
            top = merged.get(key)
            both = isinstance(top, dict) and isinstance(value, dict)
            merged[key] = {**top, **value} if both else value
        own = _Reader(f"{self.path} [{where}]", self.default_model, self.prices).policy(merged)
        return replace(own, source=self.path)


_ID_HINT = {
    "user": "use member IDs like U0123ABCD or W0123ABCD (profile → ⋮ → Copy member ID)",
    "channel": "use channel IDs like C0123ABCD (channel details → bottom of About), G… for "
               "private groups or D… for direct messages",
}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
