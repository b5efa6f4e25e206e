"""The package itself, on stores written here (no shared data needed): zero-copy tables, pandas and polars,
reprs and charts, exceptions with the CLI's messages, ingest reports, the coder, the GIL and Ctrl-C."""

from __future__ import annotations

import _thread
import ast
import fcntl
import inspect
import json
import random
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

import fulcrum
from conftest import fixture_lines, gdelt2_line, run_cli, without_nulls

PACKAGE = Path(fulcrum.__file__).parent


# ---------------------------------------------------------------------------------------------- Arrow, zero copy


def data_buffer_addresses(table: pa.Table) -> list:
    """The addresses of each column's data buffers in its first chunk (the validity bitmap left out, as Rust
    keeps it apart from the data buffers)."""
    return [[b.address for b in col.chunk(0).buffers()[1:] if b is not None] for col in table.columns]


@pytest.mark.parametrize(
    "ask",
    [
        lambda s: s.dyad("RUS", "PAK", by="week"),
        lambda s: s.balance("RUS", between=("IND", "PAK"), by="week"),
        lambda s: s.triad("RUS", "IND", "PAK"),
        lambda s: s.forecast_dyad("RUS", "PAK", by="week", horizon=4),
    ],
    ids=["dyad", "balance", "triad", "forecast"],
)
def test_answers_cross_into_python_without_a_copy(fixture_store: fulcrum.Store, ask) -> None:
    answer = ask(fixture_store)
    assert isinstance(answer.table, pa.Table)
    rust = [[a for a in col] for col in answer._addresses]
    assert rust and all(rust)
    # The same memory: pyarrow reads the buffers Rust filled.
    python = data_buffer_addresses(answer.table)
    assert [col[: len(r)] for col, r in zip(python, rust)] == rust


def test_sql_results_cross_without_a_copy(fixture_store: fulcrum.Store) -> None:
    raw = fixture_store._native.sql("SELECT event_code, goldstein, actor1_code FROM events ORDER BY event_id")
    table, rust = raw["table"], raw["addresses"]
    assert table.num_rows > 0
    python = data_buffer_addresses(table)
    assert [col[: len(r)] for col, r in zip(python, rust)] == rust


def test_pandas_and_polars_conversion(fixture_store: fulcrum.Store) -> None:
    pandas = pytest.importorskip("pandas")
    polars = pytest.importorskip("polars")
    answer = fixture_store.dyad("RUS", "PAK", by="week")
    frame = answer.to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == answer.table.column_names
    assert len(frame) == len(answer)
    assert frame["events"].sum() == pytest.approx(sum(answer.table.column("events").to_pylist()))
    pl = answer.to_polars()
    assert isinstance(pl, polars.DataFrame)
    assert pl.shape == (answer.table.num_rows, answer.table.num_columns)
    assert polars.from_arrow(fixture_store.sql("SELECT count(*) AS n FROM events")).item() == len(fixture_lines())
    # Answers speak the Arrow stream protocol themselves.
    assert pa.table(answer).equals(answer.table)
    assert polars.DataFrame(answer).equals(pl)


# ---------------------------------------------------------------------------------------------- reprs and charts


def test_repr_and_html_show_title_rows_and_summary(fixture_store: fulcrum.Store) -> None:
    answer = fixture_store.balance("RUS", between=("IND", "PAK"), by="week", break_="2019-03-12")
    text = repr(answer)
    assert answer.title in text and "tilt" in text and "break at 2019-03-12" in text
    page = answer._repr_html_()
    assert page.count("<tr>") == min(len(answer), 20) + 1
    assert "<th>tilt</th>" in page
    stats = fixture_store.stats()
    assert "events by dataset and year" in repr(stats) and "<table>" in stats._repr_html_()


def test_plot_is_the_chart_the_cli_draws(fixture_store: fulcrum.Store, cli: Path, tmp_path: Path) -> None:
    answer = fixture_store.dyad("RUS", "PAK", by="week", break_="2019-03-12")
    chart = answer.plot()
    assert chart._repr_svg_().lstrip().startswith("<svg")
    out = tmp_path / "cli.svg"
    run_cli(cli, fixture_store, ["dyad", "RUS", "PAK", "--by", "week", "--break", "2019-03-12", "--plot", str(out)])
    assert chart.svg == out.read_text(encoding="utf-8")
    png = tmp_path / "py.png"
    answer.plot(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ranking = fixture_store.balance(between=("IND", "PAK"))
    with pytest.raises(fulcrum.FulcrumError, match="no chart"):
        ranking.plot()


# ---------------------------------------------------------------------------------------------- errors


def cli_error(cli: Path, store: fulcrum.Store, args: list) -> str:
    out = run_cli(cli, store, args, ok=False)
    assert out.returncode != 0
    last = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert last, out.stderr
    return last[-1][len("error: "):]


def test_an_unknown_actor_raises_with_the_cli_message(fixture_store: fulcrum.Store, cli: Path) -> None:
    with pytest.raises(fulcrum.UnknownActorError) as caught:
        fixture_store.dyad("RUS", "Atlantis")
    assert isinstance(caught.value, fulcrum.InvalidRequestError)
    # The CLI says it in clap's words around the same reason: "invalid value 'Atlantis' for '<B>': <reason>".
    message = str(caught.value)
    assert message.startswith("parameter 'b': unknown actor 'Atlantis': use a CAMEO country code")
    reason = message[len("parameter 'b': "):]
    assert cli_error(cli, fixture_store, ["dyad", "RUS", "Atlantis"]) == f"invalid value 'Atlantis' for '<B>': {reason}"


def test_a_missing_store_raises_with_the_cli_message(tmp_path: Path, cli: Path) -> None:
    store = fulcrum.Store(tmp_path / "nowhere", tmp_path / "no-dictionaries")
    for ask in (lambda: store.dyad("RUS", "PAK"), lambda: store.sql("SELECT 1"), lambda: store.stats()):
        with pytest.raises(fulcrum.StoreNotFoundError) as caught:
            ask()
        assert "no store here" in str(caught.value)
    with pytest.raises(fulcrum.StoreNotFoundError) as caught:
        store.dyad("RUS", "PAK")
    assert str(caught.value) == cli_error(cli, store, ["dyad", "RUS", "PAK"])


def test_a_locked_store_raises_with_the_cli_message(fixture_store: fulcrum.Store, cli: Path,
                                                    tmp_path: Path) -> None:
    source = tmp_path / "more.export.CSV"
    source.write_text(gdelt2_line(900001, "20190801", "RUSGOV", "PAKGOV", "057") + "\n", encoding="utf-8")
    lock = Path(fixture_store.path) / "_fulcrum" / "lock"
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running ingest holds
        with pytest.raises(fulcrum.StoreLockedError) as caught:
            fixture_store.ingest([source], progress=False)
        assert str(caught.value) == cli_error(cli, fixture_store, ["ingest", str(source)])
        # Readers are not blocked by a writer.
        assert len(fixture_store.dyad("RUS", "PAK")) > 0


def test_bad_parameters_name_themselves(fixture_store: fulcrum.Store) -> None:
    with pytest.raises(fulcrum.InvalidRequestError, match="parameter 'by'"):
        fixture_store.dyad("RUS", "PAK", by="fortnight")
    with pytest.raises(fulcrum.InvalidRequestError, match="'from' is after 'to'"):
        fixture_store.dyad("RUS", "PAK", from_="2019-05-01", to="2019-01-01")
    with pytest.raises(fulcrum.InvalidRequestError, match="parameter 'break'"):
        fixture_store.dyad("RUS", "PAK", break_="yesterday")
    with pytest.raises(TypeError):
        fixture_store.dyad("RUS", "PAK", fortnight=True)
    with pytest.raises(fulcrum.InvalidRequestError, match="between"):
        fixture_store.balance("RUS", between=("IND",))
    with pytest.raises(fulcrum.NoDataError):
        fixture_store.dyad("RUS", "PAK", from_="2030-01-01", to="2030-12-31")
    with pytest.raises(fulcrum.InvalidRequestError, match="max_reject_rate"):
        fixture_store.ingest(["x"], max_reject_rate=2.0)


# ---------------------------------------------------------------------------------------------- ingest


def test_ingest_reports_as_the_cli_and_quarantines_bad_lines(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "mixed.export.CSV"
    good = fixture_lines()[:50]
    source.write_text("\n".join(good + ["this line is not GDELT"]) + "\n", encoding="utf-8")
    store = fulcrum.Store(tmp_path / "store", tmp_path / "no-dictionaries")
    report = store.ingest(source)
    assert (report["read"], report["stored"], report["quarantined"], report["duplicates"]) == (51, 50, 1, 0)
    assert sum(report["quarantined_by_reason"].values()) == 1
    printed = capsys.readouterr()
    assert f"+ {source} [gdelt2]: read 51, stored 50, quarantined 1, duplicates skipped 0" in printed.err
    assert "read 51 = stored 50 + quarantined 1 + duplicates skipped 0" in printed.out
    quarantine = store.sql("SELECT input_file, line_number, reason FROM quarantine").to_pylist()
    assert [(q["line_number"]) for q in quarantine] == [51]
    again = store.ingest(source, progress=False)
    assert again["unchanged"] == 1 and again["stored"] == 0


# ---------------------------------------------------------------------------------------------- the coder


def toy_dictionaries(root: Path) -> Path:
    """PETRARCH-2-style dictionaries of two verbs and three states."""
    dictionaries = root / "dict"
    dictionaries.mkdir()
    (dictionaries / "CAMEO.2.0.txt").write_text(
        "####### VERB PATTERNS #######\n---  ACCUSE   [112]  ---\nACCUSE\n---  PRAISE   [051]  ---\nPRAISE {PRAISED}\n",
        encoding="utf-8",
    )
    (dictionaries / "toy.actors.txt").write_text("RUSSIA_ [RUS]\nINDIA_ [IND]\nPAKISTAN_ [PAK]\n", encoding="utf-8")
    return dictionaries


def test_code_returns_events_with_provenance(tmp_path: Path) -> None:
    dictionaries = toy_dictionaries(tmp_path)
    events = fulcrum.code(
        ["India accused Pakistan of shelling the border.", {"id": "op-ed", "date": "2019-03-01",
                                                           "text": "Russia praised India."}],
        dictionaries=dictionaries,
        date="2019-02-20",
    )
    rows = events.to_pylist()
    got = sorted((r["actor1_code"], r["actor2_code"], r["event_code"], r["story_id"]) for r in rows)
    assert got == [("IND", "PAK", "112", "text-1"), ("RUS", "IND", "051", "op-ed")]
    first = next(r for r in rows if r["story_id"] == "text-1")
    assert first["sentence_text"].startswith("India accused Pakistan")
    assert first["source_phrase"] and first["target_phrase"] and first["verb_phrase"]
    with pytest.raises(fulcrum.InvalidRequestError, match="no date"):
        fulcrum.code("India accused Pakistan.", dictionaries=dictionaries)
    with pytest.raises(fulcrum.FulcrumError, match="loading dictionaries"):
        fulcrum.code("India accused Pakistan.", dictionaries=tmp_path / "missing", date="2019-01-01")


def test_code_gives_the_cli_events(tmp_path: Path, cli: Path) -> None:
    dictionaries = toy_dictionaries(tmp_path)
    text = "India accused Pakistan of shelling the border. Russia praised India on Tuesday."
    doc = tmp_path / "statement.txt"
    doc.write_text(text, encoding="utf-8")
    out = tmp_path / "cli.jsonl"
    store = fulcrum.Store(tmp_path / "unused-store", dictionaries)
    run_cli(cli, store, ["code", str(doc), "--date", "2019-02-20", "--out", str(out)])
    expected = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    events = fulcrum.code({"id": str(doc), "text": text}, dictionaries=dictionaries, date="2019-02-20")
    assert len(expected) == 2
    assert without_nulls(events.to_pylist()) == expected


# ---------------------------------------------------------------------------------------------- GIL and Ctrl-C


@pytest.fixture(scope="module")
def big_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TGB-style edge list large enough that fitting the combined model takes a while."""
    path = tmp_path_factory.mktemp("graph") / "tkgl-synthetic_edgelist.csv"
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as f:
        f.write("timestamp,head,tail,relation_type\n")
        for day in range(400):
            for _ in range(600):
                s = rng.randrange(800)
                f.write(f"{day},e{s},e{(s * 7 + rng.randrange(40)) % 800},r{rng.randrange(30)}\n")
    return path


def test_long_calls_release_the_gil(fixture_store: fulcrum.Store, big_graph: Path) -> None:
    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (fixture_store.forecast_tkg(dataset=big_graph, model="rules", max_queries=2000), done.set())
    )
    started = time.monotonic()
    worker.start()
    ticks = 0
    while not done.is_set() and time.monotonic() - started < 600:
        ticks += 1  # pure Python: runs only while the call has let go of the GIL
        time.sleep(0.001)
    worker.join()
    elapsed = time.monotonic() - started
    assert done.is_set()
    assert elapsed > 0.3, f"the call took {elapsed:.2f} s: too short to show anything"
    assert ticks > 0.3 * elapsed / 0.0011, (ticks, elapsed)


def test_ctrl_c_interrupts_a_long_call(fixture_store: fulcrum.Store, big_graph: Path) -> None:
    timer = threading.Timer(1.0, _thread.interrupt_main)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            fixture_store.forecast_tkg(dataset=big_graph, model="combined")
    finally:
        timer.cancel()
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"KeyboardInterrupt came {elapsed:.2f} s after the call began (signal at 1 s)"


# ---------------------------------------------------------------------------------------------- one definition


def stub_signatures() -> dict:
    """Store's method signatures as the type stubs write them: name → [(parameter, default text)]."""
    tree = ast.parse((PACKAGE / "__init__.pyi").read_text(encoding="utf-8"))
    store = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Store")
    out = {}
    for fn in store.body:
        if isinstance(fn, ast.FunctionDef):
            a = fn.args
            positional = a.posonlyargs + a.args
            defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
            params = [(p.arg, None if d is None else ast.literal_eval(d)) for p, d in zip(positional, defaults)]
            if a.vararg:
                params.append(("*" + a.vararg.arg, None))
            params += [(p.arg, None if d is None else ast.literal_eval(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
            out[fn.name] = params
    return out


def runtime_signature(method) -> list:
    out = []
    for p in inspect.signature(method).parameters.values():
        name = "*" + p.name if p.kind is p.VAR_POSITIONAL else p.name
        default = None if p.default is p.empty else p.default
        out.append((name, default))
    return out


@pytest.mark.parametrize("question", fulcrum.QUESTIONS)
def test_stubs_and_signatures_follow_the_one_definition(question: str) -> None:
    method = getattr(fulcrum.Store, question)
    assert stub_signatures()[question] == runtime_signature(method)
    definition = fulcrum.parameters(question)
    for p in definition:
        if p["name"] in ("a", "b") and question == "balance":
            continue
        assert p["help"] and p["help"].split(".")[0][:30] in method.__doc__, p["name"]
    # Defaults shown are the definition's: e.g. by=month everywhere a window is taken.
    shown = {p.name: p.default for p in inspect.signature(method).parameters.values()}
    if "by" in shown:
        assert shown["by"] == "month"


def test_help_teaches(capsys: pytest.CaptureFixture) -> None:
    help(fulcrum.Store.balance)
    text = capsys.readouterr().out
    assert "between" in text and "min_events" in text and "Examples" in text
    assert fulcrum.Store.__doc__ and fulcrum.code.__doc__ and fulcrum.__doc__



# ---------------------------------------------------------------------------------------------- on a cluster


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_store_on_a_cluster_answers_as_in_process(fixture_store: fulcrum.Store, cli: Path, tmp_path: Path) -> None:
    import subprocess
    import urllib.request

    port = free_port()
    logs = open(tmp_path / "cluster.log", "w")
    processes = [
        subprocess.Popen([str(cli), "cluster", "scheduler", "--bind", f"127.0.0.1:{port}"], stdout=logs,
                         stderr=subprocess.STDOUT),
        subprocess.Popen([str(cli), "cluster", "executor", "--scheduler", f"127.0.0.1:{port}", "--bind",
                          "127.0.0.1", "--port", str(free_port()), "--cores", "1", "--memory", "1G",
                          "--work-dir", str(tmp_path / "work")], stdout=logs, stderr=subprocess.STDOUT),
    ]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "cluster.log").read_text()
            time.sleep(0.2)
        remote = fulcrum.Store(fixture_store.path, fixture_store.dictionaries, cluster=f"df://127.0.0.1:{port}")
        assert remote.cluster == f"df://127.0.0.1:{port}"
        for ask in (lambda s: s.dyad("RUS", "PAK", by="week"), lambda s: s.balance(between=("IND", "PAK"))):
            assert ask(remote).to_pylist() == ask(fixture_store).to_pylist()
        query = "SELECT year, month, count(*) AS n FROM events GROUP BY 1, 2 ORDER BY 1, 2"
        assert remote.sql(query).to_pylist() == fixture_store.sql(query).to_pylist()
    finally:
        for p in processes:
            p.kill()
            p.wait()
    with pytest.raises(fulcrum.InvalidRequestError):
        fulcrum.Store(fixture_store.path, cluster="df://127.0.0.1:1", cluster_timeout=0)
    with pytest.raises(fulcrum.InvalidRequestError, match="not a cluster address"):
        fulcrum.Store(fixture_store.path, cluster="localhost").dyad("RUS", "PAK")


def test_object_store_urls_read_only_and_s3_only(tmp_path):
    """An s3:// store is read-only: ingest is refused with what to do; other object stores are refused at once."""
    remote = fulcrum.Store("s3://analysis/stores/gdelt")
    assert remote.path == "s3://analysis/stores/gdelt"
    data = tmp_path / "x.export.CSV"
    data.write_text("")
    with pytest.raises(fulcrum.InvalidRequestError, match="fulcrum push s3://analysis/stores/gdelt"):
        remote.ingest(data)
    with pytest.raises(fulcrum.InvalidRequestError, match="not supported"):
        fulcrum.Store("gs://bucket/store")
