"""The Slack test double's external file upload and task_update chunks, exercised with the real
slack_sdk client (files_upload_v2 drives getUploadURLExternal → upload → completeUploadExternal)."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)


async def test_files_upload_v2_shares_the_file_in_the_thread(slack, web):
    root = slack.add_message("C1", user="U1", text="plot it")
    done = await web.files_upload_v2(channel="C1", thread_ts=root["ts"], content=PNG,
                                        filename="plot.png", title="plot.png")
    assert done["file"]["title"] == "plot.png"
    [shared] = slack.uploaded
    assert (shared["channel"], shared["thread_ts"]) == ("C1", root["ts"])
    assert shared["file"]["name"] == "plot.png" and shared["file"]["size"] == len(PNG)
    assert [c.method for c in slack.calls] == [
        "files.getUploadURLExternal", "files.upload", "files.completeUploadExternal"]
    replies = slack.thread("C1", root["ts"])
    assert replies[-1]["files"][0]["name"] == "plot.png"


async def test_uploads_need_files_write(slack, web):
    slack.missing_scopes.add("files:write")
    with pytest.raises(SlackApiError) as caught:
        await web.files_upload_v2(channel="C1", content=PNG, filename="plot.png")
    assert caught.value.response["error"] == "missing_scope"
    assert caught.value.response["needed"] == "files:write"


async def test_completing_an_upload_that_never_came_is_refused(slack, web):
    started = await web.files_getUploadURLExternal(filename="a.txt", length=3)
    with pytest.raises(SlackApiError) as caught:
        await web.files_completeUploadExternal(files=[{"id": started["file_id"]}],
                                                  channel_id="C1")
    assert caught.value.response["error"] == "file_not_found"


async def test_task_update_chunks_stream_and_bad_statuses_are_refused(slack, web):
    root = slack.add_message("D1", user="U1", text="hi")
    started = await web.chat_startStream(channel="D1", thread_ts=root["ts"])
    task = {"type": "task_update", "id": "t1", "title": "searching", "status": "in_progress"}
    await web.chat_appendStream(channel="D1", ts=started["ts"], chunks=[task])
    with pytest.raises(SlackApiError) as caught:
        await web.chat_appendStream(channel="D1", ts=started["ts"],
                                       chunks=[{**task, "status": "completed"}])
    assert caught.value.response["error"] == "invalid_chunks"
    await web.chat_appendStream(channel="D1", ts=started["ts"], chunks=[
        {**task, "status": "complete", "output": "3 results"},
        {"type": "markdown_text", "text": "Answer"}])
    message = slack.thread("D1", root["ts"])[-1]
    assert message["tasks"]["t1"]["status"] == "complete" and message["text"] == "Answer"
