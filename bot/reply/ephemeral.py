"""Answers only the asker sees, through a slash command's `response_url`."""

from __future__ import annotations

import logging

import aiohttp

from bot.reply.render import cut_overflow, message_payload, slice_room

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=15)
MAX_POSTS = 5  # Slack takes at most five responses per response_url


async def post_ephemeral(http: aiohttp.ClientSession, url: str, text: str,
                         notices: tuple[str, ...] = (), footer: str | None = None,
                         header: str | None = None) -> None:
    """Post `text` (split like any long answer) with its notices and footer on the last part."""
    room = slice_room(header, notices, footer)
    starts = [(0, None), *cut_overflow(text, 0, None, room)][: MAX_POSTS - 1]
    ends = [start for start, _ in starts[1:]] + [len(text)]
    for index, ((start, fence), end) in enumerate(zip(starts, ends, strict=True)):
        last = index == len(starts) - 1
        payload = message_payload(text[start:end], fence, notices=notices if last else (),
                                  footer=footer if last else None,
                                  header=header if index == 0 else None)
        async with http.post(url, json={"response_type": "ephemeral", **payload},
                             timeout=TIMEOUT) as response:
            if response.status != 200:
                log.warning("response_url answered %s", response.status)
