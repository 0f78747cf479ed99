"""The sandbox's offline Claude: what it says about a request, its pace and its usage."""

import base64
import io

from PIL import Image

from bot.sandbox.standin import describe


def image_block(width: int, height: int) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(out, "PNG")
    return {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                        "data": base64.b64encode(out.getvalue()).decode()}}


def pdf_block(pages: int) -> dict:
    body = b"%PDF-1.4\n" + b"".join(b"<< /Type /Page >>\n" for _ in range(pages))
    body += b"<< /Type /Pages /Count 2 >>\n"
    return {"type": "document", "title": "report.pdf",
            "source": {"type": "base64", "media_type": "application/pdf",
                       "data": base64.b64encode(body).decode()}}


NOTES = '<file name="notes.txt">\nhello\n</file>'
REQUEST = {
    "model": "claude-sonnet-5-5", "max_tokens": 32000,
    "system": [{"type": "text", "text": "Be kind."}],
    "messages": [
        {"role": "user", "content": [image_block(1000, 750), pdf_block(2),
                                     {"type": "text", "text": NOTES},
                                     {"type": "text", "text": "<@U0ALICE>: what is this?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A chart."}]},
        {"role": "user", "content": [{"type": "text", "text": "<@U0BOB>: and the trend?"}]},
    ],
}


def test_it_describes_turns_speakers_images_and_documents():
    text = describe(REQUEST).text
    assert "Offline stand-in" in text and "ANTHROPIC_API_KEY" in text
    assert "**Turns:** 3 (2 from people, 1 from Claude)" in text
    assert "<@U0ALICE>, <@U0BOB>" in text
    assert "> and the trend?" in text  # the last thing a person said
    assert "| image 1 | image | 1000×750 px, image/png" in text
    assert "| 1,000 |" in text  # 1000 × 750 / 750 tokens
    assert "| report.pdf | PDF | 2 pages" in text
    assert "| notes.txt | text file | 5 characters" in text


def test_it_streams_over_the_requested_seconds_and_counts_usage_from_the_request():
    reply = describe(REQUEST, seconds=4.0)
    steps = -(-len(reply.text) // reply.chunk_chars)
    assert 3.5 <= steps * reply.delay <= 4.5  # a readable pace, whatever the length
    assert reply.delay <= 0.2 and reply.first_delay > 0  # many small steps; a visible placeholder
    assert reply.input_tokens >= 1000 + 2 * 1500  # the image and the PDF pages count
    assert reply.output_tokens == len(reply.text) // 4


def test_a_request_without_files_or_names_is_described_too():
    reply = describe({"model": "m", "max_tokens": 10,
                      "messages": [{"role": "user", "content": "hi"}]})
    assert "No files came with this conversation." in reply.text
    assert "none named" in reply.text


def test_it_reports_linked_images_without_fetching_them():
    url = "https://charts.example.com/q3/" + "x" * 100 + "/chart.png"
    request = {**REQUEST, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "url", "url": url}},
        {"type": "text", "text": "<@U0ALICE>: this?"}]}]}
    text = describe(request).text
    assert "| image 1 | image link | https://charts.example.com/q3/xx" in text
    assert "… (Claude fetches it; not fetched offline) | 1,600 |" in text
