"""How answers reached people, read from the servers' records (one clock): the first sign of
work in each thread, when each whole answer became visible, the 429s of every method, and
whether every thread ended with exactly one bot message holding the whole answer."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from bot.devserver.claude import ClaudeServer
from bot.devserver.slack import Call, SlackServer
from tests.e2e.helpers import body_of, footer_of

THINKING = "Thinking"


@dataclass
class Thread:
    """One conversation: its channel, the question's ts, and when the event was sent."""

    channel: str
    ts: str
    sent_at: float
    request_id: str | None  # its Claude request


def threads_of(slack: SlackServer, claude: ClaudeServer, mentions: list[dict],
               channels: list[str]) -> list[Thread]:
    """The conversations of `mentions` in `channels` (each asked "… question N")."""
    request_of = {r.body["messages"][-1]["content"][-1]["text"].rsplit(" ", 1)[-1]: r.request_id
                  for r in claude.requests if r.status == 200}
    return [Thread(channel, m["ts"], slack.events_sent[m["_envelopes"][0]],
                   request_of.get(m["text"].rsplit(" ", 1)[-1]))
            for m, channel in zip(mentions, channels, strict=True)]


def by_channel(slack: SlackServer) -> dict[str, list[Call]]:
    """The successful Web API calls of each channel."""
    calls = defaultdict(list)
    for call in slack.calls:
        if call.status == 200:
            calls[call.params.get("channel") or call.params.get("channel_id")].append(call)
    return calls


def sign_of_work(calls: dict[str, list[Call]], thread: Thread) -> float | None:
    """Seconds from the event to the first thing the person saw: a post in the thread (the
    placeholder, or the answer) or the thread's status."""
    shown = [c.at for c in calls[thread.channel] if c.params.get("thread_ts") == thread.ts and (
        c.method == "chat.postMessage"
        or (c.method == "assistant.threads.setStatus" and c.params.get("status")))]
    return min(shown) - thread.sent_at if shown else None


def answer_visible(calls: dict[str, list[Call]], claude: ClaudeServer,
                   thread: Thread) -> float | None:
    """Seconds from Claude's last event to the first edit or post carrying the footer."""
    last = claude.last_event_at(thread.request_id) if thread.request_id else None
    shown = [c.at for c in calls[thread.channel]
             if c.method in ("chat.update", "chat.postMessage") and footer_of(c.params)]
    return min(shown) - last if shown and last is not None else None


def ratelimited(slack: SlackServer) -> Counter:
    """429s by method."""
    return Counter(c.method for c in slack.calls if c.status == 429)


def untidy(slack: SlackServer, threads: list[Thread], body: str | None = None) -> list[str]:
    """The threads that do not hold exactly one bot message with the whole answer and footer
    (and no placeholder): empty when every one does."""
    wrong = []
    for thread in threads:
        mine = slack.bot_messages(thread.channel)
        if len(mine) != 1 or not footer_of(mine[0]) or THINKING in (mine[0].get("text") or "") \
                or (body is not None and body_of(mine[0]).strip() != body.strip()):
            wrong.append(thread.channel)
    return wrong
