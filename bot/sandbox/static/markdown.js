// Text formats of Slack messages as HTML: Markdown (the `markdown` block, streamed answers)
// and Slack's mrkdwn (typed messages, sections, context). Everything is escaped first; only
// http(s) and mailto links are made.
(() => {
"use strict";

const EMOJI = {
  warning: "⚠️", information_source: "ℹ️", no_entry_sign: "🚫", grey_question: "❔",
  hourglass: "⌛", paperclip: "📎", thumbsup: "👍", thumbsdown: "👎", "+1": "👍", "-1": "👎",
  white_check_mark: "✅", x: "❌", stop_button: "⏹️", black_square_for_stop: "⏹️", robot_face: "🤖", wave: "👋",
  tada: "🎉", eyes: "👀", bulb: "💡", lock: "🔒", memo: "📝", money_with_wings: "💸",
};

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function safeUrl(url) {
  return /^(https?:|mailto:)/i.test(url) ? url : null;
}

function link(url, label) {
  const href = safeUrl(url);
  return href ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${label}</a>`
    : label;
}

function mention(user, names) {
  const name = (names && names[user]) || user;
  return `<span class="mention" data-user="${escapeHtml(user)}">@${escapeHtml(name)}</span>`;
}

// Slack's special mentions: <!here>, <!channel>, <!everyone>; a user group or a date shows its
// label (<!subteam^S…|@devs>, <!date^…|Feb 18th>).
function special(word, label) {
  if (["here", "channel", "everyone"].includes(word)) return `<span class="mention">@${word}</span>`;
  if (label) return escapeHtml(decode(label));
  return escapeHtml(word.startsWith("subteam^") ? `@${word.slice(8)}` : word);
}

// <#C…> and <#C…|name>: the channel's name, as Slack shows it.
function channelLink(channel, label, names) {
  const name = label || (names && names[channel]) || channel;
  return `<span class="mention channel-link" data-channel="${escapeHtml(channel)}">#${escapeHtml(name)}</span>`;
}

function emoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI[name] || all);
}

// Inline spans shared by both formats; `strong`/`em`/`strike` say which markers mean what.
function inline(text, names, markers) {
  const stash = [];
  const keep = (html) => `\u0000${stash.push(html) - 1}\u0000`;
  let out = text.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code>${escapeHtml(code)}</code>`));
  out = out.replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_, user) => keep(mention(user, names)));
  out = out.replace(/<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>/g,
    (_, channel, label) => keep(channelLink(channel, label, names)));
  out = out.replace(/<!([^|>\s]+)(?:\|([^>]*))?>/g, (_, word, label) => keep(special(word, label)));
  out = out.replace(/<(https?:[^|>\s]+|mailto:[^|>\s]+)(?:\|([^>]+))?>/g,
    (_, url, label) => keep(link(url, escapeHtml(decode(label || url)))));
  if (markers.markdown) {
    out = out.replace(/!?\[([^\]]+)\]\(([^)\s]+)\)/g,
      (_, label, url) => keep(link(url, escapeHtml(label))));
  }
  out = escapeHtml(markers.markdown ? out : decode(out));
  const wrap = (re, tag) => { out = out.replace(re, `$1<${tag}>$2</${tag}>`); };
  for (const [re, tag] of markers.rules) wrap(re, tag);
  out = emoji(out);
  return out.replace(/\u0000(\d+)\u0000/g, (_, i) => stash[Number(i)]);
}

function decode(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const MARKDOWN_SPANS = {
  markdown: true,
  rules: [
    [/(^|[^*\\])\*\*(?=\S)(.+?)\*\*/g, "strong"],
    [/(^|[^_\w\\])__(?=\S)(.+?)__(?!\w)/g, "strong"],
    [/(^|[^*\\])\*(?=[^\s*])(.+?)\*(?!\*)/g, "em"],
    [/(^|[^_\w\\])_(?=[^\s_])(.+?)_(?!\w)/g, "em"],
    [/(^|[^~])~~(?=\S)(.+?)~~/g, "del"],
  ],
};
const MRKDWN_SPANS = {
  markdown: false,
  rules: [
    [/(^|[^\w*])\*(?=\S)([^*\n]+?)\*(?!\w)/g, "strong"],
    [/(^|[^\w_])_(?=\S)([^_\n]+?)_(?!\w)/g, "em"],
    [/(^|[^\w~])~(?=\S)([^~\n]+?)~(?!\w)/g, "del"],
  ],
};

function tableCells(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

// Standard Markdown as Slack's `markdown` block shows it; an unclosed code fence (still
// streaming) is drawn as code.
function renderMarkdown(source, names) {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const html = [];
  let i = 0;
  const span = (text) => inline(text, names, MARKDOWN_SPANS);
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^\s*(`{3,}|~{3,})\s*([\w+#.-]*)/);
    if (fence) {
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i += 1;
      const lang = fence[2] ? ` data-lang="${escapeHtml(fence[2])}"` : "";
      html.push(`<pre${lang}><code>${escapeHtml(body.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      const level = Math.min(heading[1].length + 2, 6);
      html.push(`<h${level}>${span(heading[2])}</h${level}>`);
      i += 1;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      html.push("<hr>");
      i += 1;
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length
        && /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(lines[i + 1])) {
      const head = tableCells(line).map((c) => `<th>${span(c)}</th>`).join("");
      const rows = [];
      i += 2;
      while (i < lines.length && lines[i].includes("|") && lines[i].trim()) {
        rows.push(`<tr>${tableCells(lines[i++]).map((c) => `<td>${span(c)}</td>`).join("")}</tr>`);
      }
      html.push(`<table><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`);
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quoted.push(lines[i++].replace(/^\s*>\s?/, ""));
      html.push(`<blockquote>${renderMarkdown(quoted.join("\n"), names)}</blockquote>`);
      continue;
    }
    const item = line.match(/^(\s*)([-*+]|\d+[.)])\s+(.*)$/);
    if (item) {
      const ordered = /\d/.test(item[2]);
      const items = [];
      while (i < lines.length) {
        const next = lines[i].match(/^(\s*)([-*+]|\d+[.)])\s+(.*)$/);
        if (!next) break;
        const task = next[3].match(/^\[([ xX])\]\s+(.*)$/);
        const text = task ? `${task[1] === " " ? "☐" : "☑"} ${task[2]}` : next[3];
        const indent = next[1].length >= 2 ? ' class="nested"' : "";
        items.push(`<li${indent}>${span(text)}</li>`);
        i += 1;
      }
      const tag = ordered ? "ol" : "ul";
      const start = ordered && parseInt(item[2], 10) !== 1 ? ` start="${parseInt(item[2], 10)}"` : "";
      html.push(`<${tag}${start}>${items.join("")}</${tag}>`);
      continue;
    }
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const paragraph = [];
    while (i < lines.length && lines[i].trim() && !/^\s*(`{3,}|~{3,}|#{1,6}\s|>|[-*+]\s|\d+[.)]\s)/.test(lines[i])) {
      paragraph.push(span(lines[i++]));
    }
    if (!paragraph.length) paragraph.push(span(lines[i++]));
    html.push(`<p>${paragraph.join("<br>")}</p>`);
  }
  return html.join("");
}

// Slack's mrkdwn: *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, <links|labels>,
// <@U…> mentions and :emoji:; the text arrives with &, < and > escaped as Slack sends it.
function renderMrkdwn(source, names) {
  const parts = source.split(/```/);
  return parts.map((part, n) => {
    if (n % 2 === 1) return `<pre><code>${escapeHtml(decode(part.replace(/^\n/, "")))}</code></pre>`;
    const lines = part.split("\n").map((line) => {
      const quote = line.match(/^(?:&gt;|>)\s?(.*)$/);
      const text = inline(quote ? quote[1] : line, names, MRKDWN_SPANS);
      return quote ? `<span class="quote">${text}</span>` : text;
    });
    return lines.join("<br>");
  }).join("");
}

window.SlackText = { renderMarkdown, renderMrkdwn, escapeHtml, mention };
})();
