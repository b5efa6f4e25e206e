// End-to-end test of the dashboard's "Check an article" panel in real headless Chromium (playwright-core).
//
//   node tests/browser/check.mjs BASE_URL SCREENSHOT.png DATE ARTICLE_TEXT
//
// Pastes the article, sets its date, runs the check, compares every row of the table with POST /api/check (the
// reading and the verdict), checks the not-understood list, opens the same text as a file, clicks a claim's
// "chart" button through to the dyad chart of its states, and saves a screenshot. Exits non-zero on the first
// failed check.
import { chromium } from "playwright-core";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, screenshot, date, text] = process.argv.slice(2);
if (!text) {
  console.error("usage: node check.mjs BASE_URL SCREENSHOT.png DATE ARTICLE_TEXT");
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
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1600 } })).newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base, { waitUntil: "networkidle" });

  // What the API says, for the same article.
  const response = await fetch(`${base}api/check`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text, date }),
  });
  check(response.ok, `POST /api/check answers ${response.status}`);
  const api = await response.json();
  check(api.checks.length > 0, `the API reads ${api.checks.length} claims`);

  // Paste, date, check.
  await page.fill("#check-text", text);
  await page.fill("#check-date", date);
  await page.click("#check-run");
  await page.waitForSelector("#check-table tbody tr.claim", { timeout: 30000 });
  const rows = await page.$$eval("#check-table tbody tr.claim", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  check(rows.length === api.checks.length, `the table lists every claim (${rows.length})`);
  api.checks.forEach((c, i) => {
    check(rows[i][1].startsWith(c.reading), `row ${i + 1} reads "${c.reading}"`);
    check(rows[i][2] === c.verdict.replace("_", " "), `row ${i + 1}'s verdict is ${c.verdict}`);
    check(rows[i][3] === c.evidence, `row ${i + 1} shows the evidence`);
  });
  const summary = await page.textContent("#check-summary");
  check(summary.includes(`${api.checks.length} claims`), `summary: ${summary}`);
  const notUnderstood = await page.$$eval("#check-not-understood li", (lis) => lis.length);
  check(notUnderstood === api.not_understood.length, `not understood listed (${notUnderstood})`);

  // The same article opened as a file fills the text box.
  const file = join(tmpdir(), `fulcrum-check-${process.pid}.txt`);
  writeFileSync(file, text);
  await page.fill("#check-text", "");
  await page.setInputFiles("#check-file", file);
  await page.waitForFunction(() => document.querySelector("#check-text").value.length > 0);
  check((await page.inputValue("#check-text")) === text, "opening a file fills the article box");

  // A claim's chart: its states and period in the form, the dyad chart redrawn.
  const first = api.checks[0];
  await page.click("#check-table tbody tr.claim:first-child button");
  await page.waitForFunction(
    (a) => document.querySelector("#state-a").value === a && document.querySelector("#status").textContent.includes("events between"),
    first.claim.states[0],
    { timeout: 30000 },
  );
  check((await page.inputValue("#state-b")) === first.claim.states[1], `the chart button sets B to ${first.claim.states[1]}`);
  const firstDay = first.periods.map((p) => p.from).sort()[0];
  check((await page.inputValue("#from")) === firstDay, `…and the period from ${firstDay}`);
  await page.waitForSelector("#dyad-chart svg");

  check(errors.length === 0, `no console errors (${errors.join("; ")})`);

  // Errors are said, in the panel (the browser logs the 400 itself).
  await page.fill("#check-date", "");
  await page.$eval("#check-date", (e) => e.removeAttribute("required"));
  await page.click("#check-run");
  await page.waitForFunction(() => document.querySelector("#check-summary").classList.contains("error"));
  check(/date/.test(await page.textContent("#check-summary")), "a missing date is reported in the panel");

  await page.$eval("#check-panel", (e) => e.scrollIntoView());
  await page.screenshot({ path: screenshot, fullPage: true });
} catch (err) {
  console.error(`FAILED: ${err.message}`);
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
