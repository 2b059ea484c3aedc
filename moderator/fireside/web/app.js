// The Fireside attendee page: protocol v1 over the hub's own websocket (docs/protocol.md).
// Every text from the hub or another attendee is put in the page with textContent only.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const VISIBLE = new Set(["approved", "on_air", "answered"]);
  const STATE_WORDS = {
    pending: "Waiting for approval", approved: "Approved", on_air: "On air now",
    answered: "Answered", rejected: "Not shown", was_on_air: "Was on air",
  };
  // Reconnect like fireside-ask: 0.5 s doubling to 10 s, each cut by up to a half.
  const BACKOFF_BASE = 500, BACKOFF_CAP = 10000;

  // --- storage: one client_id per hub (localStorage is per origin, so per host:port) ---
  const memory = new Map();
  const store = {
    get(key) { try { return localStorage.getItem(key); } catch { return memory.get(key) ?? null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch { memory.set(key, value); } },
  };
  const hex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0")).join("");
  let clientId = store.get("fireside.client_id");
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(clientId || "")) {
    clientId = hex(16);  // 128 random bits
    store.set("fireside.client_id", clientId);
  }

  // --- text: the same cleaning as fireside_ask/text.py, so the count is the hub's ---
  const SEQUENCES = new RegExp([
    "(?:\\x1b\\]|\\x9d)[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c|$)",
    "(?:\\x1b[PX^_]|[\\x90\\x98\\x9e\\x9f])[^\\x1b\\x9c]*(?:\\x1b\\\\|\\x9c|$)",
    "(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?",
    "\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?",
  ].join("|"), "gu");
  const DROPPED = /^[\p{Cc}\p{Cf}\p{Cs}\p{Cn}]$/u;
  const PICTOGRAPHIC = /^[\p{So}\p{Sk}]$/u;
  const BREAKS = "\t\n\r\v\f\u2028\u2029\x85";
  const ZWJ = "\u200d";
  const pictographic = (c) => PICTOGRAPHIC.test(c) || c.codePointAt(0) >= 0x1f000;
  function clean(text) {
    const kept = [];
    for (const c of text.replace(SEQUENCES, "")) {  // for..of walks code points
      if (BREAKS.includes(c)) kept.push(" ");
      else if (c === ZWJ || !DROPPED.test(c)) kept.push(c);
    }
    const joined = kept.filter((c, i) => c !== ZWJ ||
      (i > 0 && i < kept.length - 1 && pictographic(kept[i - 1]) && pictographic(kept[i + 1])));
    return joined.join("").replace(/\s+/gu, " ").normalize("NFC").trim();
  }
  const codePoints = (s) => [...s].length;  // a "character" is a code point, not UTF-16

  // --- state, as the hub tells it ---
  const state = {
    session: {}, limits: { question_chars: 500, frame_bytes: 4096 },
    questions: new Map(), mine: new Map(), myVotes: new Set(), connected: 0,
    clock: null, clockAt: 0,
  };
  const pending = new Map();  // request_id -> request, resent after every reconnect
  let outbox = [];
  try { outbox = JSON.parse(store.get("fireside.outbox") || "[]"); } catch { outbox = []; }
  const saveOutbox = () => store.set("fireside.outbox", JSON.stringify(
    [...pending.values()].filter((m) => m.type === "ask")
      .map((m) => ({ request_id: m.request_id, text: m.text }))));
  for (const entry of outbox) {
    if (entry && typeof entry.request_id === "string" && typeof entry.text === "string") {
      pending.set(entry.request_id, { type: "ask", request_id: entry.request_id, text: entry.text });
    }
  }

  let ws = null, welcomed = false, stopped = false, lastError = null, delay = BACKOFF_BASE;
  let retryTimer = null, quickReconnect = false;

  function say(id, text) { $(id).textContent = text; }
  function notice(text) { say("notice", text); say("problem", ""); }
  function problem(text) { say("problem", text); say("notice", ""); }

  function send(message) {
    if (ws && welcomed && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function connect() {
    retryTimer = null;
    stopped = false;
    $("retry").hidden = true;
    say("connection", "Connecting…");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/`);
    ws = socket;
    welcomed = false;
    lastError = null;
    socket.onopen = () => {
      const hello = { type: "hello", protocol: 1, role: "attendee", client_id: clientId };
      const name = $("name").value.trim();
      if (name) hello.name = name;
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message && typeof message === "object" && socket === ws) receive(message);
    };
    socket.onclose = (event) => { if (socket === ws) closed(event); };
  }

  function closed(event) {
    ws = null;
    welcomed = false;
    const error = lastError;
    if (quickReconnect) { quickReconnect = false; connect(); return; }
    // A refusal is an error frame before the close (docs/protocol.md, "Browser clients").
    const fatal = error ? error.code !== "rate_limited" : event.code === 1008 || event.code === 1009;
    if (fatal) {
      stopped = true;
      say("connection", "Disconnected.");
      problem((error && error.message) || event.reason || "The hub closed the connection.");
      $("retry").hidden = false;
      return;
    }
    const wait = delay * (0.5 + Math.random() / 2);
    delay = Math.min(BACKOFF_CAP, delay * 2);
    const why = error ? `${error.message} ` : "";
    say("connection", `${why}Reconnecting in ${Math.ceil(wait / 1000)} s…`);
    retryTimer = setTimeout(connect, wait);
  }

  function receive(m) {
    switch (m.type) {
      case "welcome": return welcome(m);
      case "ack": return ack(m);
      case "error": return refused(m);
      case "question": return question(m.question);
      case "question_removed": return removed(m);
      case "votes":
        for (const [id, votes] of Object.entries(m.counts || {})) {
          for (const map of [state.questions, state.mine]) {
            const q = map.get(Number(id));
            if (q) q.votes = votes;
          }
        }
        return render();
      case "on_air":
        if (m.question) question(m.question);
        return render();
      case "clock": state.clock = m; state.clockAt = performance.now(); return render();
      case "presence": state.connected = m.connected; return render();
      default: return undefined;  // newer hubs may say more: ignore what is not known
    }
  }

  function welcome(m) {
    welcomed = true;
    delay = BACKOFF_BASE;
    state.session = m.session || {};
    Object.assign(state.limits, m.limits || {});
    state.connected = m.connected || 0;
    state.questions = new Map((m.questions || []).map((q) => [q.id, q]));
    state.mine = new Map((m.mine || []).map((q) => [q.id, q]));
    state.myVotes = new Set(m.my_votes || []);
    if (m.clock) { state.clock = m.clock; state.clockAt = performance.now(); }
    say("problem", "");
    for (const request of pending.values()) send(request);  // same request_id: no doubles
    render();
    updateCount();
  }

  function ack(m) {
    const request = pending.get(m.request_id);
    if (!request) return;
    pending.delete(m.request_id);
    if (request.type === "ask") {
      saveOutbox();
      const mine = state.mine.get(m.question_id) ||
        { id: m.question_id, text: request.text, state: m.state, votes: 0 };
      state.mine.set(m.question_id, mine);
      notice(m.state === "approved"
        ? `Your question #${m.question_id} was received and is listed.`
        : `Your question #${m.question_id} was received; a moderator will look at it.`);
    } else if (request.type === "vote") {
      if (request.up) state.myVotes.add(m.question_id); else state.myVotes.delete(m.question_id);
      const q = state.questions.get(m.question_id);
      if (q && Number.isInteger(m.votes)) q.votes = m.votes;
    }
    render();
  }

  function refused(m) {
    const request = pending.get(m.request_id);
    if (!request) {
      lastError = m;  // a refusal of the connection: the close follows
      return problem(m.message || "The hub refused.");
    }
    pending.delete(m.request_id);
    if (request.type === "ask") {
      saveOutbox();
      if (!$("question").value) { $("question").value = request.text; updateCount(); }
    }
    problem(m.message || "The hub refused the request.");
    render();
  }

  function question(q) {
    if (!q || !Number.isInteger(q.id)) return;
    const known = state.questions.has(q.id);
    if (VISIBLE.has(q.state) && q.merged_into == null) {
      state.questions.set(q.id, q);
      if (!known && welcomed) say("announce", `New question: ${q.text}`);
    } else {
      state.questions.delete(q.id);
    }
    if (state.mine.has(q.id) || q.state === "pending") state.mine.set(q.id, q);
    render();
  }

  function removed(m) {
    state.questions.delete(m.id);
    const mine = state.mine.get(m.id);
    if (mine && m.merged_into != null) mine.merged_into = m.merged_into;
    else state.mine.delete(m.id);
    render();
  }

  // --- drawing: plain DOM, text only ---
  // Once the session has ended nothing is on stage: the question left on air is history
  // (fireside-ask says the same), so it is neither lit, nor first, nor "On air now".
  function shownState(q) {
    const ended = state.clock && state.clock.state === "finished";
    return q.state === "on_air" && ended ? "was_on_air" : q.state;
  }

  let drawing = false;
  function render() {
    if (drawing) return;
    drawing = true;
    requestAnimationFrame(draw);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function draw() {
    drawing = false;
    const title = state.session.title || "Fireside";
    say("title", title);
    document.title = `${title}: ask a question`;
    say("connection", welcomed ? `Connected · ${state.connected} here` : $("connection").textContent);
    drawSegment();
    const order = (q) =>
      [shownState(q) === "on_air" ? 0 : 1, q.pinned ? 0 : 1, -(q.votes || 0), q.id];
    const shown = [...state.questions.values()].sort((a, b) => {
      const x = order(a), y = order(b);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
      return 0;
    });
    const list = $("questions");
    list.replaceChildren(...shown.map(item));
    $("empty").hidden = shown.length > 0;
    const mine = [...state.mine.values()].sort((a, b) => b.id - a.id);
    $("mine").replaceChildren(...mine.map(mineItem));
    $("mine-section").hidden = mine.length === 0;
  }

  function item(q) {
    const shown = shownState(q);
    const li = el("li", shown === "on_air" ? "on-air" : "");
    li.dataset.id = q.id;
    const voted = state.myVotes.has(q.id);
    const button = el("button", "vote");
    button.type = "button";
    button.setAttribute("aria-pressed", String(voted));
    button.setAttribute("aria-label",
      `${voted ? "Take back your vote for" : "Vote for"} question ${q.id}, ${q.votes || 0} votes`);
    button.append(el("span", "", "▲"), el("span", "count", String(q.votes || 0)));
    button.addEventListener("click", () => vote(q.id, !voted, button));
    const body = el("div", "text", q.text);
    const meta = [`#${q.id}`];
    if (q.name) meta.push(q.name);
    if (shown !== "approved") meta.push(STATE_WORDS[shown] || shown);
    body.append(el("span", "meta", meta.join(" · ")));
    li.append(button, body);
    return li;
  }

  function mineItem(q) {
    const shown = shownState(q);
    const li = el("li", shown === "on_air" ? "on-air" : "");
    li.dataset.id = q.id;
    const body = el("div", "text", q.text);
    const word = q.merged_into != null ? `Merged into #${q.merged_into}`
      : STATE_WORDS[shown] || shown;
    const meta = el("span", "meta", `#${q.id} · `);
    meta.append(el("span", "state", word));
    body.append(meta);
    li.append(body);
    return li;
  }

  function drawSegment() {
    const clock = state.clock;
    if (!clock) return say("segment", "");
    if (clock.state === "finished") return say("segment", "The session has ended. Thank you!");
    const title = clock.segment && clock.segment.title ? clock.segment.title : "";
    if (clock.state === "ready") return say("segment", title ? `Starting soon: ${title}` : "Starting soon");
    let elapsed = clock.elapsed || 0;
    if (clock.state === "running") elapsed += (performance.now() - state.clockAt) / 1000;
    const left = Math.round((clock.allowance || 0) - elapsed);
    const time = left >= 0 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left`
      : "overtime";
    say("segment", `Now: ${title} · ${clock.state === "paused" ? "paused" : time}`);
  }

  // --- actions ---
  function request(message) {
    pending.set(message.request_id, message);
    send(message);
  }

  function vote(id, up, button) {
    button.disabled = true;
    request({ type: "vote", request_id: `w${hex(10)}`, question_id: id, up });
  }

  function updateCount() {
    const count = codePoints(clean($("question").value));
    const limit = state.limits.question_chars;
    say("count", `${count} / ${limit} characters`);
    $("count").classList.toggle("over", count > limit);
  }

  $("question").addEventListener("input", updateCount);
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = clean($("question").value);
    const count = codePoints(text), limit = state.limits.question_chars;
    if (!text) return problem("The question is empty.");
    if (count > limit) return problem(`The question has ${count} characters; the limit is ${limit}.`);
    const message = { type: "ask", request_id: `w${hex(10)}`, text };
    const bytes = new TextEncoder().encode(JSON.stringify(message)).length;
    if (bytes > state.limits.frame_bytes) {
      return problem(`The question is ${bytes} bytes once encoded; the hub accepts ${state.limits.frame_bytes}. Please shorten it.`);
    }
    request(message);
    saveOutbox();
    $("question").value = "";
    updateCount();
    notice(welcomed ? "Sending…" : "Kept: it is sent as soon as the connection is back.");
  });
  $("name").value = store.get("fireside.name") || "";
  $("name").addEventListener("change", () => {
    store.set("fireside.name", $("name").value.trim());
    // The name is said in hello: reconnect at once so that the next question carries it.
    if (ws && welcomed) { quickReconnect = true; ws.close(1000); }
  });
  $("retry").addEventListener("click", () => { if (stopped && !ws) connect(); });
  setInterval(() => { if (state.clock && state.clock.state === "running") drawSegment(); }, 1000);
  updateCount();
  connect();
})();
