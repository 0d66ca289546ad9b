// The node's web page: three views over the public API, no framework and no build step.
// Everything is built with createElement/textContent, never innerHTML, so labels, ids and sources
// (which come from whoever wrote to the memory) cannot inject markup.
"use strict";

const KEY_STORAGE = "visualmemory.apiKey";
const views = ["memories", "cluster", "classify"];
const $ = (id) => document.getElementById(id);

let memories = [];         // the last GET /v1/memories answer, local and distributed together
let previewUrl = null;     // the query image's blob: URL, revoked when replaced

// ---------- HTTP ----------

/** The API key field's value, sent on every request when set (nodes with keys enabled refuse requests without one). */
function authHeaders() {
  const key = localStorage.getItem(KEY_STORAGE);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** A readable message from an RFC 7807 problem (title, detail and every field error), or the status line. */
async function problemText(response) {
  let text = `${response.status} ${response.statusText}`.trim();
  try {
    const problem = await response.json();
    const parts = [problem.title, problem.detail].filter(Boolean);
    if (problem.errors) {
      for (const [field, messages] of Object.entries(problem.errors)) {
        parts.push(`${field}: ${[].concat(messages).join("; ")}`);
      }
    }
    if (parts.length) text = `${response.status}: ${parts.join("\n")}`;
  } catch {
    // Not JSON (a proxy's page, an empty body): the status line says what there is to say.
  }
  return text;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { Accept: "application/json", ...authHeaders(), ...(options.headers || {}) } });
  if (!response.ok) throw new Error(await problemText(response));
  return response.json();
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

// ---------- small DOM helpers ----------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name in node && !name.startsWith("aria") && !name.startsWith("data")) node[name] = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function td(content, className) {
  const cell = el("td", className ? { class: className } : {});
  cell.append(content ?? "");
  return cell;
}

function bytes(n) {
  if (!Number.isFinite(n)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

const number = (n) => Number(n).toLocaleString("en");
const fixed = (n, digits = 3) => Number(n).toFixed(digits);
const pill = (text, kind) => el("span", { class: `pill ${kind}`, text });

function bar(fraction, label) {
  const outer = el("span", { class: "bar", role: "img", "aria-label": label });
  const inner = el("span");
  // Through the CSSOM: the page's Content-Security-Policy refuses inline style attributes.
  inner.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  outer.append(inner);
  return outer;
}

// ---------- Memories ----------

async function loadMemories() {
  const list = await api("/v1/memories");
  memories = [
    ...list.memories.map((m) => ({ ...m, distributed: false })),
    ...(list.distributed || []).map((m) => ({ ...m, distributed: true })),
  ];
  renderMemories();
  renderMemoryChoices();
}

function renderMemories() {
  const body = $("memories-table").tBodies[0];
  body.replaceChildren();
  $("memories-empty").hidden = memories.length > 0;
  $("memories-table").hidden = memories.length === 0;
  for (const m of memories) {
    const row = el("tr", { class: "selectable", tabIndex: 0, "data-memory": m.name, "aria-selected": "false" });
    const state = m.distributed ? pill("cluster", "ok") : m.lastSealError ? pill("seal failed", "bad") : pill(m.trained ? "trained" : "ready", "ok");
    if (m.lastSealError) state.title = m.lastSealError;
    row.append(
      td(el("strong", { text: m.name })),
      td(m.distributed ? "–" : number(m.count), "num count"),
      td(String(m.dimension), "num"),
      td(el("code", { text: m.index })),
      td(m.model ? m.model.name : "—"),
      td(String(m.distributed ? m.shardCount : m.shards), "num"),
      td(m.distributed ? "–" : String(m.labels), "num"),
      td(bytes(m.distributed ? m.shards.reduce((s, x) => s + x.storedBytes, 0) : m.storage.storedBytes), "num"),
      td(m.distributed ? "–" : bytes(m.storage.ramBytes), "num"),
      td(state),
    );
    if (m.model) row.cells[4].title = `sha256 ${m.model.sha256}`;
    const open = () => showMemory(m.name).catch((e) => showError(e.message));
    row.addEventListener("click", open);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); } });
    body.append(row);
  }
}

async function showMemory(name) {
  const m = await api(`/v1/memories/${encodeURIComponent(name)}`);
  for (const row of $("memories-table").tBodies[0].rows) row.setAttribute("aria-selected", String(row.dataset.memory === name));
  $("memory-detail").hidden = false;
  const body = $("shards-table").tBodies[0];
  body.replaceChildren();
  if (m.shardStats) {
    $("memory-detail-title").textContent = `${m.name}: ${number(m.count)} items in ${m.shards} shards, ${m.storage.durable ? "durable" : "in memory only"}, ` +
      `${m.storage.logRecords} log records (${bytes(m.storage.logBytes)})${m.storage.pendingForgets ? `, ${m.storage.pendingForgets} pending forgets` : ""}`;
    for (const s of m.shardStats) {
      body.append(el("tr", {},
        td(String(s.shard), "num"), td(number(s.items), "num"), td(String(s.sealedSegments), "num"), td(number(s.sealedItems), "num"),
        td(number(s.growingItems), "num"), td(number(s.tombstones), "num"), td(String(s.storedSegments), "num"), td(number(s.logRecords), "num")));
    }
  } else {
    $("memory-detail-title").textContent = `${m.name}: spread over the cluster (see the Cluster view for its shards)`;
  }
}

// ---------- Cluster ----------

async function loadCluster() {
  const [nodes, placement] = await Promise.all([api("/v1/cluster/nodes"), api("/v1/cluster/placement")]);
  const alive = nodes.nodes.filter((n) => n.alive).length;
  const controller = nodes.controller ? `controller ${nodes.controller.holder} (epoch ${nodes.controller.epoch})` : "no controller";
  $("cluster-summary").textContent = `This page is served by ${nodes.self}. ${alive} of ${nodes.nodes.length} nodes alive; ${controller}.`;

  const body = $("nodes-table").tBodies[0];
  body.replaceChildren();
  for (const n of nodes.nodes) {
    const state = n.draining ? pill("draining", "draining") : n.alive ? pill("alive", "ok") : pill("down", "bad");
    const name = el("span", { text: n.name });
    if (n.name === nodes.self) name.append(" ", pill("this node", ""));
    body.append(el("tr", { "data-node": n.name },
      td(name), td(state), td(n.roles), td(el("code", { text: n.address })), td(bytes(n.bytesHosted), "num"),
      td(new Date(n.lastHeartbeatAt).toLocaleString())));
  }
  renderPlacement(placement.replicas, nodes.nodes.map((n) => n.name));
}

/** One grid per memory: a row per shard, a column per node, each cell the replica's state there. */
function renderPlacement(replicas, nodeNames) {
  const host = $("placement");
  host.replaceChildren();
  $("placement-empty").hidden = replicas.length > 0;
  const columns = [...new Set([...nodeNames, ...replicas.map((r) => r.node)])].sort();
  const byMemory = new Map();
  for (const r of replicas) {
    if (!byMemory.has(r.memory)) byMemory.set(r.memory, new Map());
    const shards = byMemory.get(r.memory);
    if (!shards.has(r.shard)) shards.set(r.shard, new Map());
    shards.get(r.shard).set(r.node, r);
  }
  for (const [memory, shards] of [...byMemory].sort((a, b) => a[0].localeCompare(b[0]))) {
    const head = el("tr", {}, el("th", { scope: "col", text: "Shard" }), ...columns.map((c) => el("th", { scope: "col", text: c })));
    const table = el("table", { class: "grid" }, el("caption", { text: memory }), el("thead", {}, head));
    const body = el("tbody");
    for (const [shard, cells] of [...shards].sort((a, b) => a[0] - b[0])) {
      const row = el("tr", {}, el("th", { scope: "row", text: String(shard) }));
      for (const node of columns) {
        const r = cells.get(node);
        row.append(td(r ? pill(r.state, r.state) : el("span", { class: "muted", text: "·", "aria-label": "no replica" })));
      }
      body.append(row);
    }
    table.append(body);
    host.append(el("div", { class: "table-wrap" }, table));
  }
}

// ---------- Classify ----------

function renderMemoryChoices() {
  const select = $("classify-memory");
  const previous = select.value;
  // Only memories that embed images can classify one; a distributed memory's model is not in the listing,
  // so it is offered too and the node says so if it takes no images.
  const usable = memories.filter((m) => m.model || m.distributed);
  select.replaceChildren(...usable.map((m) => el("option", { value: m.name, text: m.model ? `${m.name} (model ${m.model.name})` : `${m.name} (cluster)` })));
  if (usable.some((m) => m.name === previous)) select.value = previous;
  $("classify-no-model").hidden = usable.length > 0;
}

function showPreview(file) {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(file);
  $("preview-image").src = previewUrl;
  $("preview-caption").textContent = `${file.name} · ${bytes(file.size)}`;
  $("preview").hidden = false;
}

let currentFile = null;

async function classify(file) {
  if (!file) return;
  currentFile = file;
  showPreview(file);
  const memory = $("classify-memory").value;
  if (!memory) { showError("Choose a memory that has an embedding model."); return; }
  const form = new FormData();
  form.append("image", file, file.name);
  form.append("k", $("classify-k").value);
  form.append("aggregation", $("classify-aggregation").value);
  form.append("explain", "true");
  $("classify-status").textContent = "Classifying…";
  $("classify-status").hidden = false;
  $("prediction").hidden = true;
  $("neighbours-block").hidden = true;
  try {
    const result = await api(`/v1/memories/${encodeURIComponent(memory)}/classify`, { method: "POST", body: form });
    showError("");
    renderResult(result);
  } catch (e) {
    $("classify-status").textContent = "The node could not classify this image.";
    showError(e.message);
  }
}

function renderResult(result) {
  $("classify-status").hidden = true;
  $("prediction").hidden = false;
  $("predicted-label").textContent = result.label;
  $("predicted-confidence").textContent = `${(result.confidence * 100).toFixed(1)} %`;

  const scores = Object.entries(result.scores).sort((a, b) => b[1] - a[1]);
  const top = scores.length ? scores[0][1] : 1;
  const total = scores.reduce((s, [, v]) => s + v, 0) || 1;
  $("scores").replaceChildren(...scores.map(([label, score]) =>
    el("li", { class: label === result.label ? "winner" : "" },
      el("span", { text: label }),
      bar(top > 0 ? score / top : 0, `${label}: ${(score / total * 100).toFixed(1)} % of the vote`),
      el("span", { class: "value", text: fixed(score) }))));

  const neighbours = result.neighbors || [];
  const maxWeight = Math.max(...neighbours.map((n) => n.weight), 0) || 1;
  const body = $("neighbours-table").tBodies[0];
  body.replaceChildren();
  neighbours.forEach((n, i) => {
    body.append(el("tr", { class: "neighbour" },
      td(String(i + 1), "num"),
      td(sourceCell(n)),
      td(n.label === result.label ? el("strong", { text: n.label }) : n.label),
      td(fixed(n.similarity), "num"),
      td(el("span", { class: "weight" }, bar(n.weight / maxWeight, `weight ${fixed(n.weight)}`), el("span", { class: "num", text: fixed(n.weight) }))),
      td(fixed(n.reliability, 2), "num")));
  });
  $("neighbours-block").hidden = neighbours.length === 0;
}

/** A neighbour's picture when its source names one we can load (http(s) URL or a path on this node); else its id and source. */
function sourceCell(n) {
  const source = n.source || "";
  const text = () => {
    const span = el("span", { class: "vector-only", text: source ? `#${n.id} · ${source}` : `#${n.id}` });
    span.title = "The memory stores this item's vector, not its image; no image URL was recorded as its source.";
    return span;
  };
  if (!/^(https?:\/\/|\/(?!\/))/i.test(source)) return text();
  const image = el("img", { class: "thumb", alt: `item ${n.id} (${n.label})`, src: source, loading: "lazy", referrerPolicy: "no-referrer" });
  image.title = `#${n.id} · ${source}`;
  // A source that is not an image, or not reachable from this browser, falls back to the id.
  image.addEventListener("error", () => image.replaceWith(text()));
  return el("span", {}, image, " ", el("span", { text: `#${n.id}` }));
}

function setUpClassify() {
  const input = $("classify-file");
  input.addEventListener("change", () => classify(input.files[0]));
  const drop = $("drop");
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    const file = [...e.dataTransfer.files].find((f) => f.type.startsWith("image/")) || e.dataTransfer.files[0];
    classify(file);
  });
  // Changing k or the aggregation re-asks for the same image, so one can watch the vote change.
  for (const id of ["classify-k", "classify-aggregation", "classify-memory"]) {
    $(id).addEventListener("change", () => { if (currentFile) classify(currentFile); });
  }
  $("classify-form").addEventListener("submit", (e) => e.preventDefault());
}

// ---------- navigation ----------

async function show(view) {
  if (!views.includes(view)) view = "memories";
  for (const v of views) {
    $(`view-${v}`).hidden = v !== view;
    // Plain links between views of one page: the current one is marked for screen readers and styled by it.
    if (v === view) $(`tab-${v}`).setAttribute("aria-current", "page");
    else $(`tab-${v}`).removeAttribute("aria-current");
  }
  try {
    if (view === "cluster") await loadCluster();
    else await loadMemories();
    if (view !== "classify") showError("");
  } catch (e) {
    showError(e.message);
  }
}

function setUpKey() {
  const field = $("api-key");
  field.value = localStorage.getItem(KEY_STORAGE) || "";
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (field.value) localStorage.setItem(KEY_STORAGE, field.value);
    else localStorage.removeItem(KEY_STORAGE);
    show(location.hash.slice(1));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpKey();
  setUpClassify();
  $("refresh-memories").addEventListener("click", () => show("memories"));
  $("refresh-cluster").addEventListener("click", () => show("cluster"));
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  show(location.hash.slice(1));
});
