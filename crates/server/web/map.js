// The dashboard's map panel: a state's relations with the world (/api/map) or where events happened
// (/api/map/events), over the country shapes the server compiled in (/api/map/shapes, already projected).
// Colours are the API's: this file paints, it does not compute.
"use strict";

(function () {
  const { el, fmt, svgText } = window.FulcrumChart;
  const $ = (id) => document.getElementById(id);
  const state = { shapes: null, svg: null, view: null, drag: null, answer: null, mode: "relations" };

  // The dashboard's one API client (app.js): errors arrive as the API's messages.
  const api = (path, params) => window.FulcrumApi(path, params);

  function setNote(text, isError) {
    $("map-text").textContent = text;
    $("map-text").classList.toggle("error", !!isError);
  }

  // The base map: every shape once; colours change, paths do not.
  async function base() {
    if (state.svg) return state.svg;
    state.shapes = await api("map/shapes", {});
    const { width, height } = state.shapes;
    const box = $("map-chart");
    box.textContent = "";
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "world map" }, box);
    el("rect", { x: 0, y: 0, width, height, fill: "#fafcff" }, svg);
    const land = el("g", { id: "map-shapes" }, svg);
    for (const s of state.shapes.shapes) {
      const attrs = { d: s.d, fill: "#eeeeee", stroke: "#ffffff", "stroke-width": 0.5, "vector-effect": "non-scaling-stroke", "data-name": s.name };
      if (s.iso3) attrs["data-iso3"] = s.iso3;
      if (s.code) attrs["data-code"] = s.code;
      el("path", attrs, land);
    }
    el("g", { id: "map-points" }, svg);
    const tip = document.createElement("div");
    tip.className = "tooltip";
    tip.hidden = true;
    box.appendChild(tip);
    state.view = { x: 0, y: 0, w: width, h: height };
    state.svg = svg;
    wire(svg, tip);
    return svg;
  }

  function applyView() {
    const v = state.view;
    state.svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
  }

  // Wheel zooms about the pointer; dragging pans; hover shows the figures; a click asks for more.
  function wire(svg, tip) {
    const toMap = (ev) => {
      const r = svg.getBoundingClientRect();
      const v = state.view;
      return { x: v.x + ((ev.clientX - r.left) / r.width) * v.w, y: v.y + ((ev.clientY - r.top) / r.height) * v.h };
    };
    svg.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const p = toMap(ev);
      const k = ev.deltaY < 0 ? 0.8 : 1.25;
      const full = state.shapes.width;
      const v = state.view;
      const w = Math.min(full, Math.max(full / 40, v.w * k));
      const f = w / v.w;
      state.view = { x: p.x - (p.x - v.x) * f, y: p.y - (p.y - v.y) * f, w, h: v.h * f };
      applyView();
    }, { passive: false });
    svg.addEventListener("mousedown", (ev) => { state.drag = { x: ev.clientX, y: ev.clientY, view: { ...state.view }, moved: false }; });
    window.addEventListener("mouseup", () => { setTimeout(() => { state.drag = null; }, 0); });
    svg.addEventListener("mousemove", (ev) => {
      const d = state.drag;
      if (d) {
        const r = svg.getBoundingClientRect();
        const dx = ((ev.clientX - d.x) / r.width) * d.view.w, dy = ((ev.clientY - d.y) / r.height) * d.view.h;
        if (Math.abs(ev.clientX - d.x) + Math.abs(ev.clientY - d.y) > 3) d.moved = true;
        state.view = { ...d.view, x: d.view.x - dx, y: d.view.y - dy };
        applyView();
        tip.hidden = true;
        return;
      }
      const text = describe(ev.target);
      if (!text) { tip.hidden = true; return; }
      const r = $("map-chart").getBoundingClientRect();
      tip.textContent = text;
      tip.style.left = `${ev.clientX - r.left + 12}px`;
      tip.style.top = `${ev.clientY - r.top + 12}px`;
      tip.hidden = false;
    });
    svg.addEventListener("mouseleave", () => { tip.hidden = true; });
    svg.addEventListener("click", (ev) => {
      if (state.drag && state.drag.moved) return;
      const t = ev.target;
      if (t.dataset.point !== undefined) showPointEvents(Number(t.dataset.point));
      else if (t.dataset.code && state.mode === "relations") openDyad(t.dataset.code);
    });
  }

  function describe(target) {
    const a = state.answer;
    if (target.dataset.point !== undefined && a && a.points) {
      const p = a.points[Number(target.dataset.point)];
      return `${p.place || `${fmt(p.lat)}, ${fmt(p.lon)}`}: ${fmt(p.events)} events (cooperation ${fmt(p.quad[0] + p.quad[1])}, conflict ${fmt(p.quad[2] + p.quad[3])}), ${p.first} … ${p.last} · click for events`;
    }
    if (!target.dataset.name) return "";
    const s = a && a.states ? a.byIso3[target.dataset.iso3] : null;
    if (!s) {
      const focal = a && a.focus_iso3 && a.focus_iso3.includes(target.dataset.iso3);
      return `${target.dataset.name}${focal ? " (focus)" : a && a.states ? ": no events" : ""}`;
    }
    const band = `90%: ${fmt(s.low)} … ${fmt(s.high)}`;
    const shift = s.shift ? ` · before ${fmt(s.shift.before)}, after ${fmt(s.shift.after)} (p ${fmt(s.shift.p_value)})` : "";
    const thin = s.coloured ? "" : ` · fewer than ${a.min_events} events: grey`;
    return `${s.name} (${s.code}): ${fmt(s.value)} (${band}) · ${fmt(s.reading.events)} events${shift}${thin} · click for the dyad`;
  }

  function openDyad(code) {
    const a = state.answer;
    if (!a || code === a.focus.code) return;
    $("state-a").value = a.focus.code;
    $("state-b").value = code;
    $("controls").requestSubmit();
    $("dyad-panel").scrollIntoView({ behavior: "smooth" });
  }

  function legend(a) {
    const box = $("map-legend");
    box.textContent = "";
    const svg = el("svg", { viewBox: "0 0 760 44", width: "100%", role: "img", "aria-label": "legend" }, box);
    const add = (name, attrs, text) => { const t = el(name, attrs, svg); if (text !== undefined) t.textContent = text; return t; };
    if (a.scale) {
      const defs = add("defs", {});
      const grad = el("linearGradient", { id: "map-ramp" }, defs);
      a.scale.stops.forEach((s, i) => el("stop", { offset: `${i * 10}%`, "stop-color": s.colour }, grad));
      add("rect", { x: 4, y: 4, width: 260, height: 14, fill: "url(#map-ramp)", stroke: "#999" });
      const first = a.scale.stops[0].value, last = a.scale.stops[a.scale.stops.length - 1].value;
      add("text", { x: 4, y: 32, "font-size": 11 }, fmt(first));
      add("text", { x: 134, y: 32, "font-size": 11, "text-anchor": "middle" }, fmt((first + last) / 2));
      add("text", { x: 264, y: 32, "font-size": 11, "text-anchor": "end" }, fmt(last));
      const swatches = [[a.thin_colour, `fewer than ${a.min_events} events`], [a.no_events_colour, "no events"], [a.focus_colour, a.focus.code]];
      swatches.forEach(([c, label], i) => {
        add("rect", { x: 290 + i * 160, y: 4, width: 14, height: 14, fill: c, stroke: "#999" });
        add("text", { x: 308 + i * 160, y: 15, "font-size": 11 }, label);
      });
    } else {
      ["verbal cooperation", "material cooperation", "verbal conflict", "material conflict"].forEach((label, i) => {
        add("circle", { cx: 10 + i * 150, cy: 11, r: 6, fill: a.quadColours[i] });
        add("text", { x: 20 + i * 150, y: 15, "font-size": 11 }, label);
      });
    }
  }

  function paint(a) {
    for (const p of state.svg.querySelectorAll("#map-shapes path")) {
      const iso3 = p.dataset.iso3;
      const s = iso3 && a.byIso3 ? a.byIso3[iso3] : null;
      let fill = a.no_events_colour || "#e1e1e1";
      if (a.focus_iso3 && a.focus_iso3.includes(iso3)) fill = a.focus_colour;
      else if (s) fill = s.colour;
      p.setAttribute("fill", fill);
      p.classList.toggle("thin", !!(s && !s.coloured));
    }
    const layer = state.svg.querySelector("#map-points");
    layer.textContent = "";
    (a.points || []).slice().reverse().forEach((p) => {
      const i = a.points.indexOf(p);
      el("circle", { cx: p.x, cy: p.y, r: p.radius, fill: p.colour, "fill-opacity": 0.75, stroke: "#333", "stroke-width": 0.6, "vector-effect": "non-scaling-stroke", "data-point": i }, layer);
    });
  }

  function listPlaces(a) {
    const body = $("map-events-table").querySelector("tbody");
    body.textContent = "";
    const row = (cells) => {
      const tr = document.createElement("tr");
      for (const c of cells) {
        const td = document.createElement("td");
        if (c instanceof Node) td.appendChild(c); else td.textContent = c;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    };
    return row;
  }

  function showPointEvents(i) {
    const p = state.answer.points[i];
    const row = listPlaces(state.answer);
    $("map-events-title").textContent = `${p.place || `${p.lat}, ${p.lon}`}: ${p.events} events (latest ${p.sample.length} listed)`;
    for (const e of p.sample) {
      let source = e.source_url || e.dataset;
      if (e.source_url && /^https?:\/\//.test(e.source_url)) {
        source = document.createElement("a");
        source.href = e.source_url;
        source.rel = "noreferrer noopener";
        source.target = "_blank";
        source.textContent = e.source_url;
      }
      row([e.date, e.actor1 || "–", e.actor2 || "–", e.code, String(e.quad_class), fmt(e.goldstein), source]);
    }
  }

  function params() {
    const v = (id) => $(id).value.trim();
    return { a: v("state-a"), b: v("state-b"), from: v("from"), to: v("to"), dedup: v("dedup") };
  }

  async function show() {
    const c = params();
    state.mode = $("map-mode").value;
    $("map-relations-options").hidden = state.mode !== "relations";
    $("map-events-options").hidden = state.mode !== "events";
    setNote("drawing the map…");
    try {
      await base();
      let a;
      if (state.mode === "relations") {
        a = await api("map", {
          focus: c.a, from: c.from, to: c.to, dedup: c.dedup, measure: $("map-measure").value,
          direction: $("map-direction").value, break: $("map-break").value,
        });
        a.byIso3 = {};
        for (const s of a.states) if (s.iso3) a.byIso3[s.iso3] = s;
        $("map-title").textContent = `${a.focus.name} and every other state, ${a.window.from} … ${a.window.to}: ${a.describe}`;
      } else {
        const actors = [c.a, $("map-pair").checked ? c.b : ""].filter(Boolean).join(",");
        a = await api("map/events", { actors, from: c.from, to: c.to, code: $("map-code").value.trim(), place: $("map-place").value });
        a.quadColours = ["#1a9641", "#66bd63", "#fdae61", "#d7191c"];
        $("map-title").textContent = `Where the events were recorded`;
      }
      state.answer = a;
      paint(a);
      legend(a);
      listPlaces(a);
      $("map-events-title").textContent = state.mode === "events" ? "Click a point for its events" : "";
      setNote(a.summary);
    } catch (err) {
      setNote(err.message, true);
    }
  }

  $("map-show").addEventListener("click", show);
  $("map-mode").addEventListener("change", show);
  $("map-reset").addEventListener("click", () => {
    if (!state.shapes) return;
    state.view = { x: 0, y: 0, w: state.shapes.width, h: state.shapes.height };
    applyView();
  });
  $("map-export-svg").addEventListener("click", () => {
    if (!state.svg) return;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([svgText(state.svg)], { type: "image/svg+xml" }));
    a.download = "fulcrum-map.svg";
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  window.FulcrumMap = { show };
})();
