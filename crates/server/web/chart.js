// A small dated line chart in SVG, written here so the dashboard needs nothing from the network.
// Colours and strokes are SVG attributes (not CSS) so an exported SVG or PNG looks the same as on screen.
"use strict";

(function () {
  const NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  // Round tick steps: 1, 2, 5 × 10^k.
  function niceTicks(lo, hi, count) {
    if (!(hi > lo)) { hi = lo + 1; lo = lo - 1; }
    const raw = (hi - lo) / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return ticks;
  }

  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    const a = Math.abs(v);
    if (a >= 1000) return v.toLocaleString("en", { maximumFractionDigits: 0 });
    if (a >= 10 || Number.isInteger(v)) return v.toLocaleString("en", { maximumFractionDigits: 1 });
    return v.toLocaleString("en", { maximumFractionDigits: 3 });
  }

  // spec: { title, yLabel, series: [{ name, color, points: [{ x, y, label }], markers: [x], band: [{ x, lo, hi }],
  //                                  dash: "6 4" | undefined, noDots: bool }],
  //         xDomain: [x0, x1] | null, zeroLine, vlines: [{ x, label }], onSelect(point, series), onZoom([x0, x1]) }
  function lineChart(container, spec) {
    container.textContent = "";
    const W = spec.width || 960, H = spec.height || 360;
    const M = { top: 34, right: 34, bottom: 44, left: 64 };
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, "font-family": "system-ui, sans-serif", "font-size": 12, role: "img" }, container);
    el("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }, svg);
    if (spec.title) el("title", {}, svg).textContent = spec.title;

    const all = spec.series.flatMap((s) => s.points);
    if (all.length === 0) {
      const t = el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", fill: "#5f6b7a" }, svg);
      t.textContent = "no data in this window";
      return { svg };
    }
    const xs = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
    let [x0, x1] = spec.xDomain || [xs[0], xs[xs.length - 1]];
    if (x1 <= x0) x1 = x0 + 86400000;
    const inX = (x) => x >= x0 && x <= x1;
    const ys = [];
    for (const s of spec.series) {
      for (const p of s.points) if (inX(p.x) && Number.isFinite(p.y)) ys.push(p.y);
      for (const b of s.band || []) if (inX(b.x)) { if (Number.isFinite(b.lo)) ys.push(b.lo); if (Number.isFinite(b.hi)) ys.push(b.hi); }
    }
    if (spec.zeroLine) ys.push(0);
    let y0 = Math.min(...ys, 0), y1 = Math.max(...ys, 0);
    if (!ys.length) { y0 = -1; y1 = 1; }
    const pad = (y1 - y0) * 0.06 || 1;
    const yt = niceTicks(y0 - (y0 < 0 ? pad : 0), y1 + pad, 6);
    y0 = Math.min(yt[0], y0); y1 = Math.max(yt[yt.length - 1], y1);
    const px = (x) => M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
    const py = (y) => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
    const clipId = "clip" + Math.random().toString(36).slice(2);
    el("rect", { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom }, el("clipPath", { id: clipId }, el("defs", {}, svg)));

    // Axes and grid.
    for (const v of yt) {
      el("line", { x1: M.left, x2: W - M.right, y1: py(v), y2: py(v), stroke: v === 0 && spec.zeroLine ? "#8a94a3" : "#e6e9ee", "stroke-width": 1 }, svg);
      el("text", { x: M.left - 6, y: py(v) + 4, "text-anchor": "end", fill: "#5f6b7a" }, svg).textContent = fmt(v);
    }
    const visible = xs.filter(inX);
    const every = Math.max(1, Math.ceil(visible.length / 10));
    const labelOf = new Map(all.map((p) => [p.x, p.label]));
    visible.forEach((x, i) => {
      if (i % every) return;
      el("line", { x1: px(x), x2: px(x), y1: H - M.bottom, y2: H - M.bottom + 4, stroke: "#8a94a3" }, svg);
      el("text", { x: px(x), y: H - M.bottom + 17, "text-anchor": "middle", fill: "#5f6b7a" }, svg).textContent = labelOf.get(x);
    });
    el("line", { x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom, stroke: "#8a94a3" }, svg);
    if (spec.yLabel) {
      el("text", { x: 14, y: (M.top + H - M.bottom) / 2, transform: `rotate(-90 14 ${(M.top + H - M.bottom) / 2})`, "text-anchor": "middle", fill: "#5f6b7a" }, svg).textContent = spec.yLabel;
    }

    const plot = el("g", { "clip-path": `url(#${clipId})` }, svg);
    for (const v of spec.vlines || []) {
      if (!inX(v.x)) continue;
      el("line", { x1: px(v.x), x2: px(v.x), y1: M.top, y2: H - M.bottom, stroke: "#b3261e", "stroke-dasharray": "4 3" }, plot);
      el("text", { x: px(v.x) + 4, y: M.top + 12, fill: "#b3261e" }, svg).textContent = v.label;
    }
    spec.series.forEach((s) => {
      const band = (s.band || []).filter((b) => Number.isFinite(b.lo) && Number.isFinite(b.hi));
      if (band.length > 1) {
        const d = band.map((b, i) => `${i ? "L" : "M"}${px(b.x)},${py(b.hi)}`).join("") + band.slice().reverse().map((b) => `L${px(b.x)},${py(b.lo)}`).join("") + "Z";
        el("path", { d, fill: s.color, "fill-opacity": 0.15, stroke: "none" }, plot);
      }
      let d = "", pen = false;
      for (const p of s.points) {
        if (!Number.isFinite(p.y)) { pen = false; continue; }
        d += `${pen ? "L" : "M"}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`;
        pen = true;
      }
      el("path", { d, fill: "none", stroke: s.color, "stroke-width": 2, "stroke-linejoin": "round", "stroke-dasharray": s.dash || "none" }, plot);
    });

    // Legend.
    let lx = M.left;
    spec.series.forEach((s) => {
      el("rect", { x: lx, y: 10, width: 14, height: 4, fill: s.color }, svg);
      const t = el("text", { x: lx + 19, y: 16, fill: "#1d2433" }, svg);
      t.textContent = s.name;
      lx += 30 + s.name.length * 7;
    });
    if (spec.series.some((s) => (s.markers || []).length)) {
      el("text", { x: lx, y: 16, fill: "#5f6b7a" }, svg).textContent = "▲ change point";
    }

    // Change-point markers under the plot, in the colour of their series.
    spec.series.forEach((s, k) => {
      for (const x of s.markers || []) {
        if (!inX(x)) continue;
        const cx = px(x), cy = H - M.bottom - 4 - k * 9;
        el("path", { d: `M${cx - 5},${cy} L${cx + 5},${cy} L${cx},${cy - 8} Z`, fill: s.color, class: "change-point", "data-x": x }, svg);
      }
    });

    // Hover, drag-to-zoom and click: one transparent layer over the plot.
    const crosshair = el("line", { y1: M.top, y2: H - M.bottom, stroke: "#8a94a3", visibility: "hidden" }, svg);
    const brush = el("rect", { y: M.top, height: H - M.top - M.bottom, fill: "#1f5fbf", "fill-opacity": 0.12, visibility: "hidden" }, svg);
    const layer = el("rect", { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom, fill: "transparent", cursor: "crosshair" }, svg);
    const dots = el("g", {}, svg);
    spec.series.forEach((s, k) => {
      if (s.noDots) return;
      for (const p of s.points) {
        if (!inX(p.x) || !Number.isFinite(p.y)) continue;
        const c = el("circle", { cx: px(p.x), cy: py(p.y), r: 4, fill: "#ffffff", stroke: s.color, "stroke-width": 2, cursor: "pointer", class: "point", "data-series": k, "data-period": p.label, "data-value": p.y }, dots);
        c.addEventListener("click", (ev) => { ev.stopPropagation(); if (spec.onSelect) spec.onSelect(p, s, k); });
      }
    });
    const tip = document.createElement("div");
    tip.className = "tooltip";
    tip.hidden = true;
    container.appendChild(tip);

    const toSvgX = (ev) => {
      const r = svg.getBoundingClientRect();
      return ((ev.clientX - r.left) / r.width) * W;
    };
    const nearestX = (sx) => visible.reduce((best, x) => (Math.abs(px(x) - sx) < Math.abs(px(best) - sx) ? x : best), visible[0]);
    let dragFrom = null;
    const showTip = (ev) => {
      const sx = toSvgX(ev);
      const x = nearestX(sx);
      crosshair.setAttribute("x1", px(x)); crosshair.setAttribute("x2", px(x)); crosshair.setAttribute("visibility", "visible");
      tip.textContent = "";
      const head = document.createElement("b");
      head.textContent = labelOf.get(x);
      tip.appendChild(head);
      for (const s of spec.series) {
        const p = s.points.find((q) => q.x === x);
        const line = document.createElement("div");
        line.textContent = `${s.name}: ${fmt(p ? p.y : null)}${p && p.extra ? " · " + p.extra : ""}`;
        tip.appendChild(line);
      }
      const r = container.getBoundingClientRect();
      tip.hidden = false;
      const left = ev.clientX - r.left + 14;
      tip.style.left = Math.min(left, r.width - tip.offsetWidth - 4) + "px";
      tip.style.top = ev.clientY - r.top + 10 + "px";
    };
    svg.addEventListener("mousemove", (ev) => {
      showTip(ev);
      if (dragFrom !== null) {
        const a = Math.min(dragFrom, toSvgX(ev)), b = Math.max(dragFrom, toSvgX(ev));
        brush.setAttribute("x", Math.max(a, M.left)); brush.setAttribute("width", Math.min(b, W - M.right) - Math.max(a, M.left)); brush.setAttribute("visibility", "visible");
      }
    });
    svg.addEventListener("mouseleave", () => { tip.hidden = true; crosshair.setAttribute("visibility", "hidden"); });
    layer.addEventListener("mousedown", (ev) => { dragFrom = toSvgX(ev); ev.preventDefault(); });
    window.addEventListener("mouseup", (ev) => {
      if (dragFrom === null) return;
      const from = dragFrom, to = toSvgX(ev);
      dragFrom = null;
      brush.setAttribute("visibility", "hidden");
      const inv = (sx) => x0 + ((sx - M.left) / (W - M.left - M.right)) * (x1 - x0);
      if (Math.abs(to - from) > 8) {
        const chosen = visible.filter((x) => x >= inv(Math.min(from, to)) && x <= inv(Math.max(from, to)));
        if (chosen.length >= 2 && spec.onZoom) spec.onZoom([chosen[0], chosen[chosen.length - 1]]);
      } else if (spec.onSelect) {
        // A click on the plot (not on a dot): the nearest period of the nearest series.
        const x = nearestX(to);
        const r = svg.getBoundingClientRect();
        const sy = ((ev.clientY - r.top) / r.height) * H;
        let best = null;
        spec.series.forEach((s, k) => {
          const p = s.points.find((q) => q.x === x);
          if (p && Number.isFinite(p.y) && (!best || Math.abs(py(p.y) - sy) < Math.abs(py(best.p.y) - sy))) best = { p, s, k };
        });
        if (best) spec.onSelect(best.p, best.s, best.k);
      }
    });
    svg.addEventListener("dblclick", () => spec.onZoom && spec.onZoom(null));
    return { svg };
  }

  // A standalone SVG document of a chart, for download.
  function svgText(svg) {
    const copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", NS);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
  }

  // The chart as PNG (twice the size, for sharp text), via an image and a canvas.
  function pngBlob(svg) {
    return new Promise((resolve, reject) => {
      const w = Number(svg.getAttribute("width")), h = Number(svg.getAttribute("height"));
      const url = URL.createObjectURL(new Blob([svgText(svg)], { type: "image/svg+xml" }));
      const img = new Image();
      img.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = w * 2; canvas.height = h * 2;
        const ctx = canvas.getContext("2d");
        ctx.scale(2, 2);
        ctx.drawImage(img, 0, 0, w, h);
        URL.revokeObjectURL(url);
        canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG encoding failed"))), "image/png");
      };
      img.onerror = () => { URL.revokeObjectURL(url); reject(new Error("could not render the SVG")); };
      img.src = url;
    });
  }

  window.FulcrumChart = { lineChart, svgText, pngBlob, fmt, el };
})();
