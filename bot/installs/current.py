"""Which installation the code handling a request speaks for. With Slack's OAuth install every
workspace (or organisation) has its own bot token and bot user, yet the bot keeps one Slack client
and one notion of "me": both read the installation bound here, per request, by the
authorization middleware. Tasks started while handling the request (its answer, its refusal)
inherit the binding (contextvars), so no token travels through the answer's code, and nothing
stays bound once the request's tasks are done. A Slack call made outside any request's tasks has
no token here. With one workspace (SLACK_BOT_TOKEN) none of this is used."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import Me


@dataclass(frozen=True)
class Bound:
    token: str
    user_id: str | None
    bot_id: str | None


_bound: ContextVar[Bound | None] = ContextVar("installation", default=None)


async def bind(context, next):  # noqa: A002 (Bolt passes middleware arguments by name)
    """Bolt middleware, after authorization: the listeners of this request (which Bolt runs
    after the middleware chain, in this request's task) and the tasks they start speak for the
    installation Bolt authorized. Set on every request, so none inherits another's."""
    _bound.set(Bound(context.bot_token, context.bot_user_id, context.bot_id)
               if context.bot_token else None)
    return await next()


class InstallationClient(AsyncWebClient):
    """The Slack client; its token is the bound installation's (slack-sdk reads `self.token`
    for every call: AsyncBaseClient.api_call)."""

    @property
    def token(self) -> str | None:
        bound = _bound.get()
        return bound.token if bound is not None else self._own_token

    @token.setter
    def token(self, value: str | None) -> None:
        self._own_token = value


class InstallationMe:
    """How the bot recognises its own messages: the bound installation's bot user (the same
    interface as conversation.Me)."""

    @property
    def user_id(self) -> str | None:
        bound = _bound.get()
        return bound.user_id if bound else None

    @property
    def bot_id(self) -> str | None:
        bound = _bound.get()
        return bound.bot_id if bound else None

    def wrote(self, message: dict) -> bool:
        return Me(self.user_id, self.bot_id).wrote(message)
