"""The files of a conversation as Claude content: downloaded in parallel, converted
once and cached by file id, the newest MAX_IMAGES images kept (image links count too), the
newest files that fit in one Claude request kept, and every file that could not be read or was
left out named in a short notice."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.attachments.documents import is_markup, kind_of, pdf_block, text_block
from bot.attachments.download import DownloadError, download, trusted_origins
from bot.attachments.limits import (
    REQUEST_BYTES,
    TEXT_ALLOWANCE,
    Candidate,
    fit_request,
    media_limit,
)
from bot.attachments.links import image_block
from bot.attachments.pdf_pages import pdf_pages
from bot.config import Settings
from bot.slack_errors import SLACK_FAILURES, slack_error

log = logging.getLogger(__name__)

CACHE_ENTRIES = 500


@dataclass
class Prepared:
    """What one Slack file became: content blocks, or why it could not be read."""

    blocks: list[dict] = field(default_factory=list)
    problem: str | None = None  # "couldn't read …", said once, by the answer that found it
    is_image: bool = False
    name: str = ""
    pages: int = 0  # of a PDF
    size: int = 0  # bytes the blocks add to a request

    def candidate(self) -> Candidate:
        return Candidate(self.name, self.size, self.pages, int(self.is_image))


def _name(file: dict) -> str:
    return (file.get("name") or file.get("title") or file.get("id") or "file").replace("`", "'")


class FileReader:
    def __init__(self, http: aiohttp.ClientSession, slack: AsyncWebClient, settings: Settings):
        self.http = http
        self.slack = slack
        self.trusted = trusted_origins(settings.slack_api_url)
        self.max_bytes = int(settings.max_file_mb * 1_000_000)
        self.max_images = settings.max_images
        self._cache: OrderedDict[str, asyncio.Task[Prepared]] = OrderedDict()

    def prefetch(self, files: tuple[dict, ...] | list[dict]) -> None:
        """Start reading files right away (those that need no Slack API call first)."""
        for file in files:
            if file.get("id") and (file.get("url_private_download") or file.get("url_private")):
                self._task(file)

    def forget(self, file_id: str) -> None:
        """The file was deleted in Slack: drop what it became (an answer reading it now keeps
        its copy; the next one finds it gone)."""
        self._cache.pop(file_id, None)

    def _task(self, file: dict) -> tuple[asyncio.Task[Prepared], bool]:
        """The (cached) task reading `file`, and whether this call created it."""
        key = file["id"]
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key], False
        task = asyncio.ensure_future(self._read(file))
        self._cache[key] = task
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return task, True

    async def for_messages(self, messages: list[dict], asked_ts: str, model: str,
                           links: dict[str, list[str]] | None = None
                           ) -> tuple[dict[str, list[dict]], list[str]]:
        """Content blocks per message ts for a request to `model` (with the image `links` of
        each message ts after its files), and notices for files that could not be read (each
        reported once: by the first answer that tried it) or were left out to keep the
        request within Claude's limits."""
        wanted = [(m.get("ts", ""), f) for m in messages for f in (m.get("files") or ())
                  if isinstance(f, dict) and f.get("id")]
        tasks = [(ts, *self._task(f)) for ts, f in wanted]
        results = await asyncio.gather(*(task for _, task, _ in tasks))
        found = [(ts, fresh, prepared)
                 for (ts, _task, fresh), prepared in zip(tasks, results, strict=True)]
        found += [(ts, False, _linked(url)) for ts, urls in (links or {}).items() for url in urls]
        order = {m.get("ts", ""): n for n, m in enumerate(messages)}
        found.sort(key=lambda entry: order.get(entry[0], -1))  # stable: files, then links
        notices = []
        images_left = self.max_images  # uploaded and linked images together
        chosen: list[tuple[str, Prepared]] = []  # newest first
        for ts, fresh, prepared in reversed(found):
            if prepared.problem and (fresh or ts == asked_ts):
                notices.append(prepared.problem)
            if prepared.is_image:
                if images_left <= 0:
                    continue  # only the newest MAX_IMAGES images are sent
                images_left -= 1
            if prepared.blocks:
                chosen.append((ts, prepared))
        chosen.sort(key=lambda entry: entry[0] != asked_ts)  # the question's files first
        text = sum(len(json.dumps(m.get("text") or "")) for m in messages)
        kept, left_out = fit_request([p.candidate() for _, p in chosen],
                                     REQUEST_BYTES - TEXT_ALLOWANCE - text, media_limit(model))
        blocks: dict[str, list[dict]] = {}
        for (ts, prepared), keep in zip(chosen, kept, strict=True):
            if keep:
                blocks[ts] = prepared.blocks + blocks.get(ts, [])
        return blocks, [*reversed(notices), *left_out]

    async def _read(self, file: dict) -> Prepared:
        try:
            return await self._prepare(file)
        except Exception:  # a hostile file must never take the answer down with it
            log.exception("reading file %s failed", file.get("id"))
            return Prepared(problem=f":paperclip: Couldn't read `{_name(file)}`: "
                                    "something went wrong reading it.")

    async def _prepare(self, file: dict) -> Prepared:
        if not (file.get("url_private_download") or file.get("url_private")):
            try:  # a Slack Connect stub: only files.info has the real file
                file = (await self.slack.files_info(file=file["id"]))["file"]
            except SLACK_FAILURES as error:
                return _problem(file, f"Slack would not share it ({slack_error(error)})")
        kind = kind_of(file)
        if kind == "other":
            return _problem(file, "Claude can't read this kind of file", skipped=True)
        if kind == "image" and self.max_images == 0:
            return Prepared(is_image=True)
        if (file.get("size") or 0) > self.max_bytes:
            return _problem(file, f"it is larger than {self.max_bytes / 1_000_000:g} MB "
                                  "(MAX_FILE_MB)")
        url = file.get("url_private_download") or file["url_private"]
        try:
            data = await download(self.http, url, token=self.slack.token, trusted=self.trusted,
                                  max_bytes=self.max_bytes,
                                  markup=is_markup(file), size=file.get("size"))
        except DownloadError as error:
            return _problem(file, str(error))
        return await _convert(kind, data, file)


async def _convert(kind: str, data: bytes, file: dict) -> Prepared:
    name = _name(file)
    pages, cut = 0, False
    try:
        if kind == "image":  # CPU-bound: off the event loop, so other answers keep streaming
            blocks = [await asyncio.to_thread(_image_block, data)]
        elif kind == "pdf":
            blocks = [pdf_block(data, name)]
            pages = await asyncio.to_thread(pdf_pages, data)
        else:
            block, cut = text_block(data, name)
            blocks = [block]
    except ValueError as error:  # ImageError among them
        return _problem(file, str(error))
    problem = (f":paperclip: Only the first part of `{name}` was read: it is too long."
               if cut else None)
    return Prepared(blocks, problem, is_image=kind == "image", name=name, pages=pages,
                    size=len(json.dumps(blocks)))


def _linked(url: str) -> Prepared:
    """An image link: Claude's servers fetch it, so it is only an address here."""
    block = image_block(url)
    return Prepared([block], is_image=True, name=url, size=len(json.dumps(block)))


def _image_block(data: bytes) -> dict:
    # Pillow and its HEIF plug-in load with the first image (in this worker thread), not at
    # start: most answers have none.
    from bot.attachments.images import prepare_image

    return prepare_image(data).block()


def _problem(file: dict, reason: str, skipped: bool = False) -> Prepared:
    verb = "Skipped" if skipped else "Couldn't read"
    return Prepared(problem=f":paperclip: {verb} `{_name(file)}`: {reason}.")
