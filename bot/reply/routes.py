"""Which way an answer reaches Slack when the workspace is busy (pure clock logic, unit-tested
with a fake clock).

Slack allows about 50 `chat.update` a minute per workspace, and as many `chat.delete` (each
Tier 3, per method: docs.slack.dev/apis/web-api/rate-limits), but `chat.postMessage` goes by
channel. So the edit budget limits how many answers a workspace sees being written, never how
many it gets: a finished answer whose final edit would wait is posted as a new message and its
placeholder deleted; and a question arriving when the placeholders already up would need more
edits and deletes than the next half minute has is shown Slack's thread status instead of a
placeholder, and gets its answer posted when it is done. A quiet workspace never reaches
either: one placeholder, edited as the answer streams."""

from __future__ import annotations

from bot.reply.governor import EditQueue, Ticket

# Seconds within which every placeholder up must be endable: half a window, so that what the
# last half minute spent counts (over a whole window a sliding budget always has its limit).
HORIZON = 30.0
FINAL_WAIT = 2.0  # a final edit that would wait longer goes out as a new message instead
STEP_SOON = 0.5  # a progress edit later than this: the thread status shows the tool call


def room_for_placeholder(edits: EditQueue, deletes: EditQueue, now: float,
                         horizon: float = HORIZON) -> bool:
    """A new placeholder may go up: it, every answer in flight with a placeholder and every
    placeholder waiting to be deleted each need one more call (a final edit or a delete), and
    the two budgets can make that many within `horizon` seconds, headroom kept."""
    owed = (len(edits.open) + edits.open_elsewhere + len(deletes.open)
            + deletes.open_elsewhere + 1)
    can = (edits.budget.capacity(now, horizon) - edits.headroom
           + deletes.budget.capacity(now, horizon) - deletes.headroom)
    return owed <= can


def final_by_edit(edits: EditQueue, ticket: Ticket, now: float,
                  wait: float = FINAL_WAIT) -> bool:
    """The final edit of `ticket` gets its turn within `wait` seconds: the window has room for
    it after the final edits already waiting."""
    ahead = sum(1 for t in edits.waiting if t.final and t is not ticket)
    return edits.budget.ready_at(now, keep_free=ahead) <= now + wait


def step_edit_soon(edits: EditQueue, ticket: Ticket, not_before: float, now: float,
                   soon: float = STEP_SOON) -> bool:
    """An intermediate edit of `ticket` (its message's interval over at `not_before`) gets
    its turn within `soon` seconds, behind every edit already waiting."""
    ahead = sum(1 for t in edits.waiting if t is not ticket)
    return max(not_before, edits.ready_at(ticket, now, ahead)) <= now + soon
