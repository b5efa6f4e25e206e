"""The store and its questions.

Each question's parameters — names, defaults, help — come from the one definition in Rust that the CLI and the
HTTP API also read (``fulcrum._fulcrum.parameters``); nothing here restates them. Python names follow the CLI's
long options with ``_`` for ``-`` (``min_size`` ↔ ``--min-size``); ``from`` and ``break``, keywords in Python,
are ``from_`` and ``break_``.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import os
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import pyarrow as pa

from . import _fulcrum as _native
from ._answer import Answer, CodedEvents, IngestReport, Stats
from ._progress import Progress

PathLike = Union[str, "os.PathLike[str]"]

#: Python keywords among the parameter names, and what Python calls them.
_RENAMED = {"from": "from_", "break": "break_"}


def _py_name(name: str) -> str:
    return _RENAMED.get(name, name)


def _text(name: str, value: Any) -> str:
    """A Python value as the query-string text the one definition parses."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ",".join(_text(name, v) for v in value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (str, int, float)):
        return str(value)
    raise TypeError(f"parameter '{_py_name(name)}': cannot use a {type(value).__name__} ({value!r})")


def _default(text: Optional[str]) -> Any:
    """A default as clap renders it, as the Python value it stands for (for signatures and help only)."""
    if text is None:
        return None
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


# What each question is, with examples; the parameters are appended from the definition.
_ABOUT: Dict[str, Tuple[str, str]] = {
    "dyad": (
        "Directed-dyad series: how A treats B and B treats A, period by period (events, Goldstein sum and mean,\n"
        "net cooperation, QuadClass counts and shares, tone).",
        'store.dyad("RUS", "PAK", by="month")\n'
        'store.dyad("India", "Pakistan", by="week", from_="2018-01-01", to="2018-04-30", dedup="daily")',
    ),
    "changes": (
        "Change points in a dyad's series (PELT), with the online detector's alerts (Adams & MacKay).",
        'store.changes("IND", "PAK", by="week")\n'
        'store.changes("RUS", "PAK", series="goldstein_mean", cost="normal", penalty=8)',
    ),
    "balance": (
        "The balancer view: how a third state treats two rivals (its tilt, with a 90% band), period by period,\n"
        "and with ``break_`` whether the tilt shifted at a date. Without ``third``, every third state (and the\n"
        "groups SCO, BRICS, QUAD, NATO, EU) is ranked by its tilt over the window.",
        'store.balance("RUS", between=("IND", "PAK"), by="month", break_="2018-06-01")\n'
        'store.balance(between=("IND", "PAK"), from_="2018-01-01", to="2018-10-31")   # who balances whom',
    ),
    "triad": (
        "Signed triads and structural balance among three or more states, per (rolling) period: edge signs,\n"
        "balanced triangles, frustration and the two camps attaining it.",
        'store.triad("RUS", "IND", "PAK", by="month")\n'
        'store.triad("RUS", "IND", "PAK", "CHN", "USA", span=3, neutral_band=0.5)',
    ),
    "var": (
        "The triangular VAR of Goldstein & Freeman over the six directed Goldstein-sum series of three states:\n"
        "lag order, Granger tests (in ``summary``), orthogonalised impulse responses with bootstrap bands (the\n"
        "table) and their grid (``plot()``).",
        'store.var("RUS", "IND", "PAK", by="week", lags="bic", horizon=8)',
    ),
    "forecast_dyad": (
        "Forecast one direction of a dyad (A → B), with 50% and 90% predictive intervals.",
        'store.forecast_dyad("RUS", "PAK", by="week", horizon=12)\n'
        'store.forecast_dyad("India", "Pakistan", target="q4", model="all")',
    ),
    "backtest": (
        "Score the dyad forecast models on the past (rolling origin): CRPS, MSE of log counts, coverage of the\n"
        "50% and 90% intervals.",
        'store.backtest("RUS", "PAK", by="week", horizon=4, origins=20)',
    ),
    "forecast_tkg": (
        "Next-event forecasting on a temporal knowledge graph — a benchmark folder (``dataset``) or the store's\n"
        "events — scored by time-aware filtered MRR and Hits@1/3/10 (single-step, both directions).",
        'store.forecast_tkg(dataset="../shared/data/icews14/regcn")\n'
        'store.forecast_tkg(dataset="../shared/data/icews18/diffutkg", model="rules", predictions=True)',
    ),
}


def _question(name: str) -> Callable[..., Answer]:
    """A method asking ``name``, with the signature and help of its definition."""
    definition = _native.parameters(name)
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    keyword = []
    doc_lines = []
    rivals = name == "balance"
    for native, required, default, help_text, many, positional in definition:
        py = _py_name(native)
        if rivals and native in ("a", "b"):
            continue
        if positional and many:
            params.append(inspect.Parameter(py, inspect.Parameter.VAR_POSITIONAL))
            doc_lines.append(f"{py} : str, several — {help_text}")
        elif positional:
            params.append(
                inspect.Parameter(
                    py,
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=inspect.Parameter.empty if required else None,
                )
            )
            doc_lines.append(f"{py} : str — {help_text}")
        else:
            keyword.append(inspect.Parameter(py, inspect.Parameter.KEYWORD_ONLY, default=_default(default)))
            shown = "" if default is None else f" (default {_default(default)!r})"
            doc_lines.append(f"{py}{shown} — {help_text}")
        if rivals and native == "third":
            params.append(inspect.Parameter("between", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None))
            doc_lines.append("between : (str, str) — The two rivals (the CLI's --between A B).")
    signature = inspect.Signature(params + keyword)
    natives = {_py_name(p[0]): p[0] for p in definition}

    def ask(self: "Store", *args: Any, **kwargs: Any) -> Answer:
        bound = signature.bind(self, *args, **kwargs)
        query: Dict[str, str] = {}
        for py, value in bound.arguments.items():
            if py == "self" or value is None:
                continue
            if py == "between":
                if isinstance(value, str) or len(value) != 2:
                    raise _native.InvalidRequestError("'between' takes exactly two actors, e.g. ('IND', 'PAK')")
                query["a"], query["b"] = (_text("between", v) for v in value)
                continue
            if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], (list, tuple)):
                value = value[0]  # triad(["RUS", "IND", "PAK"]) as well as triad("RUS", "IND", "PAK")
            native = natives[py]
            query[native] = _text(native, value)
        return self._ask(name, query)

    about, examples = _ABOUT[name]
    ask.__name__ = name
    ask.__qualname__ = f"Store.{name}"
    ask.__signature__ = signature  # type: ignore[attr-defined]
    ask.__doc__ = (
        f"{about}\n\nParameters (the CLI's, with its defaults)\n----------\n"
        + "\n".join(doc_lines)
        + f"\n\nReturns an Answer: .table (pyarrow), .summary, .plot(), .to_pandas().\n\nExamples\n--------\n{examples}\n"
    )
    return ask


class Store:
    """A Fulcrum store: a folder of Hive-partitioned Parquet (``year=YYYY/month=MM``) that DuckDB, polars and
    Spark read as-is.

    ``path`` defaults, as in the CLI, to ``$FULCRUM_STORE`` or ``fulcrum-store``; ``dictionaries`` (the
    PETRARCH-2 folder whose dated roles resolve people such as "Vladimir Putin" to their state) to
    ``$FULCRUM_DICT`` or ``dictionaries``. With ``cluster`` (``df://HOST:PORT``, default ``$FULCRUM_CLUSTER``) the
    store's reads run on an Apache DataFusion Ballista cluster, as the CLI's ``--cluster`` (docs/cluster.md);
    ``cluster_timeout`` is its ``--cluster-timeout`` in seconds.

    Example
    -------
    >>> store = fulcrum.Store("fulcrum-store")                       # doctest: +SKIP
    >>> store.ingest(["../shared/data/icews18/diffutkg"])             # doctest: +SKIP
    >>> store.balance("RUS", between=("IND", "PAK"), by="month")       # doctest: +SKIP
    """

    def __init__(
        self,
        path: Optional[PathLike] = None,
        dictionaries: Optional[PathLike] = None,
        cluster: Optional[str] = None,
        cluster_timeout: float = 600.0,
    ):
        path = path if path is not None else os.environ.get("FULCRUM_STORE", "fulcrum-store")
        dictionaries = dictionaries if dictionaries is not None else os.environ.get("FULCRUM_DICT", "dictionaries")
        cluster = cluster if cluster is not None else os.environ.get("FULCRUM_CLUSTER") or None
        self._native = _native._Store(os.fspath(path), os.fspath(dictionaries), cluster, float(cluster_timeout))
        self._said: set = set()

    @property
    def path(self) -> str:
        return str(self._native.path)

    @property
    def dictionaries(self) -> str:
        return str(self._native.dict)

    @property
    def cluster(self) -> Optional[str]:
        """The cluster's scheduler (``df://HOST:PORT``) the reads run on, or None (in process)."""
        return self._native.cluster

    def __repr__(self) -> str:
        return f"fulcrum.Store({self.path!r})"

    def _ask(self, question: str, query: Mapping[str, str]) -> Answer:
        progress = Progress(question, said=self._said)
        try:
            raw = self._native.ask(question, dict(query), progress)
        finally:
            progress.done()
        return Answer(raw)

    def ingest(
        self,
        paths: Union[PathLike, Iterable[PathLike]],
        *,
        format: Optional[str] = None,
        max_reject_rate: Optional[float] = None,
        tkg_epoch: Union[str, _dt.date, None] = None,
        tkg_units_per_day: Optional[int] = None,
        threads: Optional[int] = None,
        progress: bool = True,
    ) -> IngestReport:
        """Reads files, folders (recursively), globs into the store, as ``fulcrum ingest`` does: formats
        detected (GDELT 1.0/2.0, ICEWS, TKG benchmarks), ``.gz``/``.zip`` read directly, every rejected line
        kept in the ``quarantine`` table with its reason, duplicates skipped, each group of inputs committed
        atomically. Progress and a line per input go to stderr; the CLI's closing line is printed.

        format: gdelt1, gdelt2, icews, tkg-ids or tkg-named (default: detected).
        max_reject_rate: stop (TooManyRejectsError) when more than this share of rows is quarantined.
        tkg_epoch, tkg_units_per_day: dates of an id-coded TKG of your own.

        Example: ``store.ingest(["../shared/data/gdelt2", "downloads/*.export.CSV.zip"])``
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        inputs = [os.fspath(p) for p in paths]
        epoch = _text("tkg_epoch", tkg_epoch) if tkg_epoch is not None else None
        shown = Progress("ingest", show=progress, said=self._said)
        try:
            raw = self._native.ingest(
                inputs, shown, format, max_reject_rate, epoch, tkg_units_per_day, threads
            )
        finally:
            shown.done()
        report = IngestReport(raw)
        print(repr(report))
        return report

    def sql(self, query: str) -> pa.Table:
        """Runs one SQL query (DataFusion) over the tables ``events`` and ``quarantine``; a pyarrow Table.

        Example: ``store.sql("SELECT dataset, count(*) AS n FROM events GROUP BY dataset")``
        """
        return self._native.sql(query)["table"]

    def stats(self, top: int = 10) -> Stats:
        """What the store holds: rows by dataset and year, the date range, top actors and dyads, quarantine by
        reason, and how many events have a state on both sides once people are resolved (``fulcrum stats``)."""
        progress = Progress("stats", said=self._said)
        try:
            return Stats(self._native.stats(top, progress))
        finally:
            progress.done()

    dyad = _question("dyad")
    changes = _question("changes")
    balance = _question("balance")
    triad = _question("triad")
    var = _question("var")
    forecast_dyad = _question("forecast_dyad")
    backtest = _question("backtest")
    forecast_tkg = _question("forecast_tkg")


Document = Union[str, Mapping[str, Any]]


def code(
    documents: Union[Document, Sequence[Document]],
    dictionaries: Optional[PathLike] = None,
    date: Union[str, _dt.date, None] = None,
) -> CodedEvents:
    """Codes English text into CAMEO events (who did what to whom, when), as ``fulcrum code`` does.

    ``documents``: a text, a list of texts (ids ``text-1``, ``text-2``, …) or records with ``text`` and
    optionally ``id`` and ``date`` (like the CLI's JSON Lines input). ``date`` is the date of texts without one.
    ``dictionaries``: a PETRARCH-2 folder (``fulcrum dict fetch`` downloads one); default ``$FULCRUM_DICT`` or
    ``dictionaries``.

    Returns the events as rows of the store's schema with provenance (``story_id``, ``sentence_number``,
    ``sentence_text``, ``source_phrase``, ``target_phrase``, ``verb_phrase``).

    Example
    -------
    >>> fulcrum.code("Russia offered to mediate between India and Pakistan.", date="2019-03-01")  # doctest: +SKIP
    """
    if isinstance(documents, (str, Mapping)):
        documents = [documents]
    docs: List[Tuple[str, Optional[str], str]] = []
    for i, d in enumerate(documents, start=1):
        if isinstance(d, str):
            docs.append((f"text-{i}", None, d))
        elif isinstance(d, Mapping):
            if "text" not in d:
                raise _native.InvalidRequestError(f"document {i} has no 'text'")
            day = d.get("date")
            docs.append((str(d.get("id", f"text-{i}")), None if day is None else _text("date", day), str(d["text"])))
        else:
            raise TypeError(f"document {i}: a text or a record with 'text', not a {type(d).__name__}")
    dictionaries = dictionaries if dictionaries is not None else os.environ.get("FULCRUM_DICT", "dictionaries")
    day = _text("date", date) if date is not None else None
    return CodedEvents(_native.code(docs, os.fspath(dictionaries), day))


def parameters(question: str) -> List[Dict[str, Any]]:
    """The parameters a question takes, from the definition the CLI and the API share: name (as Python
    spells it), required, default, help."""
    return [
        {"name": _py_name(n), "required": r, "default": _default(d), "help": h, "many": m, "positional": p}
        for n, r, d, h, m, p in _native.parameters(question)
    ]
