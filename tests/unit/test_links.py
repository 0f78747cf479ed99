"""Image links (pure): which links go to Claude, and how a link it could not use is named and
remembered from the bot's own messages."""

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.attachments.links import (
    ask_with_links,
    image_block,
    image_links,
    is_image_link,
    linked_images,
    links_in,
    links_notice,
    public_host,
    without_links,
)
from bot.claude import ClaudeResult
from bot.conversation import QUESTION_EVENT, Me
from bot.footer import Usage

ME = Me("UBOT")
CHART = "https://charts.example.com/q3/chart.png"


@pytest.mark.parametrize("text, links", [
    (f"<{CHART}>", [CHART]),
    (f"see <{CHART}|the chart>!", [CHART]),
    ("<https://x.example.com/a.JPG> <http://x.example.com/b.jpeg> <https://x.example.com/c.gif>"
     " <https://x.example.com/d.webp>", ["https://x.example.com/a.JPG",
                                         "http://x.example.com/b.jpeg",
                                         "https://x.example.com/c.gif",
                                         "https://x.example.com/d.webp"]),
    ("<https://s3.example.com/b/k.png?X-Amz-Signature=ab&amp;X-Amz-Expires=60>",
     ["https://s3.example.com/b/k.png?X-Amz-Signature=ab&X-Amz-Expires=60"]),
    (f"twice <{CHART}> and <{CHART}|again>", [CHART]),
    (f"typed bare: {CHART}. Done", [CHART]),  # a /claude question arrives unformatted
    (f"(see {CHART})", [CHART]),
    (f"`{CHART}` and ```curl {CHART}```", []),  # quoted as code, not linked
    ("<https://charts.example.com/q3/>", []),
    ("<https://charts.example.com/chart.png.html>", []),
    ("<https://charts.example.com/page#chart.png>", []),  # the fragment is not the path
    ("<mailto:someone@example.com>", []),
])
def test_image_links_in_slack_text(text, links):
    assert image_links(text) == links


@pytest.mark.parametrize("url", [
    "http://localhost/a.png", "http://localhost:8080/a.png", "http://app.localhost/a.png",
    "http://127.0.0.1/a.png", "http://10.0.0.7:9000/a.png", "http://[::1]/a.png",
    "http://[fd00::1]/a.png", "http://169.254.169.254/latest/a.png", "http://127.1/a.png",
    "http://2130706433/a.png", "http://0x7f.0.0.1/a.png", "http://wiki/a.png",
    "http://grafana.internal/a.png", "http://nas.local/a.png", "http://router.home.arpa/a.png",
    "http://x.onion/a.png", "ftp://files.example.com/a.png", "file:///etc/a.png",
    "https://user:secret@charts.example.com/a.png", "https://@charts.example.com/a.png",
    "https://charts.example.com:99999/a.png", "https://charts..example.com/a.png",
    "https://-bad.example.com/a.png", "https://charts.example.com/" + "a" * 2100 + ".png",
])
def test_internal_or_malformed_addresses_are_not_image_links(url):
    assert not is_image_link(url)


@pytest.mark.parametrize("url", [
    CHART, "http://charts.example.com:8443/a.png", "https://bücher.example.de/a.png",
    "https://xn--bcher-kva.example/a.png".replace(".example/", ".de/"),
    "https://cdn.example.com./a.png", "https://a_b.example.com/a.png",
])
def test_public_addresses_are_image_links(url):
    assert is_image_link(url)


@settings(max_examples=300, deadline=None)
@given(st.ip_addresses())
def test_no_ip_literal_is_public(address):
    host = f"[{address}]" if address.version == 6 else str(address)
    assert not public_host(str(address))
    assert image_links(f"<http://{host}/a.png> http://{host}/b.png") == []


LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(LABEL, min_size=1, max_size=4), st.sampled_from(["com", "org", "io", "de"]),
       st.sampled_from([".png", ".jpg", ".jpeg", ".gif", ".webp", ".PNG"]),
       st.from_regex(r"[a-zA-Z0-9/_-]{0,30}", fullmatch=True), st.text(max_size=20))
def test_a_public_image_link_is_found_in_every_form(labels, tld, suffix, path, label):
    url = f"https://{'.'.join(labels)}.{tld}/{path}{suffix}"
    label = label.replace(">", "").replace("|", "")
    for text in (f"<{url}>", f"look <{url}|{label}> here", f"bare {url}, then"):
        assert image_links(text) == [url]


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_any_text_gives_only_sendable_links(text):
    for url in image_links(text):
        assert is_image_link(url) and not set(url) & set(" \n<>|`")


def bot_says(*notices: str, ts: str = "2.0") -> dict:
    return {"ts": ts, "user": "UBOT", "text": "An answer.", "blocks": [
        {"type": "markdown", "text": "An answer."},
        *({"type": "section", "text": {"type": "mrkdwn", "text": n}} for n in notices),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "footer"}]}]}


def test_linked_images_by_message_and_a_slash_question():
    question = {"ts": "1.0", "user": "UBOT", "text": "…", "metadata": {
        "event_type": QUESTION_EVENT, "event_payload": {"user": "U1", "text": f"what is {CHART}"}}}
    said = {"ts": "3.0", "user": "U1", "text": "<https://x.example.com/b.gif> and <@UBOT>"}
    answer = {"ts": "4.0", "user": "UBOT", "text": "<https://x.example.com/mine.png>"}
    assert linked_images([question, said, answer], ME, "3.0") == {
        "1.0": [CHART], "3.0": ["https://x.example.com/b.gif"]}


def test_a_link_named_unusable_is_left_out_except_where_named_again():
    broken = "https://x.example.com/a.png?b=1&c=2"
    messages = [{"ts": "1.0", "user": "U1", "text": f"<{broken.replace('&', '&amp;')}>"},
                bot_says(links_notice([broken])),
                {"ts": "3.0", "user": "U1", "text": f"again <{broken.replace('&', '&amp;')}>"}]
    assert "&amp;" in links_notice([broken])  # Slack mrkdwn, escaped
    assert linked_images(messages[:2], ME, "") == {}
    assert linked_images(messages, ME, "3.0") == {"3.0": [broken]}


def test_the_notice_names_links_shortly_and_long_ones_are_not_remembered():
    long = "https://x.example.com/" + "p" * 400 + ".png"
    many = [f"https://x.example.com/{n}.png" for n in range(10)]
    notice = links_notice([long, *many])
    assert len(notice) < 1_200 and "and 3 more" in notice and "…`" in notice
    said = {"ts": "1.0", "user": "U1", "text": " ".join(f"<{u}>" for u in [long, *many])}
    assert linked_images([said, bot_says(notice)], ME, "") == {"1.0": [long, *many[7:]]}


def test_without_links_keeps_everything_else():
    turns = [{"role": "user", "content": [image_block(CHART), {"type": "text", "text": "hi"}]},
             {"role": "assistant", "content": [{"type": "text", "text": "yes"}]}]
    assert links_in(turns) == [CHART]
    assert without_links(turns) == [{"role": "user", "content": [{"type": "text", "text": "hi"}]},
                                    turns[1]]


def result(rejected: str | None = None) -> ClaudeResult:
    return ClaudeResult("m", Usage(), failure="bad" if rejected is not None else None,
                        rejected=rejected)


TURNS = [{"role": "user", "content": [image_block(CHART), {"type": "text", "text": "hi"}]}]


@pytest.mark.parametrize("answers, asked, notices", [
    ([None], 1, 0),  # accepted
    (["Unable to download the file. Please verify the URL and try again.", None], 2, 1),
    (["Something new about the request", None], 2, 1),  # fine without the links: they were it
    (["Could not process image", "max_tokens: too large"], 2, 1),
    (["max_tokens: too large", "max_tokens: too large"], 2, 0),  # not the links' fault
])
def test_ask_with_links(answers, asked, notices):
    requests = []

    async def ask(turns):
        requests.append(turns)
        return result(answers[len(requests) - 1])

    final, said = asyncio.run(ask_with_links(ask, TURNS))
    assert len(requests) == asked and len(said) == notices
    assert links_in(requests[-1]) == ([CHART] if asked == 1 else [])
    if asked == 2 and not notices:
        assert final.rejected == answers[0]


def test_a_request_without_links_is_not_asked_again():
    requests = []

    async def ask(turns):
        requests.append(turns)
        return result("Unable to download the file.")

    asyncio.run(ask_with_links(ask, without_links(TURNS)))
    assert len(requests) == 1


def test_a_link_shared_twice_is_named_once():
    answers = iter(["Unable to download the file.", None])

    async def ask(turns):
        return result(next(answers))

    twice = [*TURNS, {"role": "assistant", "content": [{"type": "text", "text": "?"}]}, *TURNS]
    _, [notice] = asyncio.run(ask_with_links(ask, twice))
    assert notice == links_notice([CHART])
