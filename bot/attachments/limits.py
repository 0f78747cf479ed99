"""Which of a conversation's files fit in one Claude request (pure).

Claude refuses a whole request that is over 32 MB (HTTP 413: the Messages API request size
limit, platform.claude.com/docs/en/api/overview), holds more than 100 PDF pages ("A maximum of
100 PDF pages may be provided."), or more images and PDF pages together than the model takes
("Too much media: N document pages + M images > 100": 100 for 200K-context models, 600 for the
others, Claude vision docs). Once a thread crosses one of them every later turn would fail, so
files are left out instead: the newest files are kept first (the message being answered comes
before all others), and the ones left out are named in a notice. Text is never left out here."""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation import context_window

REQUEST_BYTES = 32_000_000  # "32 MB"; read as decimal megabytes, the stricter reading
TEXT_ALLOWANCE = 1_000_000  # the system prompt, JSON framing and what estimates miss
PDF_PAGES = 100
SMALL_CONTEXT = 200_000
MEDIA_SMALL, MEDIA_LARGE = 100, 600
NAMES_SHOWN = 8


@dataclass(frozen=True)
class Candidate:
    """One file's content as it would go into the request."""

    name: str
    size: int  # bytes it adds to the request body
    pages: int = 0  # PDF pages
    images: int = 0


def media_limit(model: str) -> int:
    """Images and PDF pages one request may hold, for `model`."""
    return MEDIA_SMALL if context_window(model) <= SMALL_CONTEXT else MEDIA_LARGE


def fit_request(candidates: list[Candidate], room: int, media: int) -> tuple[list[bool], list[str]]:
    """Which candidates (most wanted first) fit in `room` bytes, 100 PDF pages and `media`
    images and pages; and a notice for each limit that left files out."""
    kept: list[bool] = []
    left_out: dict[str, list[str]] = {}
    pages = images = 0
    for file in candidates:
        why = None
        if file.size > room:
            why = "size"
        elif pages + file.pages > PDF_PAGES:
            why = "pages"
        elif pages + images + file.pages + file.images > media:
            why = "media"
        kept.append(why is None)
        if why is None:
            room -= file.size
            pages += file.pages
            images += file.images
        else:
            left_out.setdefault(why, []).append(file.name)
    reasons = {
        "size": "together they would make the request larger than Claude's 32 MB limit",
        "pages": f"Claude reads at most {PDF_PAGES} PDF pages in one request",
        "media": f"Claude takes at most {media} images and PDF pages in one request",
    }
    return kept, [f":paperclip: Left out {_names(names)}: {reasons[why]}."
                  for why, names in left_out.items()]


def _names(names: list[str]) -> str:
    shown = ", ".join(f"`{name}`" for name in names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")
