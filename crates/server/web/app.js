// The Fulcrum dashboard: controls → JSON API → charts and tables. No framework, no network beyond this server.
"use strict";

(function () {
  const { lineChart, svgText, pngBlob, fmt, el } = window.FulcrumChart;
  const $ = (id) => document.getElementById(id);
  const COLORS = ["#1f5fbf", "#d9822b", "#2e8b57"];
  const MEASURES = { goldstein_sum: "Goldstein sum", events: "events", goldstein_mean: "Goldstein mean", net_coop: "net cooperation", tone_mean: "mean tone" };
  const CHANGE_SERIES = ["events", "goldstein_sum", "goldstein_mean", "net_coop"];
  const PAGE_SIZE = 25;

  const view = { pair: 0, zoom: null, dyad: null, changes: null, forecasts: null, triad: null, triadIndex: null, selection: null, page: 1 };
  // Measures the forecasting models predict, and the name the forecast endpoint gives them.
  const FORECAST_TARGETS = { events: "events", goldstein_sum: "goldstein" };
  const HORIZON = 6;

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").classList.toggle("error", !!isError);
  }

  async function api(path, params) {
    const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== null && v !== undefined));
    const response = await fetch(`/api/${path}?${qs}`);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error ? body.error.message : `${response.status} ${response.statusText}`);
    return body;
  }

  window.FulcrumApi = api;

  function controls() {
    const v = (id) => $(id).value.trim();
    return {
      a: v("state-a"), b: v("state-b"), c: v("state-c"), from: v("from"), to: v("to"), by: v("by"),
      dedup: v("dedup"), measure: v("measure"), normalize: $("normalize").checked, forecast: $("forecast").checked,
    };
  }

  function windowParams(c) {
    return { from: c.from, to: c.to, by: c.by, dedup: c.dedup };
  }

  // The pair of states the dyad chart shows: A–B, A–C or B–C.
  function pairOf(c) {
    const pairs = [[c.a, c.b], [c.a, c.c], [c.b, c.c]];
    return pairs[view.pair] && pairs[view.pair][1] ? pairs[view.pair] : pairs[0];
  }

  function renderPairTabs(c) {
    const tabs = $("pair-tabs");
    tabs.textContent = "";
    const pairs = c.c ? [[c.a, c.b], [c.a, c.c], [c.b, c.c]] : [[c.a, c.b]];
    pairs.forEach(([x, y], i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = `${x}–${y}`;
      b.setAttribute("role", "tab");
      b.setAttribute("aria-selected", String(i === view.pair));
      b.addEventListener("click", () => { view.pair = i; view.zoom = null; showDyad(controls()); renderPairTabs(controls()); });
      tabs.appendChild(b);
    });
  }

  const xOf = (p) => Date.parse(p.start);

  function renderDyad() {
    const d = view.dyad;
    if (!d) return;
    const c = controls();
    const measure = c.measure;
    const cps = view.changes ? view.changes.directions.map((dir) => new Set(dir.change_points)) : [new Set(), new Set()];
    const series = d.directions.map((dir, k) => ({
      name: `${dir.source} → ${dir.target}`,
      color: COLORS[k],
      points: dir.points.map((p) => ({ x: xOf(p), y: p[measure], label: p.period, extra: `${fmt(p.events)} events`, raw: p })),
      markers: dir.points.filter((p) => cps[k].has(p.period)).map(xOf),
    }));
    for (const [k, f] of (view.forecasts || []).entries()) {
      if (!f) continue;
      const last = series[k].points[series[k].points.length - 1];
      const ahead = f.forecast.map((p) => ({ x: xOf(p), y: p.median, label: p.period, extra: `90%: ${fmt(p.q05)} … ${fmt(p.q95)}` }));
      series.push({
        name: `${f.source.code} → ${f.target.code} forecast`, color: COLORS[k], dash: "6 4", noDots: true,
        points: [{ x: last.x, y: last.y, label: last.label }, ...ahead],
        band: [{ x: last.x, lo: last.y, hi: last.y }, ...f.forecast.map((p) => ({ x: xOf(p), lo: p.q05, hi: p.q95 }))],
      });
    }
    const title = `${d.a.name} and ${d.b.name}: ${MEASURES[measure]}${d.normalized ? " per 1,000 events" : ""} by ${d.window.by}`;
    $("dyad-title").textContent = title;
    lineChart($("dyad-chart"), {
      title, series, zeroLine: measure !== "events", xDomain: view.zoom,
      yLabel: MEASURES[measure] + (d.normalized && ["events", "goldstein_sum"].includes(measure) ? " per 1,000" : ""),
      onZoom: (z) => { view.zoom = z; $("reset-zoom").disabled = !z; renderDyad(); },
      onSelect: (p, s, k) => selectPoint(p.raw, k),
    });
    $("reset-zoom").disabled = !view.zoom;
  }

  async function showDyad(c) {
    const [a, b] = pairOf(c);
    const params = { a, b, ...windowParams(c), normalize: c.normalize ? "true" : "" };
    view.dyad = await api("dyad", params);
    view.changes = CHANGE_SERIES.includes(c.measure)
      ? await api("changes", { a, b, ...windowParams(c), series: c.measure }).catch(() => null)
      : null;
    view.forecasts = null;
    view.note = "";
    const target = FORECAST_TARGETS[c.measure];
    if (c.forecast && target && !c.normalize) {
      // Both directions; a series too short for the model is reported, not fatal.
      view.forecasts = await Promise.all([[a, b], [b, a]].map(([x, y]) =>
        api("forecast", { a: x, b: y, ...windowParams(c), target, horizon: HORIZON }).catch((e) => { view.note = `no forecast: ${e.message}`; return null; })));
    } else if (c.forecast) {
      view.note = "forecasts are of events or the Goldstein sum, without normalisation";
    }
    renderDyad();
  }

  function renderBalance(bal, c) {
    const t = bal.third.code, a = bal.a.code, b = bal.b.code;
    $("balance-title").textContent = `${bal.third.name} between ${bal.a.name} and ${bal.b.name}`;
    // Periods with too little evidence are gaps, not a confident sign from two reports.
    const shown = (p, v) => (p.lean === "thin" ? NaN : v);
    const points = bal.points.map((p) => ({ x: xOf(p), y: shown(p, p.tilt), label: p.period, extra: `${p.events_ta}/${p.events_tb} events; mean tilt ${fmt(p.mean_tilt)}` }));
    lineChart($("balance-chart"), {
      title: `tilt of ${t} (> 0 leans to ${a}, < 0 to ${b})`, width: 640, height: 260, zeroLine: true,
      yLabel: `tilt: > 0 leans to ${a}`,
      series: [{ name: `tilt of ${t} (90% band; gaps: too little evidence)`, color: COLORS[0], points, band: bal.points.map((p) => ({ x: xOf(p), lo: shown(p, p.tilt_low), hi: shown(p, p.tilt_high) })) }],
    });
    // The sentence is the questions layer's own, so the CLI and the dashboard say the same thing.
    $("balance-text").textContent = `${bal.summary}.`;
  }

  // Every third state between B and C over the window, as the questions layer ranks them.
  const RANKED_ROWS = 15;
  function renderRanking(res) {
    const a = res.a.code, b = res.b.code;
    $("ranking-title").textContent = `Who balances ${res.a.name} and ${res.b.name}, ${res.window.from} … ${res.window.to}`;
    const tbody = $("ranking-table").querySelector("tbody");
    tbody.textContent = "";
    const readable = res.ranking.filter((r) => r.lean !== "thin");
    const shown = readable.length > RANKED_ROWS
      ? [...readable.slice(0, Math.ceil(RANKED_ROWS / 2)), ...readable.slice(-Math.floor(RANKED_ROWS / 2))]
      : readable;
    for (const r of shown) {
      const tr = document.createElement("tr");
      cell(tr, r.group ? `${r.third.code} (group)` : `${r.third.code} ${r.third.name}`).title = r.third.name;
      cell(tr, r.events_ta, "num");
      cell(tr, r.events_tb, "num");
      cell(tr, fmt(r.tilt), "num");
      cell(tr, `${fmt(r.tilt_low)} … ${fmt(r.tilt_high)}`);
      cell(tr, r.lean === "toward_a" ? a : r.lean === "toward_b" ? b : "even");
      tbody.appendChild(tr);
    }
    if (!shown.length) {
      const tr = document.createElement("tr");
      cell(tr, "No third state has enough events with both to read a lean.", "muted").colSpan = 6;
      tbody.appendChild(tr);
    }
    const hidden = readable.length - shown.length;
    $("ranking-text").textContent = `${res.summary}.${hidden > 0 ? ` The table shows the ${shown.length} strongest leaners of ${readable.length} with a reading (the API has all).` : ""}`;
  }

  // The signed triangle of one period: nodes, and edges coloured by sign with their mean Goldstein.
  function renderTriangle(period) {
    const box = $("triad-triangle");
    box.textContent = "";
    const svg = el("svg", { viewBox: "0 0 220 200", width: 220, height: 200, "font-family": "system-ui, sans-serif", "font-size": 12 }, box);
    const names = view.triad.states.map((s) => s.code);
    const pos = [[110, 28], [28, 170], [192, 170]];
    for (const e of period.edges) {
      const i = names.indexOf(e.a), j = names.indexOf(e.b);
      const color = e.events === 0 ? "#c3c9d2" : e.sign > 0 ? "#2e8b57" : e.sign < 0 ? "#b3261e" : "#8a94a3";
      el("line", { x1: pos[i][0], y1: pos[i][1], x2: pos[j][0], y2: pos[j][1], stroke: color, "stroke-width": e.events ? 4 : 2, "stroke-dasharray": e.sign === 0 ? "5 4" : "none" }, svg);
      const label = e.events ? `${e.weight > 0 ? "+" : ""}${fmt(e.weight)} (${e.events})` : "no events";
      el("text", { x: (pos[i][0] + pos[j][0]) / 2, y: (pos[i][1] + pos[j][1]) / 2 - 6, "text-anchor": "middle", fill: color }, svg).textContent = label;
    }
    names.forEach((n, i) => {
      el("circle", { cx: pos[i][0], cy: pos[i][1], r: 17, fill: "#ffffff", stroke: "#1d2433", "stroke-width": 1.5 }, svg);
      el("text", { x: pos[i][0], y: pos[i][1] + 4, "text-anchor": "middle", "font-weight": 600 }, svg).textContent = n;
    });
    const verdict = period.triangles === 0 ? "no complete signed triangle" : period.balanced ? "balanced" : "unbalanced";
    const camps = period.partition ? ` · camps: ${period.partition.camps.map((c) => c.join(", ") || "—").join(" | ")}` : "";
    $("triad-text").textContent = `${period.period}: ${verdict}${camps}. Green +, red −, dashed: within the neutral band; mean Goldstein (events). Click the chart to pick a period.`;
  }

  function renderTriad(tri) {
    view.triad = tri;
    const names = tri.states.map((s) => s.code);
    $("triad-title").textContent = `Triad ${names.join("–")}: signed relations`;
    const pairs = tri.periods.length ? tri.periods[0].edges.map((e) => `${e.a}–${e.b}`) : [];
    const series = pairs.map((name, k) => ({
      name, color: COLORS[k],
      points: tri.periods.map((p) => ({ x: xOf(p), y: p.edges[k].events ? p.edges[k].weight : NaN, label: p.period, extra: `${p.edges[k].events} events` })),
    }));
    lineChart($("triad-chart"), {
      title: "mean Goldstein per pair (both directions)", width: 640, height: 260, zeroLine: true, yLabel: "mean Goldstein", series,
      onSelect: (p) => { view.triadIndex = tri.periods.findIndex((q) => q.period === p.label); renderTriangle(tri.periods[view.triadIndex]); },
    });
    const withEvents = tri.periods.map((p, i) => [p, i]).filter(([p]) => p.edges.some((e) => e.events));
    if (withEvents.length) {
      const last = withEvents[withEvents.length - 1][1];
      view.triadIndex = view.triadIndex !== null && view.triadIndex < tri.periods.length ? view.triadIndex : last;
      renderTriangle(tri.periods[view.triadIndex]);
    }
  }

  function cell(row, text, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
    return td;
  }

  async function loadEvents() {
    const s = view.selection;
    const tbody = $("events-table").querySelector("tbody");
    const c = controls();
    try {
      const res = await api("events", { a: s.a, b: s.b, from: s.point.start, to: s.point.end, direction: s.direction, page: view.page, page_size: PAGE_SIZE });
      tbody.textContent = "";
      const arrow = s.direction === "ab" ? `${s.a} → ${s.b}` : `${s.b} → ${s.a}`;
      const note = c.dedup !== "raw" ? " · every stored report is listed; the chart counts with de-duplication" : "";
      $("events-title").textContent = `Events ${arrow}, ${s.point.period}: ${res.total} event${res.total === 1 ? "" : "s"}${note}`;
      $("events-page").textContent = `page ${res.page} of ${res.pages}`;
      $("events-prev").disabled = res.page <= 1;
      $("events-next").disabled = res.page >= res.pages;
      for (const e of res.events) {
        const tr = document.createElement("tr");
        cell(tr, e.event_date);
        // A side resolved by name says to which state, and by which dictionary line, on hover.
        for (const side of ["actor1", "actor2"]) {
          const td = cell(tr, e[`${side}_name`] || e[`${side}_code`] || e[`${side}_country_code`]);
          const resolved = e[`${side}_resolved`];
          if (resolved) { td.title = resolved; td.classList.add("resolved"); }
        }
        cell(tr, `${e.event_code} ${e.event_text || ""}`);
        cell(tr, e.quad_class, "num");
        cell(tr, fmt(e.goldstein), "num");
        const td = cell(tr, "");
        if (e.source_url && /^https?:\/\//.test(e.source_url)) {
          const a = document.createElement("a");
          a.href = e.source_url; a.textContent = e.source_url; a.target = "_blank"; a.rel = "noopener noreferrer";
          td.appendChild(a);
          td.appendChild(document.createElement("br"));
        }
        const prov = document.createElement("span");
        prov.className = "muted";
        prov.textContent = `${e.dataset}${e.publisher ? " · " + e.publisher : ""} · ${e.input_file}:${e.line_number}`;
        td.appendChild(prov);
        tbody.appendChild(tr);
      }
      if (!res.events.length) {
        const tr = document.createElement("tr");
        cell(tr, "No events in this period.", "muted").colSpan = 7;
        tbody.appendChild(tr);
      }
    } catch (err) {
      tbody.textContent = "";
      const tr = document.createElement("tr");
      cell(tr, err.message).colSpan = 7;
      tbody.appendChild(tr);
    }
  }

  function selectPoint(point, direction) {
    const [a, b] = pairOf(controls());
    view.selection = { a, b, point, direction: direction === 0 ? "ab" : "ba" };
    view.page = 1;
    loadEvents();
  }

  async function show() {
    const c = controls();
    if (!c.a || !c.b) { setStatus("Choose at least states A and B.", true); return; }
    writeHash(c);
    renderPairTabs(c);
    setStatus("loading…");
    const started = performance.now();
    const jobs = [showDyad(c)];
    if (c.c) {
      jobs.push(api("balance", { third: c.a, a: c.b, b: c.c, ...windowParams(c) }).then((r) => renderBalance(r, c)));
      jobs.push(api("triad", { states: [c.a, c.b, c.c].join(","), ...windowParams(c) }).then(renderTriad));
      jobs.push(api("balance", { a: c.b, b: c.c, ...windowParams(c) }).then(renderRanking));
    } else {
      $("balance-text").textContent = "Choose a state C: the balancer view shows how A treats B and C.";
    }
    const results = await Promise.allSettled(jobs);
    const failed = results.filter((r) => r.status === "rejected").map((r) => r.reason.message);
    if (failed.length) setStatus(failed[0], true);
    else setStatus(`${view.dyad.events.toLocaleString("en")} events between ${view.dyad.a.code} and ${view.dyad.b.code}, ${view.dyad.window.from} … ${view.dyad.window.to} (${Math.round(performance.now() - started)} ms)${view.note ? " · " + view.note : ""}`);
  }

  function download(name, blob) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function baseName() {
    const d = view.dyad;
    return d ? `fulcrum-${d.a.code}-${d.b.code}-${d.window.by}` : "fulcrum";
  }

  // The view's data: every point of both directions inside the zoom, all measures.
  function csvText() {
    const cols = ["period", "start", "end", "source", "target", "events", "goldstein_sum", "goldstein_mean", "net_coop", "q1", "q2", "q3", "q4", "tone_mean"];
    const quote = (v) => (v === null || v === undefined ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const lines = [cols.join(",")];
    for (const dir of view.dyad.directions) {
      for (const p of dir.points) {
        if (view.zoom && (xOf(p) < view.zoom[0] || xOf(p) > view.zoom[1])) continue;
        lines.push(cols.map((k) => quote(k === "source" ? dir.source : k === "target" ? dir.target : p[k])).join(","));
      }
    }
    return lines.join("\n") + "\n";
  }

  function writeHash(c) {
    const p = new URLSearchParams({ a: c.a, b: c.b, c: c.c, from: c.from, to: c.to, by: c.by, measure: c.measure, dedup: c.dedup });
    history.replaceState(null, "", "#" + p);
  }

  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    const set = { a: "state-a", b: "state-b", c: "state-c", from: "from", to: "to", by: "by", measure: "measure", dedup: "dedup" };
    for (const [k, id] of Object.entries(set)) if (p.has(k)) $(id).value = p.get(k);
    return p.has("from");
  }

  async function init() {
    const fromHash = readHash();
    try {
      const [stats, actors] = await Promise.all([api("stats", {}), api("actors", {})]);
      const sets = stats.datasets.map((d) => `${d.dataset} ${d.events.toLocaleString("en")}`).join(", ");
      $("store-summary").textContent = `${stats.events.toLocaleString("en")} events, ${stats.first || "–"} … ${stats.last || "–"} (${sets || "empty store"})`;
      const list = $("actor-list");
      for (const g of actors.groups) {
        const o = document.createElement("option");
        o.value = g.code;
        o.label = `${g.name} (group of ${g.members.length})`;
        list.appendChild(o);
      }
      for (const c of actors.countries) {
        const o = document.createElement("option");
        o.value = c.code;
        o.label = `${c.name || c.code} (${c.events.toLocaleString("en")} events)`;
        list.appendChild(o);
      }
      if (!fromHash && stats.last) {
        // Default window: the store's last year of data.
        const last = new Date(stats.last + "T00:00:00Z");
        const yearBefore = new Date(Date.UTC(last.getUTCFullYear() - 1, last.getUTCMonth(), last.getUTCDate() + 1));
        const first = stats.first && stats.first > yearBefore.toISOString().slice(0, 10) ? stats.first : yearBefore.toISOString().slice(0, 10);
        $("from").value = first;
        $("to").value = stats.last;
      }
      if (stats.events > 0) {
        await show();
        if (window.FulcrumMap) await window.FulcrumMap.show();
      }
      else setStatus("The store is empty: ingest data with `fulcrum ingest FILES…`, then restart the server.", true);
    } catch (err) {
      setStatus(err.message, true);
    }
  }

  $("controls").addEventListener("submit", (ev) => { ev.preventDefault(); view.zoom = null; view.triadIndex = null; show(); });
  for (const id of ["measure", "forecast"]) {
    $(id).addEventListener("change", () => {
      if (view.dyad) showDyad(controls()).then(() => view.note && setStatus(view.note, true)).catch((e) => setStatus(e.message, true));
    });
  }
  $("reset-zoom").addEventListener("click", () => { view.zoom = null; renderDyad(); });
  $("export-csv").addEventListener("click", () => view.dyad && download(baseName() + ".csv", new Blob([csvText()], { type: "text/csv" })));
  $("export-svg").addEventListener("click", () => {
    const svg = $("dyad-chart").querySelector("svg");
    if (svg) download(baseName() + ".svg", new Blob([svgText(svg)], { type: "image/svg+xml" }));
  });
  $("export-png").addEventListener("click", async () => {
    const svg = $("dyad-chart").querySelector("svg");
    if (!svg) return;
    const png = await pngBlob(svg).catch((e) => { setStatus(e.message, true); return null; });
    if (png) download(baseName() + ".png", png);
  });
  $("events-prev").addEventListener("click", () => { view.page -= 1; loadEvents(); });
  $("events-next").addEventListener("click", () => { view.page += 1; loadEvents(); });
  init();
})();
