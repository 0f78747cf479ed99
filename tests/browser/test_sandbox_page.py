"""The sandbox page in a real browser: a person mentions Claude with an image and watches the
answer arrive, stops an answer, clicks feedback, uses two tabs, and sends bad input. The tests
count what the page shows (a message shown twice is as wrong as one not shown)."""

import os
import shutil
from pathlib import Path

from bot.devserver.claude import Reply
from tests.e2e.helpers import answered
from tests.e2e.sandbox_client import chart

SCREENSHOT = Path(__file__).parents[2] / "docs" / "sandbox.png"
ANSWER = "#thread .message.from-bot"
# Every text the bot's answer shows in the thread, in order: proves it grew edit by edit.
WATCH_ANSWER = """() => {
  window.answerTexts = [];
  new MutationObserver(() => {
    const answer = document.querySelector('#thread .message.from-bot .content');
    const text = answer && answer.innerText;
    if (text && window.answerTexts[window.answerTexts.length - 1] !== text) {
      window.answerTexts.push(text);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


async def ask_with_image(page, tmp_path, text: str):
    image = tmp_path / "chart.png"
    image.write_bytes(chart(800, 500))
    await page.set_input_files("#composer input[type=file]", str(image))
    await page.wait_for_selector("#composer .chip:has-text('chart.png')")
    await page.fill("#composer textarea", text)
    await page.click("#composer .send")


async def test_a_mention_with_an_image_streams_into_its_thread(sandbox, open_page, tmp_path):
    page = await open_page("U0ALICE")
    assert "Offline stand-in" in await page.inner_text("#claude-mode")
    assert await page.inner_text("#me-id") == "U0ALICE"
    await page.evaluate(WATCH_ANSWER)
    await ask_with_image(page, tmp_path, "@Claude what does this chart show? Compare it with "
                                         "last week's numbers.")
    await page.wait_for_selector(f"{ANSWER} .block.context", timeout=15_000)  # the footer
    texts = await page.evaluate("window.answerTexts")
    assert "Thinking…" in texts[0]  # the placeholder first
    growing = [len(t) for t in texts if "Thinking" not in t and "claude-sonnet-5-5" not in t]
    assert len(growing) >= 3 and growing == sorted(growing)  # then the text, growing
    assert "800×500 px" in texts[-1] and "claude-sonnet-5-5 · " in texts[-1]  # then the footer
    assert await page.locator("#messages .mention").first.inner_text() == "@Claude"
    assert await page.locator("#messages .file.image img").count() == 1
    assert await page.locator("#messages .replies").inner_text() == "1 reply"
    assert await page.locator("#messages .message").count() == 1
    assert await page.locator("#thread .message").count() == 2  # the question and the answer
    await page.screenshot(path=tmp_path / "sandbox.png")
    if os.environ.get("UPDATE_SCREENSHOT"):  # UPDATE_SCREENSHOT=1 refreshes the README's picture
        shutil.copy(tmp_path / "sandbox.png", SCREENSHOT)


async def start_a_long_answer(sandbox, page, tmp_path):
    await ask_with_image(page, tmp_path, "@Claude describe this")
    await page.wait_for_selector(f"{ANSWER} .block.context", timeout=15_000)
    sandbox.standin.enqueue(Reply(text="A long answer. " * 200, chunk_chars=6, delay=0.05))
    await page.fill("#thread-composer textarea", "Now tell me everything about it.")
    await page.press("#thread-composer textarea", "Enter")
    stop = page.locator("#thread .working button")
    await stop.wait_for(timeout=10_000)
    # Mid-way: some sentences shown, many more to come.
    await page.wait_for_function(
        "document.querySelector('#thread').innerText.includes('A long answer. A long answer.')",
        timeout=10_000)
    return stop


async def test_the_stop_button_sends_slacks_stop_event_for_the_thread(sandbox, open_page,
                                                                       tmp_path):
    page = await open_page("U0ALICE")
    stop = await start_a_long_answer(sandbox, page, tmp_path)
    root = await stop.get_attribute("data-thread")
    await stop.click()
    workspace = sandbox.workspace
    await workspace.wait_for(lambda: workspace.envelopes[-1]["type"] == "events_api" and
                             workspace.envelopes[-1]["payload"]["event"]["type"]
                             == "agent_session_stopped", what="the stop event")
    event = workspace.envelopes[-1]["payload"]["event"]
    assert (event["channel"], event["thread_ts"], event["user"]) == ("C0GENERAL", root,
                                                                     "U0ALICE")
    assert workspace.message("C0GENERAL", root)["user"] == "U0ALICE"  # the mention's thread


async def test_stopping_a_second_answer_mid_way_says_who_stopped_it(sandbox, open_page,
                                                                     tmp_path):
    page = await open_page("U0ALICE")
    stop = await start_a_long_answer(sandbox, page, tmp_path)
    await stop.click()
    await page.wait_for_selector("#thread .notice:has-text('Stopped by @alice')", timeout=3_000)
    assert await page.locator("#thread .working").count() == 0
    assert await page.locator("#thread .notice:has-text('Stopped by')").count() == 1
    assert await page.locator("#thread .message").count() == 4  # two questions, two answers
    answer = page.locator(ANSWER).last
    assert "A long answer." in await answer.inner_text()  # the text so far stays
    assert await answer.locator(".block.context").count() == 1  # with the usage so far


async def test_a_feedback_button_click_sends_block_actions(sandbox, open_page):
    page = await open_page("U0BOB")
    # A message carrying feedback buttons, as the bot ends an answer with them.
    await sandbox.bot.deps.slack.chat_postMessage(channel="C0GENERAL", text="An answer", blocks=[
        {"type": "markdown", "text": "An **answer**"},
        {"type": "context_actions", "block_id": "fb", "elements": [{
            "type": "feedback_buttons", "action_id": "feedback",
            "positive_button": {"text": {"type": "plain_text", "text": "👍"}, "value": "good"},
            "negative_button": {"text": {"type": "plain_text", "text": "👎"}, "value": "bad"}}]}])
    await page.click("#messages .block-button[data-kind=positive]")
    workspace = sandbox.workspace
    await workspace.wait_for(lambda: workspace.envelopes
                             and workspace.envelopes[-1]["type"] == "interactive",
                             what="the click")
    payload = workspace.envelopes[-1]["payload"]
    assert payload["type"] == "block_actions" and payload["user"]["id"] == "U0BOB"
    assert payload["actions"][0]["value"] == "good"
    assert payload["actions"][0]["type"] == "feedback_buttons"


async def test_thumbs_up_under_an_answer_is_thanked(sandbox, open_page, tmp_path):
    page = await open_page("U0ALICE")
    await ask_with_image(page, tmp_path, "@Claude what is this?")
    await page.wait_for_selector(f"{ANSWER} .block.context", timeout=15_000)
    thumbs_up = page.locator(f"{ANSWER} .block-button[data-kind=positive]")
    await thumbs_up.click(timeout=2_000)
    thanks = page.locator("#thread .message.ephemeral")
    await thanks.first.wait_for(timeout=3_000)
    assert await thanks.count() == 1  # once, from the bot, only for the person who clicked
    assert await thanks.locator(".author").inner_text() == "Claude"
    assert "Only visible to you" in await thanks.inner_text()
    assert "Invalid Date" not in await page.inner_text("#thread")
    assert await page.locator("#thread .message").count() == 3


async def test_two_tabs_as_two_people(sandbox, open_page):
    alice = await open_page("U0ALICE")
    bob = await open_page("U0BOB")
    await bob.fill("#composer textarea", "/claude help")
    await bob.press("#composer textarea", "Enter")
    await bob.wait_for_selector("#messages .message.ephemeral:has-text('Only visible to you')")
    assert await bob.locator("#messages .message").count() == 1
    await alice.fill("#composer textarea", "@Claude hi from alice")
    await alice.press("#composer textarea", "Enter")
    await bob.wait_for_selector("#messages .message:has-text('hi from alice')")  # live
    await answered(sandbox.workspace)
    await bob.wait_for_selector("#messages .replies:has-text('1 reply')")
    assert await alice.locator(".message.ephemeral").count() == 0  # bob's help is his alone
    await alice.select_option("#person", "U0CAROL")  # switch person
    await alice.wait_for_selector("#me-id:has-text('U0CAROL')")
    await alice.click("#dms .channel")
    await alice.fill("#composer textarea", "hello in my DM")
    await alice.press("#composer textarea", "Enter")
    await alice.wait_for_selector("#thread .message.from-bot .block.context", timeout=15_000)
    assert sandbox.workspace.thread("D0CAROL", sandbox.workspace.bot_messages("D0CAROL")[0][
        "thread_ts"])[0]["user"] == "U0CAROL"


async def test_bad_input_on_the_page(sandbox, open_page, tmp_path):
    page = await open_page("U0ALICE")
    assert await page.is_disabled("#composer .send")  # an empty message cannot be sent
    await page.fill("#composer textarea", "   ")
    await page.press("#composer textarea", "Enter")
    assert await page.is_disabled("#composer .send")
    # A text file named .png, dropped onto the channel.
    await page.evaluate("""() => {
      const files = new DataTransfer();
      files.items.add(new File(['not a picture'], 'photo.png', {type: 'image/png'}));
      const pane = document.querySelector('#channel-pane');
      for (const type of ['dragover', 'drop']) {
        pane.dispatchEvent(new DragEvent(type, {dataTransfer: files, bubbles: true,
                                                cancelable: true}));
      }
    }""")
    await page.wait_for_selector("#composer .chip:has-text('photo.png')")
    await page.fill("#composer textarea", "@Claude what is this photo?")
    await page.press("#composer textarea", "Enter")
    await page.wait_for_selector(f"{ANSWER} .notice:has-text('photo.png')", timeout=15_000)
    await page.wait_for_selector(f"{ANSWER} .block.context")  # answered all the same
    await page.fill("#composer textarea", "/claude")  # the slash command with nothing after it
    await page.press("#composer textarea", "Enter")
    await page.wait_for_selector("#messages .ephemeral:has-text('/claude <question>')")
    assert await page.locator("#messages .ephemeral").count() == 1
    assert [e["type"] for e in sandbox.workspace.envelopes].count("slash_commands") == 1


async def test_a_tab_closed_mid_answer_and_opened_again(sandbox, open_page):
    page = await open_page("U0ALICE")
    await page.fill("#composer textarea", "@Claude are you there?")
    await page.press("#composer textarea", "Enter")
    await page.wait_for_selector(ANSWER)
    await page.close()  # mid-answer
    [reply] = await answered(sandbox.workspace)
    again = await open_page("U0ALICE")
    await again.click("#messages .replies")
    await again.wait_for_selector(f"{ANSWER} .block.context")
    assert "Offline stand-in" in await again.inner_text(ANSWER)
    assert await again.locator("#thread .message").count() == 2


async def test_markdown_and_mrkdwn_are_drawn_safely(open_page):
    page = await open_page("U0ALICE")
    markdown = await page.evaluate("""() => SlackText.renderMarkdown(
        '# Title\\n\\n**bold** <img src=x onerror=alert(1)> [link](javascript:alert(1))\\n\\n' +
        '| a | b |\\n|---|:-:|\\n| 1 | `2` |\\n\\n- one\\n- two\\n\\n```python\\nx = 1 < 2', {})""")
    assert "<h3>Title</h3>" in markdown and "<strong>bold</strong>" in markdown
    assert "<img" not in markdown and "&lt;img src=x" in markdown  # shown, never run
    assert 'href="javascript' not in markdown and "link" in markdown
    assert "<th>a</th>" in markdown and "<td><code>2</code></td>" in markdown
    assert "<ul><li>one</li><li>two</li></ul>" in markdown
    assert markdown.endswith('<pre data-lang="python"><code>x = 1 &lt; 2</code></pre>')  # open
    mrkdwn = await page.evaluate("""() => SlackText.renderMrkdwn(
        ':warning: *Careful* &lt;b&gt; <@U0BOB> <https://example.com|docs> _now_',
        {U0BOB: 'bob'})""")
    assert mrkdwn.startswith("⚠️ <strong>Careful</strong> &lt;b&gt; ")
    assert '<span class="mention" data-user="U0BOB">@bob</span>' in mrkdwn
    assert '<a href="https://example.com"' in mrkdwn and "<em>now</em>" in mrkdwn
    special = await page.evaluate("""() => [SlackText.renderMrkdwn, SlackText.renderMarkdown]
      .map((render) => render('<#C0RANDOM> <#C0NEW|new-one> <!here> <!channel|channel> ' +
        '<!subteam^S0DEVS|@devs> <!date^1392734382^{date}|Feb 18th>', {C0RANDOM: 'random'}))""")
    for html in special:  # as Slack shows them, in both formats
        assert ">#random</span> " in html and ">#new-one</span>" in html
        assert ">@here</span>" in html and ">@channel</span>" in html
        assert "@devs" in html and "Feb 18th" in html and "&lt;" not in html


async def test_mentions_and_the_ids_a_policy_needs(sandbox, open_page):
    page = await open_page("U0ALICE")
    await sandbox.bot.deps.slack.chat_postMessage(channel="C0GENERAL", blocks=[{
        "type": "section", "text": {"type": "mrkdwn", "text":
                                    "Top channels: <#C0RANDOM> $1.20 · <@U0BOB> · <!here>"}}],
                                                  text="Top channels")
    shown = page.locator("#messages .message.from-bot .block")
    await shown.first.wait_for()
    assert await shown.first.inner_text() == "Top channels: #random $1.20 · @bob · @here"
    assert await page.inner_text("#channel-id") == "C0GENERAL"  # the channel's details
    await page.fill("#composer textarea", "hello")
    await page.press("#composer textarea", "Enter")
    mine = page.locator("#messages .message:has-text('hello') .meta")
    await mine.wait_for()
    assert "alice" in await mine.inner_text() and "U0ALICE" in await mine.inner_text()


async def test_feedback_buttons_say_it_in_words_without_an_emoji_font(sandbox, open_page):
    page = await open_page("U0ALICE")
    await page.evaluate("document.documentElement.classList.add('no-emoji')")  # as on a server
    await sandbox.bot.deps.slack.chat_postMessage(channel="C0GENERAL", text="An answer", blocks=[
        {"type": "markdown", "text": "An answer"},
        {"type": "context_actions", "elements": [{
            "type": "feedback_buttons", "action_id": "feedback",
            "positive_button": {"text": {"type": "plain_text", "text": "👍"}, "value": "good",
                                "accessibility_label": "This answer was helpful"},
            "negative_button": {"text": {"type": "plain_text", "text": "👎"}, "value": "bad"}}]}])
    up = page.locator("#messages .block-button[data-kind=positive]")
    await up.wait_for()
    assert "Helpful" in await up.inner_text()
    assert await up.get_attribute("aria-label") == "This answer was helpful"
    down = page.locator("#messages .block-button[data-kind=negative]")
    assert "Not helpful" in await down.inner_text()


async def test_the_thread_pane_opens_and_closes(sandbox, open_page):
    page = await open_page("U0ALICE")
    pane = page.locator("#thread-pane")
    assert not await pane.is_visible()  # nothing open that the person did not open
    await page.fill("#composer textarea", "@Claude hello")
    await page.press("#composer textarea", "Enter")
    await page.wait_for_selector(f"{ANSWER} .block.context", timeout=15_000)
    assert await pane.is_visible()  # followed Claude into the thread of one's own question
    await page.click("#close-thread")
    await pane.wait_for(state="hidden", timeout=2_000)
    await page.keyboard.type("after closing")  # where the cursor is now: the channel
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#messages .message:has-text('after closing')")
    [typed] = [m for m in sandbox.workspace.views().values() if m["text"] == "after closing"]
    assert typed["thread_ts"] is None  # in the channel, not the thread
    again = await open_page("U0ALICE")  # a fresh load shows the channel alone
    assert not await again.locator("#thread-pane").is_visible()
