"""Files code execution made, fetched with the Files API (`files.retrieve_metadata` for the name
and size, `files.download` for the bytes: anthropic/resources/files.py), within the bot's size
cap. A file that cannot be fetched is named, with why, never raised."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import anthropic
import httpx2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Made:
    name: str
    data: bytes


async def fetch_outputs(client: anthropic.AsyncAnthropic, file_ids: list[str],
                        max_mb: float) -> tuple[list[Made], list[str]]:
    """(the files fetched, a "name (why)" for each one that could not be); `max_mb` is the
    bot's MAX_FILE_MB."""
    made, missed = [], []
    for file_id in dict.fromkeys(file_ids):
        name = file_id
        try:
            meta = await client.files.retrieve_metadata(file_id)
            name = meta.filename or file_id
            if meta.size_bytes > max_mb * 1024 * 1024:
                missed.append(f"{name} (larger than {max_mb:g} MB)")
                continue
            data = await (await client.files.download(file_id)).read()
        except (anthropic.APIError, httpx2.HTTPError, OSError) as error:
            log.warning("could not fetch a file Claude made (%s)", type(error).__name__)
            missed.append(f"{name} (Claude's Files API did not give it)")
            continue
        made.append(Made(name, data))
    return made, missed
