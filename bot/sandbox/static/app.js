// The sandbox page: channels, a DM with Claude, threads, a composer with file upload (button,
// drag and drop, paste), and live updates from /api/live as the bot posts and edits.
(() => {
"use strict";

const { renderMessage, formatSize } = window.SlackBlocks;
const $ = (selector) => document.querySelector(selector);

const state = {
  me: null, people: {}, bot: null, channels: [], command: "/claude", claude: null,
  messages: new Map(), ephemerals: [], current: "C0GENERAL", thread: null,
  loadedTs: Infinity,  // the newest message when the page loaded: what came before is history
};
const ERRORS = {
  no_text: "There is nothing to send: write a message or attach a file.",
  msg_too_long: "This message is too long: Slack allows 40,000 characters.",
  file_too_large: "This file is larger than the sandbox's 100 MB upload limit.",
  channel_not_found: "This channel does not exist.",
  thread_not_found: "This thread no longer exists.",
  user_not_found: "That is not a Slack user id (like U0ALICE).",
  with_files: "Slash commands can't carry files: send the files in a message.",
};

function key(m) { return `${m.channel}/${m.ts}`; }
function tsNumber(ts) { return parseFloat(ts); }

function currentUser() {
  const fromUrl = new URLSearchParams(location.search).get("user");
  return fromUrl || sessionStorage.getItem("sandbox-user") || "U0ALICE";
}

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json", "X-Sandbox": "1" },
    body: JSON.stringify({ user: state.me, ...body }),
  });
  const answer = await response.json().catch(() => ({ ok: false, error: `http_${response.status}` }));
  if (!answer.ok) throw new Error(answer.error || "failed");
  return answer;
}

async function upload(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await fetch(`/api/files?user=${encodeURIComponent(state.me)}`, {
    method: "POST", headers: { "X-Sandbox": "1" }, body: form,
  });
  const answer = await response.json().catch(() => ({ ok: false, error: `http_${response.status}` }));
  if (!answer.ok) throw new Error(answer.error || "failed");
  return answer.file;
}

async function loadState() {
  const response = await fetch(`/api/state?user=${encodeURIComponent(state.me)}`);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || "failed");
  Object.assign(state, { people: data.people, bot: data.bot, channels: data.channels,
    command: data.command, claude: data.claude });
  state.messages = new Map(data.messages.map((m) => [key(m), m]));
  state.loadedTs = Math.max(0, ...data.messages.map((m) => tsNumber(m.ts)));
  state.ephemerals = data.ephemerals;
  if (!state.channels.some((c) => c.id === state.current)) state.current = "C0GENERAL";
  renderAll();
}

// Names of people and channels by id, for mentions (<@U…>, <#C…>) and authors.
function names() {
  const all = { ...state.people };
  for (const channel of state.channels) all[channel.id] = channel.name;
  if (state.bot) all[state.bot.id] = state.bot.name;
  if (state.me && !all[state.me]) all[state.me] = state.me;
  return all;
}

function renderSidebar() {
  const list = (type) => state.channels.filter((c) => c.type === type).map((c) => `
    <li><button type="button" class="channel${c.id === state.current ? " active" : ""}"
      data-channel="${c.id}">${type === "im" ? "✳ " : "# "}${c.name}</button></li>`).join("");
  $("#channels").innerHTML = list("channel");
  $("#dms").innerHTML = list("im");
  const select = $("#person");
  const people = { ...state.people };
  if (!people[state.me]) people[state.me] = state.me;
  select.innerHTML = Object.entries(people).map(([id, name]) =>
    `<option value="${id}"${id === state.me ? " selected" : ""}>${name}</option>`).join("")
    + '<option value="other">Someone else…</option>';
  $("#me-id").textContent = state.me;
  const mode = $("#claude-mode");
  mode.textContent = state.claude ? state.claude.label : "";
  mode.className = state.claude && state.claude.offline ? "offline" : "online";
}

function visible(threadTs) {
  const all = [...state.messages.values()].filter((m) => m.channel === state.current);
  const mine = state.ephemerals.filter((e) => e.channel === state.current)
    .map((e) => ({ ...e, ephemeral: true }));
  const pick = threadTs
    ? (m) => m.ts === threadTs || m.thread_ts === threadTs
    : (m) => !m.thread_ts || m.thread_ts === m.ts;
  return [...all, ...mine].filter(pick).sort((a, b) => tsNumber(a.ts) - tsNumber(b.ts));
}

function fill(container, messages, inThread) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  container.replaceChildren(...messages.map((m) =>
    renderMessage(m, { names: names(), inThread, ephemeral: !!m.ephemeral })));
  if (atBottom) container.scrollTop = container.scrollHeight;
}

function renderAll() {
  renderSidebar();
  const channel = state.channels.find((c) => c.id === state.current);
  $("#channel-title").textContent = channel ? (channel.type === "im" ? "Claude" : `# ${channel.name}`) : "";
  $("#channel-id").textContent = channel ? channel.id : "";  // what a policy names it by
  $("#composer textarea").placeholder = channel && channel.type === "im"
    ? "Message Claude" : `Message #${channel ? channel.name : ""} — mention @Claude, or ${state.command} …`;
  fill($("#messages"), visible(null), false);
  const pane = $("#thread-pane");
  pane.hidden = !state.thread;
  if (state.thread) fill($("#thread"), visible(state.thread), true);
}

function openThread(ts) {
  state.thread = ts;
  renderAll();
  $("#thread-composer textarea").focus();
}

function applyChanges(change) {
  for (const gone of change.deletes) state.messages.delete(key(gone));
  for (const m of change.upserts) {
    const isNew = !state.messages.has(key(m));
    state.messages.set(key(m), m);
    const root = m.thread_ts && state.messages.get(`${m.channel}/${m.thread_ts}`);
    // Follow Claude into the thread of a message you just sent when it starts answering there
    // (never into one from before the page loaded: nothing opens that you did not open).
    if (isNew && m.bot && root && root.ts !== m.ts && root.user === state.me
        && tsNumber(root.ts) > state.loadedTs && m.channel === state.current && !state.thread) {
      state.thread = m.thread_ts;
    }
  }
  const mine = change.ephemerals.filter((e) => e.user === state.me);
  state.ephemerals.push(...mine);
  // A private answer in a thread (a refusal, say) opens that thread, or it would go unseen.
  const inThread = mine.find((e) => e.thread_ts && e.channel === state.current);
  if (inThread && !state.thread) state.thread = inThread.thread_ts;
  renderAll();
}

function connect() {
  const socket = new WebSocket(`ws://${location.host}/api/live`);
  socket.onopen = () => { $("#status").textContent = ""; loadState(); };
  socket.onmessage = (event) => applyChanges(JSON.parse(event.data));
  socket.onclose = () => {
    $("#status").textContent = "Reconnecting to the sandbox…";
    setTimeout(connect, 1000);
  };
}

// --- the composers ---

function composer(form, threadTs) {
  const pending = [];
  const textarea = form.querySelector("textarea");
  const chips = form.querySelector(".attachments");
  const error = form.querySelector(".error");
  const sendButton = form.querySelector(".send");
  const refresh = () => {
    chips.innerHTML = pending.map((f, i) => `<span class="chip">📎 ${window.SlackText.escapeHtml(f.name)}
      <small>${formatSize(f.size)}</small><button type="button" data-remove="${i}">×</button></span>`).join("");
    sendButton.disabled = !textarea.value.trim() && !pending.length;
  };
  const add = (files) => { pending.push(...files); error.textContent = ""; refresh(); };
  chips.addEventListener("click", (event) => {
    const index = event.target.dataset.remove;
    if (index !== undefined) { pending.splice(Number(index), 1); refresh(); }
  });
  form.querySelector(".attach").addEventListener("click", () => form.querySelector("input[type=file]").click());
  form.querySelector("input[type=file]").addEventListener("change", (event) => {
    add([...event.target.files]);
    event.target.value = "";
  });
  textarea.addEventListener("input", refresh);
  textarea.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length) { event.preventDefault(); add(files); }
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  const pane = form.closest(".pane");
  pane.addEventListener("dragover", (event) => { event.preventDefault(); pane.classList.add("dropping"); });
  pane.addEventListener("dragleave", () => pane.classList.remove("dropping"));
  pane.addEventListener("drop", (event) => {
    event.preventDefault();
    pane.classList.remove("dropping");
    add([...event.dataTransfer.files]);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value;
    if (!text.trim() && !pending.length) return;  // as in Slack: nothing to send
    sendButton.disabled = true;
    error.textContent = "";
    try {
      if (text.trim().startsWith("/")) {
        if (pending.length) throw new Error("with_files");
        await api("/api/command", { channel: state.current, text: text.trim() });
      } else {
        const files = [];
        for (const file of pending) files.push((await upload(file)).id);
        await api("/api/messages", { channel: state.current, text, files,
          thread_ts: threadTs() || undefined });
      }
      textarea.value = "";
      pending.length = 0;
    } catch (failure) {
      error.textContent = ERRORS[failure.message] || `Slack refused it: ${failure.message}`;
    }
    refresh();
  });
  refresh();
}

// --- clicks ---

document.addEventListener("click", async (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  const data = target.dataset;
  try {
    if (data.channel && target.classList.contains("channel")) {
      state.current = data.channel;
      state.thread = null;
      renderAll();
    } else if (data.open) {
      openThread(data.open);
    } else if (data.stop) {
      target.disabled = true;
      await api("/api/stop", { channel: data.channel, thread_ts: data.thread });
    } else if (data.kind) {  // 👍 or 👎
      target.parentElement.querySelectorAll(".chosen").forEach((b) => b.classList.remove("chosen"));
      target.classList.add("chosen");
      await api("/api/feedback", { channel: data.channel, ts: data.ts, value: data.kind });
    }
  } catch (failure) {
    $("#status").textContent = `Slack refused it: ${failure.message}`;
  }
});

$("#close-thread").addEventListener("click", () => {
  state.thread = null;
  renderAll();
  $("#composer textarea").focus();  // what is typed next goes to the channel
});

$("#person").addEventListener("change", (event) => {
  let user = event.target.value;
  if (user === "other") {
    user = (prompt("Slack user id to act as (like U0DAVE):", "U0DAVE") || "").trim().toUpperCase();
    if (!/^[UW][A-Z0-9]{2,20}$/.test(user)) { renderSidebar(); return; }
  }
  switchTo(user);
});

function switchTo(user) {
  state.me = user;
  state.thread = null;
  sessionStorage.setItem("sandbox-user", user);
  const url = new URL(location.href);
  url.searchParams.set("user", user);
  history.replaceState(null, "", url);
  loadState();
}

state.me = currentUser();
composer($("#composer"), () => null);
composer($("#thread-composer"), () => state.thread);
connect();
})();
