// Read-only viewer. Everything that comes from guests is inserted with textContent, never as markup.
"use strict";
(function () {
  const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
  const MAX_ROWS = 5000;
  const token = new URLSearchParams(location.search).get("token") || "";
  const records = document.getElementById("records");
  const filter = document.getElementById("filter");
  const level = document.getElementById("level");
  const status = document.getElementById("status");
  const count = document.getElementById("count");
  let received = 0;

  function text(tag, cls, value) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value == null ? "" : String(value);
    return el;
  }

  function visible(row) {
    const needle = filter.value.trim().toLowerCase();
    const atLeast = LEVELS.indexOf(row.dataset.level) >= LEVELS.indexOf(level.value);
    return atLeast && (needle === "" || row.dataset.search.includes(needle));
  }

  function applyFilter() {
    for (const row of records.children) row.hidden = !visible(row);
  }

  function addRecord(r) {
    const row = document.createElement("div");
    row.className = "rec level-" + (LEVELS.includes(r.level) ? r.level : "INFO");
    row.dataset.level = r.level;
    row.dataset.unikernel = r.unikernel;
    row.appendChild(text("span", "time", r.time));
    row.appendChild(text("span", "uk", r.unikernel));
    row.appendChild(text("span", "lvl", r.level));
    row.appendChild(text("span", "origin", r.origin));
    if (r.logger) row.appendChild(text("span", "logger", r.logger));
    row.appendChild(text("span", "msg", r.message));
    if (Array.isArray(r.attributes)) {
      for (const a of r.attributes) row.appendChild(text("span", "attr", a.key + "=" + (typeof a.value === "string" && a.type !== "str" && a.type !== "bytes" ? a.value : JSON.stringify(a.value))));
    }
    row.dataset.search = (r.unikernel + " " + (r.logger || "") + " " + r.message).toLowerCase();
    row.hidden = !visible(row);
    const atBottom = records.scrollTop + records.clientHeight >= records.scrollHeight - 5;
    records.appendChild(row);
    while (records.children.length > MAX_ROWS) records.removeChild(records.firstChild);
    if (atBottom) records.scrollTop = records.scrollHeight;
    received++;
    count.textContent = received + " records";
  }

  function renderUnikernels(list) {
    const body = document.querySelector("#unikernels tbody");
    body.replaceChildren();
    for (const u of list) {
      const tr = document.createElement("tr");
      tr.appendChild(text("td", "name", u.name));
      tr.appendChild(text("td", "state-" + u.state, u.state));
      tr.appendChild(text("td", "", u.backend));
      tr.appendChild(text("td", "", u.restarts));
      tr.appendChild(text("td", "", u.connected ? "connected" : "-"));
      tr.appendChild(text("td", "", u.exit || ""));
      body.appendChild(tr);
    }
  }

  async function poll() {
    try {
      const res = await fetch("api/unikernels?token=" + encodeURIComponent(token), { cache: "no-store" });
      if (res.ok) renderUnikernels(await res.json());
    } catch (e) { /* the monitor may be gone; keep the last list */ }
  }

  async function connect() {
    const info = await (await fetch("api/gateway?token=" + encodeURIComponent(token))).json();
    const ws = new WebSocket("ws://" + location.hostname + ":" + info.wsPort + "/logs?token=" + encodeURIComponent(token));
    ws.onopen = () => { status.textContent = "live"; };
    ws.onclose = () => { status.textContent = "disconnected"; };
    ws.onmessage = (ev) => {
      try { addRecord(JSON.parse(ev.data)); } catch (e) { /* not a record */ }
    };
  }

  // The address may carry the initial filter and level (?filter=...&level=WARN), e.g. in a shared link.
  const params = new URLSearchParams(location.search);
  if (params.get("filter")) filter.value = params.get("filter");
  if (LEVELS.includes(params.get("level"))) level.value = params.get("level");
  filter.addEventListener("input", applyFilter);
  level.addEventListener("change", applyFilter);
  poll();
  setInterval(poll, 1000);
  connect().catch((e) => { status.textContent = "cannot connect: " + e; });
})();
