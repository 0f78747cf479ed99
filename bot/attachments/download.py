"""Downloading a Slack file safely: the bot token only ever goes to Slack's file host
(or the origin of SLACK_API_URL), never along a redirect elsewhere; a size cap, a timeout, and
Slack's HTML sign-in page recognised for what it is."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import aiohttp

FILES_ORIGIN = ("https", "files.slack.com", 443)
MAX_REDIRECTS = 3
CHUNK = 64 * 1024
MISSING_SCOPE = "the app needs the files:read scope (reinstall it from the manifest)"


class DownloadError(Exception):
    """Why a file could not be downloaded, in plain words."""


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme, 0)
    return parts.scheme, (parts.hostname or "").lower(), port


def trusted_origins(slack_api_url: str) -> frozenset[tuple[str, str, int]]:
    return frozenset({FILES_ORIGIN, origin(slack_api_url)})


def _looks_like_html(content_type: str, head: bytes) -> bool:
    start = head.lstrip()[:15].lower()
    return content_type.startswith("text/html") or start.startswith((b"<!doctype html",
                                                                     b"<html"))


async def download(http: aiohttp.ClientSession, url: str, *, token: str,
                   trusted: frozenset[tuple[str, str, int]], max_bytes: int,
                   timeout: float = 30.0, markup: bool = False, size: int | None = None) -> bytes:
    """The file's bytes, or DownloadError. Redirects are followed by hand so the token is
    only sent to a trusted origin; a redirect elsewhere is followed without it. When the file
    is itself HTML, XML or SVG (`markup`), an HTML body is Slack's sign-in page only when its
    length is not the file's `size` (as Slack gave it)."""
    send_token = origin(url) in trusted
    if not send_token:
        raise DownloadError("it is not hosted on Slack")
    limit = aiohttp.ClientTimeout(total=timeout)
    for _ in range(MAX_REDIRECTS + 1):
        headers = {"Authorization": f"Bearer {token}"} if send_token else {}
        try:
            async with http.get(url, headers=headers, allow_redirects=False,
                                timeout=limit) as response:
                if response.status in (301, 302, 303, 307, 308):
                    url = urljoin(url, response.headers.get("Location", ""))
                    send_token = send_token and origin(url) in trusted
                    continue
                if response.status != 200:
                    raise DownloadError(f"Slack answered HTTP {response.status}")
                return await _read(response, max_bytes, markup, size)
        except TimeoutError:
            raise DownloadError(f"the download took longer than {timeout:g} seconds") from None
        except aiohttp.ClientError as error:
            raise DownloadError(f"the download failed ({type(error).__name__})") from None
    raise DownloadError("Slack redirected the download too many times")


async def _read(response: aiohttp.ClientResponse, max_bytes: int, markup: bool,
                size: int | None) -> bytes:
    if response.content_length is not None and response.content_length > max_bytes:
        raise DownloadError(_too_big(max_bytes))
    data = bytearray()
    html = False
    async for chunk in response.content.iter_chunked(CHUNK):
        if not data:
            html = _looks_like_html(response.content_type, chunk)
            if html and not markup:
                raise DownloadError(MISSING_SCOPE)
        data += chunk
        if len(data) > max_bytes:
            raise DownloadError(_too_big(max_bytes))  # stop reading: never hold more
    if html and size is not None and len(data) != size:  # Slack's page, not the user's file
        raise DownloadError(MISSING_SCOPE)
    return bytes(data)


def _too_big(max_bytes: int) -> str:
    return f"it is larger than {max_bytes / 1_000_000:g} MB (MAX_FILE_MB)"
