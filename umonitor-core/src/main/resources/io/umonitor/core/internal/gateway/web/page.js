// Read-only viewer. Everything that comes from guests is inserted with textContent, never as markup.
"use strict";
(function () {
  const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
  const MAX_ROWS = 5000;
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  const $ = (id) => document.getElementById(id);
  const records = $("records"), filter = $("filter"), level = $("level"), status = $("status"), count = $("count");
  const from = $("from"), to = $("to"), pauseButton = $("pause"), errorBox = $("error");
  const hiddenGuests = new Set((params.get("hide") || "").split(",").filter((s) => s));
  const seen = new Set();      // keys of records shown, so a reconnect's replayed history is not shown twice
  let held = [];               // records that arrived while paused
  let paused = params.get("paused") === "1";
  // retries: failed attempts since the last open connection (the back-off); reconnected: live again after a loss.
  let connected = false, retries = 0, everConnected = false, reconnected = false;

  function setStatus(text, kind) {
    status.textContent = text;
    status.className = "status-" + kind;
  }

  function fail(message) {
    setStatus("not connected", "error");
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function text(tag, cls, value) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value == null ? "" : String(value);
    return el;
  }

  // datetime-local gives local time without zone; records carry UTC ISO times with microseconds.
  function bound(input) {
    return input.value ? new Date(input.value).getTime() : null;
  }

  function visible(row) {
    const needle = filter.value.trim().toLowerCase();
    if (LEVELS.indexOf(row.dataset.level) < LEVELS.indexOf(level.value)) return false;
    if (hiddenGuests.has(row.dataset.unikernel)) return false;
    const t = Number(row.dataset.millis), lo = bound(from), hi = bound(to);
    if ((lo !== null && t < lo) || (hi !== null && t > hi)) return false;
    return needle === "" || row.dataset.search.includes(needle);
  }

  function updateCount() {
    let shown = 0;
    for (const row of records.children) if (!row.hidden) shown++;
    count.textContent = shown + " of " + records.children.length + " records shown"
        + (held.length ? " (" + held.length + " held while paused)" : "");
  }

  function applyFilter() {
    for (const row of records.children) row.hidden = !visible(row);
    updateCount();
  }

  function attributesOf(r) {
    if (Array.isArray(r.attributes)) return r.attributes.map((a) => [a.key, a.value, a.type]);
    if (r.attributes && typeof r.attributes === "object") return Object.entries(r.attributes);
    return [];
  }

  function makeRow(r) {
    const row = document.createElement("div");
    row.className = "rec level-" + (LEVELS.includes(r.level) ? r.level : "INFO");
    row.dataset.level = r.level;
    row.dataset.unikernel = r.unikernel;
    row.dataset.time = r.time;
    row.dataset.millis = String(Date.parse(r.time));
    row.appendChild(text("span", "time", r.time.replace("T", " ").replace("Z", "")));
    const uk = text("span", "uk", r.unikernel);
    // Which run sent it (fleet identity): a short launch id and the restart count, on hover.
    if (r.launch) uk.title = "launch " + String(r.launch).slice(0, 8) + ", restart " + (r.restart || 0);
    row.appendChild(uk);
    row.appendChild(text("span", "lvl", r.level));
    row.appendChild(text("span", "origin", String(r.origin || "").toLowerCase()));
    const body = document.createElement("span");
    body.className = "body";
    if (r.logger) body.appendChild(text("span", "logger", "[" + r.logger + "]"));
    body.appendChild(text("span", "msg", r.message));
    const attrs = attributesOf(r);
    // 64-bit integers (and non-finite floats) arrive as strings to stay exact: show them bare, like numbers.
    for (const [k, v, type] of attrs) {
      const bare = typeof v === "string" && type !== "str" && type !== "bytes";
      body.appendChild(text("span", "attr", k + "=" + (bare ? v : JSON.stringify(v))));
    }
    row.appendChild(body);
    row.dataset.search = (r.unikernel + " " + (r.logger || "") + " " + r.message + " "
        + attrs.map(([k, v]) => k + "=" + v).join(" ")).toLowerCase();
    row.record = r;
    return row;
  }

  // History arrives guest by guest, live records interleave: every row goes to its place in time order.
  function insert(row) {
    let before = null;
    for (let el = records.lastElementChild; el; el = el.previousElementSibling) {
      if (el.dataset.time <= row.dataset.time) break;
      before = el;
    }
    records.insertBefore(row, before);
  }

  function addRecord(r) {
    const key = r.unikernel + "|" + r.time + "|" + (r.sequence == null ? "" : r.sequence) + "|" + r.message;
    if (seen.has(key)) return;
    seen.add(key);
    if (paused) {
      held.push(r);
      updateCount();
      return;
    }
    const row = makeRow(r);
    row.hidden = !visible(row);
    const atBottom = records.scrollTop + records.clientHeight >= records.scrollHeight - 5;
    insert(row);
    while (records.children.length > MAX_ROWS) records.removeChild(records.firstChild);
    if (atBottom) records.scrollTop = records.scrollHeight;
    updateCount();
    noteGuest(r.unikernel);
  }

  function setPaused(value) {
    paused = value;
    pauseButton.textContent = paused ? "Resume" : "Pause";
    if (!paused) {
      const pending = held;
      held = [];
      for (const r of pending) { seen.delete(r.unikernel + "|" + r.time + "|" + (r.sequence == null ? "" : r.sequence) + "|" + r.message); addRecord(r); }
    }
    showConnection();
    updateCount();
  }

  function showConnection() {
    if (!errorBox.hidden) return;
    if (paused) setStatus("paused: new records are held", "paused");
    else if (connected) setStatus(reconnected ? "live (reconnected)" : "live", "live");
  }

  // Per-guest toggles, in the unikernel table and for senders seen only in the stream.
  const known = new Set();
  function noteGuest(name) { known.add(name); }

  function toggle(name) {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !hiddenGuests.has(name);
    box.dataset.unikernel = name;
    box.title = "show " + name + "'s records";
    box.addEventListener("change", () => {
      if (box.checked) hiddenGuests.delete(name); else hiddenGuests.add(name);
      applyFilter();
    });
    return box;
  }

  /** Resident memory as umonitor stats shows it. */
  function mebibytes(n) {
    return (n / 1048576).toFixed(1) + " MiB";
  }

  function renderUnikernels(list) {
    const body = document.querySelector("#unikernels tbody");
    body.replaceChildren();
    const listed = new Set();
    for (const u of list) {
      listed.add(u.name);
      const tr = document.createElement("tr");
      const cell = document.createElement("td");
      cell.appendChild(toggle(u.name));
      tr.appendChild(cell);
      tr.appendChild(text("td", "name", u.name));
      tr.appendChild(text("td", "state-" + u.state, u.state));
      tr.appendChild(text("td", "", u.backend));
      tr.appendChild(text("td", "", u.restarts));
      tr.appendChild(text("td", "cpu", u.cpuPercent === undefined ? "-" : u.cpuPercent.toFixed(1)));
      tr.appendChild(text("td", "mem", u.rssBytes === undefined ? "-" : mebibytes(u.rssBytes)));
      tr.appendChild(text("td", "", u.connected ? "connected" : "-"));
      tr.appendChild(text("td", "", u.exit || ""));
      body.appendChild(tr);
    }
    for (const name of known) {
      if (listed.has(name)) continue;
      const tr = document.createElement("tr");
      const cell = document.createElement("td");
      cell.appendChild(toggle(name));
      tr.appendChild(cell);
      tr.appendChild(text("td", "name", name));
      tr.appendChild(text("td", "", "attached sender"));
      body.appendChild(tr);
    }
  }

  async function poll() {
    try {
      const res = await fetch("api/unikernels?token=" + encodeURIComponent(token), { cache: "no-store" });
      if (res.ok) renderUnikernels(await res.json());
    } catch (e) { /* the monitor may be gone; keep the last list */ }
  }

  function shownJsonLines() {
    const lines = [];
    for (const row of records.children) if (!row.hidden) lines.push(JSON.stringify(row.record));
    return lines.join("\n") + (lines.length ? "\n" : "");
  }

  function download() {
    const blob = new Blob([shownJsonLines()], { type: "application/x-ndjson" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "umonitor-logs.jsonl";
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  async function connect() {
    if (token === "") {
      fail("This page needs its viewer token: open the full address the monitor printed "
          + "(it ends in ?token=...), e.g. from `umonitor run --web`.");
      return;
    }
    let res;
    try {
      res = await fetch("api/gateway?token=" + encodeURIComponent(token), { cache: "no-store" });
    } catch (e) {
      return reconnectLater();
    }
    if (res.status === 401) {
      fail("The viewer token in this address is wrong (the monitor makes a new one each time it starts): "
          + "open the address the monitor printed this time.");
      return;
    }
    if (!res.ok) return reconnectLater();
    const info = await res.json();
    const ws = new WebSocket("ws://" + location.hostname + ":" + info.wsPort + "/logs?token=" + encodeURIComponent(token));
    ws.onopen = () => { connected = true; reconnected = everConnected; everConnected = true; retries = 0; showConnection(); };
    // Every close, also of an attempt that never opened (the monitor still unreachable), schedules the next try.
    ws.onclose = () => {
      connected = false;
      reconnectLater();
    };
    ws.onmessage = (ev) => {
      try { addRecord(JSON.parse(ev.data)); } catch (e) { /* not a record */ }
    };
  }

  function reconnectLater() {
    retries++;
    const delay = Math.min(10, retries);
    setStatus("disconnected: reconnecting in " + delay + " s (attempt " + retries + ")", "reconnecting");
    setTimeout(connect, delay * 1000);
  }

  // The address may carry the initial view: ?filter=...&level=WARN&hide=web-1,web-2&from=...&to=...&paused=1
  if (params.get("filter")) filter.value = params.get("filter");
  if (LEVELS.includes(params.get("level"))) level.value = params.get("level");
  if (params.get("from")) from.value = params.get("from");
  if (params.get("to")) to.value = params.get("to");
  for (const el of [filter, from, to]) el.addEventListener("input", applyFilter);
  level.addEventListener("change", applyFilter);
  pauseButton.addEventListener("click", () => setPaused(!paused));
  $("download").addEventListener("click", download);
  window.umonitorShownJsonLines = shownJsonLines; // for tests and the console
  setPaused(paused);
  poll();
  setInterval(poll, 1000);
  connect();
})();
