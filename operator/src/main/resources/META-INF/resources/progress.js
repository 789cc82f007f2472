// The progress page: polls the operator's read-only JSON (/api/resources...) and renders it. No framework: the page is a
// list and a detail view, refreshed every 2 s.
"use strict";
const view = document.getElementById("view");
const updated = document.getElementById("updated");
let page = 0;

function esc(s) {
  return s == null ? "" : String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}
function secs(n) {
  if (n == null) return "";
  const h = Math.floor(n / 3600), m = Math.floor(n % 3600 / 60), s = n % 60;
  return (h ? h + "h " : "") + (h || m ? m + "m " : "") + s + "s";
}
function bar(t) {
  if (!t || !t.total) return "";
  const pct = n => (100 * n / t.total).toFixed(1) + "%";
  const ok = t.succeeded, bad = t.failed, run = t.running;
  return `<span class="bar" title="${ok} done, ${bad} failed, ${run} running, ${t.waiting} waiting">`
    + `<span class="ok" style="left:0;width:${pct(ok)}"></span>`
    + `<span class="bad" style="left:${pct(ok)};width:${pct(bad)}"></span>`
    + `<span class="run" style="left:${pct(ok + bad)};width:${pct(run)}"></span></span>`;
}
function counts(t) {
  return t ? `${t.succeeded} done · ${t.running} running · ${t.waiting} waiting · ${t.failed} failed` : "";
}
function slots(s) {
  return s.slots == null ? "" : `${s.slotsUsed ?? 0} / ${s.slots}`;
}

async function list() {
  const rs = await (await fetch("api/resources")).json();
  if (!rs.length) { view.innerHTML = '<p class="muted">No SpatialLoad or EnergySimulationBatch yet.</p>'; return; }
  view.innerHTML = `<table id="resources"><tr><th>resource</th><th>phase</th><th>progress</th><th></th><th>slots</th>`
    + `<th>elapsed</th><th>ETA</th><th>message</th></tr>`
    + rs.map(s => `<tr data-name="${esc(s.name)}"><td><a href="#/${esc(s.kind)}/${esc(s.namespace)}/${esc(s.name)}">`
      + `${esc(s.namespace)}/${esc(s.name)}</a><div class="muted">${esc(s.kind)}</div></td>`
      + `<td class="phase ${esc(s.phase)}">${esc(s.phase)}</td><td>${bar(s.tasks)}<div class="muted counts">${counts(s.tasks)}</div></td>`
      + `<td class="num progress">${esc(s.progress)}</td><td class="num">${slots(s)}</td><td class="num">${secs(s.elapsedSeconds)}</td>`
      + `<td>${esc(s.eta)}</td><td class="msg">${esc(s.message)}${s.stalled ? `<div class="stalled">Stalled: ${esc(s.stalled)}</div>` : ""}</td></tr>`).join("")
    + `</table>`;
}

function taskTable(rows, withRows) {
  return `<table><tr><th>task</th><th>phase</th><th>attempts</th><th>pod</th><th>node</th><th>for</th>`
    + (withRows ? `<th>rows</th>` : "") + `<th>message</th></tr>`
    + rows.map(t => `<tr><td>${esc(t.id)}</td><td class="phase ${esc(t.phase)}">${esc(t.phase)}</td><td class="num">${esc(t.attempts)}</td>`
      + `<td>${esc(t.pod)}<div class="muted">${esc(t.podPhase)}</div></td><td>${esc(t.node)}</td><td class="num">${secs(t.seconds)}</td>`
      + (withRows ? `<td class="num">${esc(t.rows)}</td>` : "") + `<td class="msg">${esc(t.message)}</td></tr>`).join("") + `</table>`;
}

async function detail(kind, ns, name) {
  const res = await fetch(`api/resources/${encodeURIComponent(kind)}/${encodeURIComponent(ns)}/${encodeURIComponent(name)}?page=${page}`);
  if (res.status === 404) { view.innerHTML = `<p>${esc(kind)} ${esc(ns)}/${esc(name)} is gone.</p>`; return; }
  const d = await res.json();
  const s = d.summary, a = d.aggregate || {};
  let agg = "";
  if (a.links) {
    agg = `<table><tr><th>child</th><th>parent</th><th>linked</th><th>orphans</th></tr>` + a.links.map(l =>
      `<tr><td>${esc(l.child)}</td><td>${esc(l.parent)}</td><td class="num">${esc(l.linked)}</td><td class="num">${esc(l.orphans)}</td></tr>`).join("") + `</table>`;
  } else if (a.best) {
    agg = `<p class="kv"><span>best: <b>${esc(a.best)}</b></span><span>savings: ${esc(a.bestSavingsPercent)} %</span>`
      + `<span>EUI min / median / max: ${esc(a.minEui)} / ${esc(a.medianEui)} / ${esc(a.maxEui)} MJ/m²</span><span>view: ${esc(a.view)}</span></p>`;
  }
  const pager = d.pages > 1 ? `<p>page ${d.page + 1} of ${d.pages} (${d.taskRows} rows) `
    + `<button onclick="page=Math.max(0,page-1);render()">prev</button> <button onclick="page=page+1;render()">next</button></p>` : "";
  view.innerHTML = `<h2>${esc(s.kind)} ${esc(s.namespace)}/${esc(s.name)}</h2>`
    + `<p class="kv"><span class="phase ${esc(s.phase)}" id="phase">${esc(s.phase)}</span><span>${bar(s.tasks)}</span>`
    + `<span id="progress">${esc(s.progress)}</span><span>${counts(s.tasks)}</span><span>slots ${slots(s)}</span>`
    + `<span>elapsed ${secs(s.elapsedSeconds)}</span>${s.eta ? `<span>ETA ${esc(s.eta)}</span>` : ""}</p>`
    + `<p class="msg">${esc(s.message)}</p>${s.stalled ? `<p class="stalled">Stalled: ${esc(s.stalled)}</p>` : ""}`
    + (d.failures.length ? `<h3>Failures</h3>` + taskTable(d.failures, false).replace("<table>", '<table id="failures">') : "")
    + `<h3>${s.kind === "SpatialLoad" ? "Layers" : "Running"}</h3>` + pager + taskTable(d.tasks, s.kind === "SpatialLoad")
    + (agg ? `<h3>Aggregate ${esc(a.phase)}</h3>${a.message ? `<p class="msg">${esc(a.message)}</p>` : ""}${agg}` : "")
    + `<h3>Events</h3><table>${d.events.map(e => `<tr><td class="muted">${esc(e.time)}</td><td>${esc(e.type)}</td>`
      + `<td>${esc(e.reason)}</td><td class="msg">${esc(e.message)}</td></tr>`).join("")}</table>`;
}

async function render() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  try {
    if (parts.length === 3 && parts[0]) await detail(parts[0], parts[1], parts[2]); else await list();
    updated.textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    updated.textContent = "not updated: " + e;
  }
}
window.addEventListener("hashchange", () => { page = 0; render(); });
render();
setInterval(render, 2000);
