// One message as Slack draws it: the author, the text or the message's Block Kit blocks
// (markdown, sections, context footer, feedback buttons), its files, and a stop button while
// the bot is still writing it.
(() => {
"use strict";

const { renderMarkdown, renderMrkdwn, escapeHtml } = window.SlackText;

function textObject(obj, names) {
  if (!obj || typeof obj.text !== "string") return "";
  return obj.type === "plain_text" ? escapeHtml(obj.text) : renderMrkdwn(obj.text, names);
}

// The bot starts every notice with an emoji (":warning: …"), and nothing else it says.
function isNotice(text) {
  return /^\s*:[a-z0-9_+-]+:/.test(text || "");
}

function button(label, attrs, title) {
  const data = Object.entries(attrs)
    .map(([k, v]) => `data-${k}="${escapeHtml(String(v ?? ""))}"`).join(" ");
  const named = title ? ` title="${escapeHtml(title)}" aria-label="${escapeHtml(title)}"` : "";
  return `<button type="button" class="block-button" ${data}${named}>${label}</button>`;
}

// Whether this machine has a colour emoji font: drawn without one, 👍 is a grey box.
function hasEmojiFont() {
  const context = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  if (!context) return false;
  context.font = "16px sans-serif";
  context.textBaseline = "top";
  context.fillText("👍", 0, 0);
  const pixels = context.getImageData(0, 0, 20, 20).data;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] && (pixels[i] !== pixels[i + 1] || pixels[i + 1] !== pixels[i + 2])) return true;
  }
  return false;
}
document.documentElement.classList.toggle("no-emoji", !hasEmojiFont());

const FEEDBACK_WORDS = { positive: ["👍", "Helpful"], negative: ["👎", "Not helpful"] };

// Feedback buttons can be clicked (their words show where emoji cannot); other buttons are
// shown as the message has them.
function actionButtons(block, message) {
  return (block.elements || []).map((el) => {
    if (el.type === "feedback_buttons") {
      return ["positive", "negative"].map((kind) => {
        const b = el[`${kind}_button`] || {};
        const [emoji, words] = FEEDBACK_WORDS[kind];
        const label = `<span class="emoji">${escapeHtml((b.text && b.text.text) || emoji)}</span>`
          + `<span class="words">${words}</span>`;
        return button(label, { channel: message.channel, ts: message.ts, kind },
          b.accessibility_label || words);
      }).join("");
    }
    const label = escapeHtml((el.text && el.text.text) || el.icon || el.type);
    return `<button type="button" class="block-button" disabled>${label}</button>`;
  }).join("");
}

function renderBlock(block, message, names) {
  switch (block.type) {
    case "markdown":
      return `<div class="block markdown">${renderMarkdown(block.text || "", names)}</div>`;
    case "section": {
      const text = block.text && block.text.text;
      const cls = isNotice(text) ? "block section notice" : "block section";
      const fields = (block.fields || []).map((f) => `<div>${textObject(f, names)}</div>`).join("");
      return `<div class="${cls}">${textObject(block.text, names)}${fields ? `<div class="fields">${fields}</div>` : ""}</div>`;
    }
    case "context": {
      const parts = (block.elements || []).map((el) => (el.type === "image"
        ? `<img class="context-image" alt="${escapeHtml(el.alt_text || "")}" src="${escapeHtml(el.image_url || "")}">`
        : `<span>${textObject(el, names)}</span>`));
      return `<div class="block context">${parts.join(" ")}</div>`;
    }
    case "context_actions":
    case "actions":
      return `<div class="block ${block.type}">${actionButtons(block, message)}</div>`;
    case "header":
      return `<h3 class="block header">${textObject(block.text, names)}</h3>`;
    case "divider":
      return "<hr class=\"block\">";
    case "image":
      return `<img class="block image" alt="${escapeHtml(block.alt_text || "")}" src="${escapeHtml(block.image_url || "")}">`;
    case "rich_text":
      return `<div class="block">${renderMrkdwn(message.text || "", names)}</div>`;
    default:
      return `<div class="block unsupported">[${escapeHtml(block.type || "unknown")} block]</div>`;
  }
}

function formatSize(bytes) {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} KB`;
}

function renderFiles(files) {
  if (!files.length) return "";
  return `<div class="files">${files.map((f) => {
    const name = escapeHtml(f.name || "file");
    if ((f.mimetype || "").startsWith("image/")) {
      return `<a class="file image" href="${escapeHtml(f.url)}" target="_blank"><img alt="${name}" src="${escapeHtml(f.url)}" onerror="this.replaceWith('🖼 ' + this.alt)"></a>`;
    }
    return `<a class="file" href="${escapeHtml(f.url)}" target="_blank"><span class="file-icon">📄</span><span>${name}<small>${formatSize(f.size || 0)} · ${escapeHtml(f.mimetype || "")}</small></span></a>`;
  }).join("")}</div>`;
}

function initials(name) {
  return (name || "?").replace(/^@/, "").slice(0, 1).toUpperCase();
}

function timeOf(ts) {
  const date = new Date(parseFloat(ts) * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// `m`: a message as /api/state gives it; `ctx`: {names, inThread, ephemeral}.
function renderMessage(m, ctx) {
  const names = ctx.names;
  const author = m.slackbot ? "Slackbot" : m.bot ? "Claude" : (names[m.user] || m.user || "someone");
  let body;
  if (m.blocks && m.blocks.length) {
    body = m.blocks.map((b) => renderBlock(b, m, names)).join("");
  } else if (m.bot && !ctx.ephemeral) {  // a natively streamed answer: Markdown
    body = `<div class="block markdown">${renderMarkdown(m.text || "", names)}</div>`;
  } else {
    body = m.text ? `<div class="block">${renderMrkdwn(m.text, names)}</div>` : "";
  }
  const badge = m.bot ? '<span class="app-badge">APP</span>' : "";
  // A person's user id beside the name: what a policy file names them by.
  const userId = !m.bot && !m.slackbot && m.user ? `<code class="user-id">${escapeHtml(m.user)}</code>` : "";
  const ephemeral = ctx.ephemeral ? '<div class="ephemeral-note">👁 Only visible to you</div>' : "";
  const stop = m.working
    ? `<div class="working"><span class="dots"><i></i><i></i><i></i></span>${button("■ Stop", { stop: m.ts, channel: m.channel, thread: m.thread_ts || m.ts })}</div>`
    : "";
  const replies = !ctx.inThread && m.reply_count
    ? `<button type="button" class="replies" data-open="${escapeHtml(m.ts)}">${m.reply_count} repl${m.reply_count === 1 ? "y" : "ies"}</button>`
    : "";
  const reply = !ctx.inThread && !ctx.ephemeral
    ? `<button type="button" class="reply-action" title="Reply in thread" data-open="${escapeHtml(m.ts)}">💬</button>` : "";
  const avatar = m.bot ? '<div class="avatar bot">✳</div>'
    : `<div class="avatar" data-hue="${[...(m.user || "")].reduce((a, c) => a + c.charCodeAt(0), 0) % 6}">${escapeHtml(initials(author))}</div>`;
  const el = document.createElement("div");
  el.className = `message${m.bot ? " from-bot" : ""}${ctx.ephemeral ? " ephemeral" : ""}${m.working ? " is-working" : ""}`;
  el.dataset.ts = m.ts;
  el.innerHTML = `${avatar}<div class="content">${ephemeral}<div class="meta"><span class="author">${escapeHtml(author)}</span>${badge}${userId}<span class="time">${timeOf(m.ts)}</span>${reply}</div>${body}${renderFiles(m.files || [])}${stop}${replies}</div>`;
  return el;
}

window.SlackBlocks = { renderMessage, formatSize };
})();
