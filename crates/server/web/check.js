// The dashboard's "Check an article" panel: the article (pasted or opened) → POST /api/check → a table of claims
// with their verdicts; a claim's "chart" button draws its states in the dyad chart over the period it was tested on.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function showClaim(check) {
    const s = check.claim.states;
    $("state-a").value = s[0];
    $("state-b").value = s[1];
    $("state-c").value = s[2] || "";
    // Every period the claim was tested on (ISO dates compare as strings).
    $("from").value = check.periods.map((p) => p.from).sort()[0];
    $("to").value = check.periods.map((p) => p.to).sort().pop();
    $("controls").requestSubmit();
    $("dyad-panel").scrollIntoView({ behavior: "smooth" });
  }

  function render(report) {
    const counts = {};
    for (const c of report.checks) counts[c.verdict] = (counts[c.verdict] || 0) + 1;
    const tally = ["supported", "contradicted", "not_clear", "no_data"].map((v) => `${counts[v] || 0} ${v.replace("_", " ")}`).join(", ");
    $("check-summary").textContent =
      `${report.sentences} sentences, ${report.checks.length} claims (${tally}), ${report.not_understood.length} not understood — article dated ${report.date}, window ${report.window_days} days, horizon ${report.after_days} days` +
      (report.people ? "" : " (states found by name only: the server has no dictionary folder for people)");
    const body = $("check-table").querySelector("tbody");
    body.replaceChildren();
    report.checks.forEach((c, i) => {
      const row = document.createElement("tr");
      row.className = "claim";
      cell(row, String(c.claim.sentence_number));
      cell(row, c.reading + (c.claim.inferred.length ? ` — ${c.claim.inferred.join(", ")} from context` : ""));
      cell(row, c.verdict.replace("_", " "), `verdict ${c.verdict}`);
      cell(row, c.evidence);
      cell(row, c.claim.sentence, "muted");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "chart";
      button.title = "Draw these states' dyad over the period tested";
      button.addEventListener("click", () => showClaim(c));
      cell(row, "").appendChild(button);
      row.dataset.index = String(i);
      body.appendChild(row);
    });
    const list = $("check-not-understood");
    list.replaceChildren();
    for (const n of report.not_understood) {
      const li = document.createElement("li");
      li.textContent = `sentence ${n.sentence_number} (${n.states.join(", ")}): ${n.sentence}`;
      list.appendChild(li);
    }
    $("check-nu-title").hidden = report.not_understood.length === 0;
  }

  async function run(ev) {
    ev.preventDefault();
    const summary = $("check-summary");
    summary.textContent = "checking…";
    summary.classList.remove("error");
    try {
      const response = await fetch("/api/check", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: $("check-text").value, date: $("check-date").value, window: $("check-window").value, after: $("check-after").value }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error ? body.error.message : `${response.status} ${response.statusText}`);
      render(body);
    } catch (err) {
      summary.textContent = err.message;
      summary.classList.add("error");
    }
  }

  $("check-form").addEventListener("submit", run);
  $("check-file").addEventListener("change", async () => {
    const file = $("check-file").files[0];
    if (file) $("check-text").value = await file.text();
  });
})();
