// End-to-end test of the dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core).
//
//   node tests/browser/dashboard.mjs BASE_URL SCREENSHOT.png A B C FROM TO BY
//
// Loads the dashboard, picks the dyad A–B (with C as the third state) through the form, checks that every point
// of the chart carries the value the API returns, hovers, zooms, clicks the busiest point through to the events
// table (whose total must equal the point's event count), exports CSV and PNG, checks the relations map's colours
// against /api/map, hovers, zooms and clicks it, draws the event map and lists a place's events, and saves screenshots.
// Exits non-zero with a message on the first failed check.
import { chromium } from "playwright-core";
import { writeFileSync, readFileSync } from "node:fs";

const [base, screenshot, a, b, c, from, to, by] = process.argv.slice(2);
if (!to) {
  console.error("usage: node dashboard.mjs BASE_URL SCREENSHOT.png A B C FROM TO BY");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

function check(cond, message) {
  if (!cond) throw new Error(message);
  console.log(`ok: ${message}`);
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // As root in a container Chromium needs --no-sandbox; the rest keep it from calling home on a closed network.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1500 }, acceptDownloads: true });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  const external = [];
  page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) external.push(r.url()); });

  await page.goto(base, { waitUntil: "networkidle" });
  await page.waitForSelector("#store-summary:not(:has-text('reading'))");
  check(/events/.test(await page.textContent("#store-summary")), `store summary shown: ${await page.textContent("#store-summary")}`);
  check((await page.$$("#actor-list option")).length > 3, "state picker lists states and groups");
  check(await page.$("#actor-list option[value='SCO']"), "groups such as SCO are offered");

  // Pick the dyad through the form.
  await page.fill("#state-a", a);
  await page.fill("#state-b", b);
  await page.fill("#state-c", c);
  await page.fill("#from", from);
  await page.fill("#to", to);
  await page.selectOption("#by", by);
  await page.selectOption("#measure", "goldstein_sum");
  await page.click("#show");
  await page.waitForFunction(() => document.querySelector("#status").textContent.includes("events between"), null, { timeout: 20000 });
  await page.waitForSelector("#dyad-chart circle.point");

  // The chart's points against the API.
  const api = await (await fetch(`${base}api/dyad?${new URLSearchParams({ a, b, from, to, by })}`)).json();
  const shown = await page.$$eval("#dyad-chart circle.point", (cs) => cs.map((c) => ({ series: +c.dataset.series, period: c.dataset.period, value: +c.dataset.value })));
  for (const k of [0, 1]) {
    const expected = api.directions[k].points.map((p) => [p.period, p.goldstein_sum]);
    const got = shown.filter((s) => s.series === k).map((s) => [s.period, s.value]);
    check(JSON.stringify(got.map((g) => g[0])) === JSON.stringify(expected.map((e) => e[0])),
      `direction ${api.directions[k].source} → ${api.directions[k].target}: the chart has the API's ${expected.length} periods`);
    check(got.every((g, i) => Math.abs(g[1] - expected[i][1]) < 1e-9), `direction ${k}: every plotted value equals the API's Goldstein sum`);
  }
  check(expected_nonzero(api), "the dyad has events in the window");
  const legend = await page.textContent("#dyad-chart svg");
  check(legend.includes(`${a} → ${b}`) && legend.includes(`${b} → ${a}`), "both directions are drawn and labelled");
  const markers = await page.$$("#dyad-chart .change-point");
  console.log(`info: ${markers.length} change-point marker(s)`);

  // Hover shows the values of the period under the pointer.
  const box = await (await page.$("#dyad-chart svg")).boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  const tip = await page.textContent("#dyad-chart .tooltip");
  check(await page.isVisible("#dyad-chart .tooltip") && tip.includes("→"), `hover shows a tooltip: ${tip.replace(/\s+/g, " ").slice(0, 80)}`);

  // Panels of the triad and the balancer.
  await page.waitForSelector("#balance-chart svg");
  await page.waitForSelector("#triad-triangle svg");
  check((await page.textContent("#balance-text")).includes("leaned"), `balancer panel: ${await page.textContent("#balance-text")}`);
  check(/balanced|unbalanced|no complete/.test(await page.textContent("#triad-text")), `triad panel: ${await page.textContent("#triad-text")}`);

  // Who balances B and C: the panel says what the API's ranking says, and lists its strongest leaners.
  const ranking = await (await fetch(`${base}api/balance?${new URLSearchParams({ a: b, b: c, from, to, by })}`)).json();
  await page.waitForFunction(() => document.querySelector("#ranking-text").textContent.length > 0, null, { timeout: 20000 });
  check((await page.textContent("#ranking-text")).startsWith(ranking.summary), `ranking panel: ${(await page.textContent("#ranking-text")).slice(0, 120)}`);
  const firstRanked = await page.textContent("#ranking-table tbody tr td");
  const leaders = ranking.ranking.filter((r) => r.lean !== "thin");
  check(leaders.length === 0 || firstRanked.startsWith(leaders[0].third.code), `the ranking table starts with the API's first reader, ${leaders.length ? leaders[0].third.code : "none"}`);

  // Click the busiest point of A → B through to its events.
  const busiest = api.directions[0].points.reduce((best, p) => (p.events > best.events ? p : best));
  // The two directions' dots can overlap; dispatch the click on A → B's dot itself.
  await page.$eval(`#dyad-chart circle.point[data-series="0"][data-period="${busiest.period}"]`, (dot) => dot.dispatchEvent(new MouseEvent("click", { bubbles: true })));
  await page.waitForFunction((p) => document.querySelector("#events-title").textContent.includes(p), busiest.period, { timeout: 20000 });
  const title = await page.textContent("#events-title");
  const total = Number((title.match(/: (\d+) events?/) || [])[1]);
  check(title.includes(`${a} → ${b}`), `the table is for the clicked direction: ${title}`);
  check(total === busiest.events, `events table for ${busiest.period}: ${total} events, as the point counts (${busiest.events})`);
  const rows = await page.$$("#events-table tbody tr");
  check(rows.length === Math.min(total, 25), `the table shows ${rows.length} rows (first page)`);
  const firstRow = await page.textContent("#events-table tbody tr");
  check(firstRow.includes(busiest.period.slice(0, 7)), `rows are from the period: ${firstRow.replace(/\s+/g, " ").slice(0, 100)}`);
  const links = await page.$$eval("#events-table tbody a", (as) => as.map((x) => x.href));
  console.log(`info: ${links.length} source link(s) on the page${links.length ? ", e.g. " + links[0] : ""}`);

  // Export the view's data as CSV and the chart as PNG and SVG.
  const [csvDownload] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
  const csv = readFileSync(await csvDownload.path(), "utf8").trim().split("\n");
  const points = api.directions[0].points.length + api.directions[1].points.length;
  check(csv[0].startsWith("period,start,end,source,target,events") && csv.length === points + 1, `CSV export: header and ${csv.length - 1} rows`);
  const [pngDownload] = await Promise.all([page.waitForEvent("download"), page.click("#export-png")]);
  const png = readFileSync(await pngDownload.path());
  check(png.subarray(1, 4).toString() === "PNG" && png.length > 5000, `PNG export: ${png.length} bytes`);
  const [svgDownload] = await Promise.all([page.waitForEvent("download"), page.click("#export-svg")]);
  check(readFileSync(await svgDownload.path(), "utf8").includes("<svg"), "SVG export");

  // Screenshot of the whole dashboard with the events of the selected point.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`ok: screenshot saved to ${screenshot}`);

  // Drag across the middle of the chart to zoom in; reset restores every period.
  const before = (await page.$$("#dyad-chart circle.point")).length;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  const zoomed = (await page.$$("#dyad-chart circle.point")).length;
  check(zoomed < before && zoomed >= 2 && !(await page.isDisabled("#reset-zoom")), `drag zooms in: ${before} → ${zoomed} points`);
  await page.click("#reset-zoom");
  check((await page.$$("#dyad-chart circle.point")).length === before, "reset zoom shows every period again");

  // Forecasts: the dashed median and 90% band of both directions, beyond the last period, from /api/forecast.
  await page.selectOption("#measure", "events");
  await page.check("#forecast");
  await page.waitForFunction(() => document.querySelector("#dyad-chart svg").textContent.includes("forecast"), null, { timeout: 20000 });
  const dashed = await page.$$eval("#dyad-chart path[stroke-dasharray='6 4']", (ps) => ps.length);
  check(dashed === 2, `forecast toggle draws both directions' forecasts (${dashed} dashed lines)`);
  await page.uncheck("#forecast");
  await page.selectOption("#measure", "goldstein_sum");

  // The relations map: every state's fill is the colour the API gives it; hover and click work.
  await page.selectOption("#map-mode", "relations");
  await page.selectOption("#map-measure", "index");
  await page.click("#map-show");
  await page.waitForFunction((f) => document.querySelector("#map-title").textContent.includes("every other state")
    && document.querySelector("#map-text").textContent.includes(" states with " + f), a, { timeout: 20000 });
  const map = await (await fetch(`${base}api/map?${new URLSearchParams({ focus: a, from, to, dedup: "raw" })}`)).json();
  const fills = await page.$$eval("#map-shapes path[data-iso3]", (ps) => ps.map((p) => [p.dataset.iso3, p.getAttribute("fill")]));
  check(fills.length > 200, `the map draws ${fills.length} country shapes`);
  const fillOf = Object.fromEntries(fills);
  const onMap = map.states.filter((st) => st.iso3 && !map.focus_iso3.includes(st.iso3));
  check(onMap.length > 0, `the API colours ${onMap.length} state(s) with ${a}`);
  for (const st of onMap) {
    check(fillOf[st.iso3] === st.colour, `${st.code} is painted ${fillOf[st.iso3]}, the API's colour ${st.colour} (value ${st.value}, ${st.reading.events} events)`);
  }
  check(map.focus_iso3.every((iso) => fillOf[iso] === map.focus_colour), `the focus ${a} is painted ${map.focus_colour}`);
  const quiet = fills.filter(([iso]) => !map.states.some((st) => st.iso3 === iso) && !map.focus_iso3.includes(iso));
  check(quiet.length > 0 && quiet.every(([, fill]) => fill === map.no_events_colour), `the other ${quiet.length} shapes (no events with ${a}) are ${map.no_events_colour}`);
  check((await page.textContent("#map-legend")).includes("no events"), "the legend names its swatches");
  await (await page.$("#map-panel")).screenshot({ path: screenshot.replace(/\.png$/, "-map.png") });
  console.log(`ok: map screenshot saved to ${screenshot.replace(/\.png$/, "-map.png")}`);
  const target = onMap[0];
  await page.$eval(`#map-shapes path[data-iso3="${target.iso3}"]`, (p) => {
    const r = p.getBoundingClientRect();
    p.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: r.x + r.width / 2, clientY: r.y + r.height / 2 }));
  });
  const mapTip = await page.textContent("#map-chart .tooltip");
  check(await page.isVisible("#map-chart .tooltip") && mapTip.includes(target.code) && mapTip.includes("events"), `hovering ${target.code} shows its figures: ${mapTip.slice(0, 100)}`);
  // Zoom with the wheel changes the view; reset restores it.
  const mapBox = await (await page.$("#map-chart svg")).boundingBox();
  const fullView = await page.getAttribute("#map-chart svg", "viewBox");
  await page.mouse.move(mapBox.x + mapBox.width / 2, mapBox.y + mapBox.height / 2);
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((v) => document.querySelector("#map-chart svg").getAttribute("viewBox") !== v, fullView);
  check(true, `the wheel zooms the map: ${await page.getAttribute("#map-chart svg", "viewBox")}`);
  await page.click("#map-reset");
  check(await page.getAttribute("#map-chart svg", "viewBox") === fullView, "reset restores the whole world");
  // Clicking a state opens its dyad with the focus.
  await page.$eval(`#map-shapes path[data-iso3="${target.iso3}"]`, (p) => p.dispatchEvent(new MouseEvent("click", { bubbles: true })));
  await page.waitForFunction((code) => document.querySelector("#state-b").value === code, target.code);
  await page.waitForFunction((n) => document.querySelector("#dyad-title").textContent.includes(n), target.name, { timeout: 20000 });
  check(true, `clicking ${target.code} opens the dyad ${a}–${target.code}: ${await page.textContent("#dyad-title")}`);

  // The event map: points at the recorded places, from the API; clicking one lists its events.
  await page.fill("#state-b", b);
  await page.selectOption("#map-mode", "events");
  await page.waitForFunction(() => document.querySelector("#map-title").textContent.includes("Where the events"), null, { timeout: 20000 });
  await page.waitForFunction(() => document.querySelector("#map-text").textContent.includes("have coordinates"), null, { timeout: 20000 });
  const eventsMap = await (await fetch(`${base}api/map/events?${new URLSearchParams({ actors: `${a},${b}`, from, to })}`)).json();
  const dots = await page.$$eval("#map-points circle", (cs) => cs.map((c) => [+c.getAttribute("cx"), +c.getAttribute("cy"), c.getAttribute("fill")]));
  check(dots.length === eventsMap.points.length, `the event map draws the API's ${eventsMap.points.length} place(s) (${eventsMap.located} events located, ${eventsMap.without_coordinates} without coordinates)`);
  const sorted = (xs) => xs.map((x) => JSON.stringify(x)).sort();
  check(JSON.stringify(sorted(dots)) === JSON.stringify(sorted(eventsMap.points.map((p) => [p.x, p.y, p.colour]))), "each point sits where the API places it, in its QuadClass colour");
  if (eventsMap.points.length > 0) {
    await page.$eval("#map-points circle[data-point='0']", (c) => c.dispatchEvent(new MouseEvent("click", { bubbles: true })));
    await page.waitForFunction(() => document.querySelectorAll("#map-events-table tbody tr").length > 0);
    const listed = (await page.$$("#map-events-table tbody tr")).length;
    check(listed === Math.min(eventsMap.points[0].events, 10), `clicking the busiest place lists ${listed} of its ${eventsMap.points[0].events} events`);
  }
  await (await page.$("#map-panel")).screenshot({ path: screenshot.replace(/\.png$/, "-event-map.png") });

  // Errors reach the user as text, not as a blank page.
  await page.fill("#state-b", "NOWHERE");
  await page.click("#show");
  await page.waitForFunction(() => document.querySelector("#status").classList.contains("error"));
  check((await page.textContent("#status")).includes("unknown actor"), `a bad state is explained: ${await page.textContent("#status")}`);

  check(external.length === 0, `no request left the server (offline): ${external.join(", ") || "none"}`);
  check(consoleErrors.filter((e) => !e.includes("400") && !e.includes("Bad Request")).length === 0, `no script errors: ${consoleErrors.join(" | ") || "none"}`);
} catch (e) {
  failed = true;
  console.error(`FAILED: ${e.message}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

function expected_nonzero(api) {
  return api.directions.some((d) => d.points.some((p) => p.events > 0));
}
