"""Image blocks with a `url` source, for the Claude stand-in: the real API downloads the address
itself; here a table says what each address serves, and nothing touches the network.

An address the table does not hold (or that answers with an error status) gets the 400 Claude
gives when it cannot download a linked file: `invalid_request_error`, "Unable to download the
file. Please verify the URL and try again." — the message, without the address or the block's
position, that projects using url images report from the real API (e.g. the error reports in
github.com/acoyfellow/my-ax/issues/91 and the request id req_011CYAtVCi31nkqkgUGYaAh4 quoted in
public tests). A body that is not a JPEG, PNG, GIF or WebP gets "Could not process image", the
API's 400 for an image it cannot read (github.com/anthropics/claude-code/issues/19642). (A site
whose robots.txt shuts Claude's fetcher out gets a 400 of its own, "This URL is disallowed by
the website's robots.txt file": github.com/vercel/ai/issues/6279.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .claude_validate import IMAGE_TYPES, MAGIC

DOWNLOAD_FAILED = "Unable to download the file. Please verify the URL and try again."
UNREADABLE = "Could not process image"


@dataclass(frozen=True)
class Linked:
    """What one address serves to Claude's fetcher."""

    body: bytes
    status: int = 200


def linked_urls(body: dict) -> Iterator[str]:
    """The addresses of the request's url image blocks, in order."""
    for message in body.get("messages") or ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            source = block.get("source") if isinstance(block, dict) else None
            if (block.get("type") == "image" and isinstance(source, dict)
                    and source.get("type") == "url"):
                yield source["url"]


def _is_image(data: bytes) -> bool:
    return any(data.startswith(MAGIC[kind]) and (kind != "image/webp" or data[8:12] == b"WEBP")
               for kind in IMAGE_TYPES)


def fetch_problem(body: dict, table: Mapping[str, Linked] | None) -> str | None:
    """The 400 message Claude would give for the request's linked images, or None when each
    address serves a readable image. `table` None takes every linked image as readable
    without looking (the offline sandbox has nothing to serve them from)."""
    if table is None:
        return None
    for url in linked_urls(body):
        served = table.get(url)
        if served is None or not 200 <= served.status < 300:
            return DOWNLOAD_FAILED
        if not _is_image(served.body):
            return UNREADABLE
    return None
