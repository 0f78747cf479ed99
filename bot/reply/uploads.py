"""Files Claude made, shared in the answer's thread after its text: Slack's external upload
(files.getUploadURLExternal → the bytes → files.completeUploadExternal, which slack_sdk's
files_upload_v2 drives; bot scope files:write). A file Slack refuses is named, never raised."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_errors import SLACK_FAILURES, slack_error
from bot.tools.outputs import Made

log = logging.getLogger(__name__)


async def share_files(client: AsyncWebClient, channel: str, thread_ts: str,
                      files: list[Made]) -> list[str]:
    """Upload each file under its own name; a "name (why)" for each Slack refused."""
    missed = []
    for made in files:
        try:
            await client.files_upload_v2(channel=channel, thread_ts=thread_ts,
                                         content=made.data, filename=made.name, title=made.name)
        except (*SLACK_FAILURES, SlackRequestError) as error:
            code = slack_error(error)
            log.warning("could not upload a file Claude made in %s: %s", channel, code)
            why = "the app lacks the files:write scope" if code == "missing_scope" else code
            missed.append(f"{made.name} (Slack refused it: {why})")
    return missed
