"""Answers and charts: an Arrow table with a title, a summary in words and the CLI's chart."""

from __future__ import annotations

import html
import os
from typing import Any, Dict, List, Optional

import pyarrow as pa

from . import _fulcrum as _native

#: Rows shown by ``repr`` and in Jupyter before the table is cut.
SHOWN_ROWS = 20


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_table(table: pa.Table, max_rows: int = SHOWN_ROWS) -> str:
    """The table as aligned text, at most ``max_rows`` rows (the rest counted)."""
    names = table.column_names
    rows = table.slice(0, max_rows).to_pylist()
    cells = [[_cell(r[n]) for n in names] for r in rows]
    widths = [max([len(n)] + [len(c[i]) for c in cells]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    if table.num_rows > max_rows:
        lines.append(f"… {table.num_rows - max_rows} more row(s) of {table.num_rows}")
    return "\n".join(lines)


def html_table(table: pa.Table, max_rows: int = SHOWN_ROWS) -> str:
    """The table as an HTML table, at most ``max_rows`` rows (the rest counted)."""
    names = table.column_names
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(r[n]))}</td>" for n in names) + "</tr>"
        for r in table.slice(0, max_rows).to_pylist()
    )
    more = (
        f"<p>… {table.num_rows - max_rows} more row(s) of {table.num_rows}</p>"
        if table.num_rows > max_rows
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


class Chart:
    """A chart of an answer: the drawing the CLI's ``--plot`` makes. Shown inline in Jupyter (SVG)."""

    def __init__(self, handle: Any, title: str):
        self._handle = handle
        self._svg: Optional[str] = None
        self.title = title

    @property
    def svg(self) -> str:
        """The chart as SVG text."""
        if self._svg is None:
            self._svg = _native.chart_svg(self._handle)
        return self._svg

    def save(self, path: "os.PathLike[str] | str") -> "Chart":
        """Draws the chart to ``path``: ``.svg`` or ``.png``, as ``--plot FILE`` does."""
        _native.chart_save(self._handle, os.fspath(path))
        return self

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return f"<fulcrum.Chart: {self.title}>"


class Answer:
    """The answer to a question.

    ``table`` is a :class:`pyarrow.Table` (handed over from Rust without a copy); ``summary`` says in words what
    the CLI prints around the table; ``plot()`` draws the CLI's chart. ``to_pandas()`` and ``to_polars()``
    convert the table.
    """

    def __init__(self, raw: Dict[str, Any]):
        self.question: str = raw["question"]
        self.title: str = raw["title"]
        self.summary: str = raw["summary"]
        self.table: pa.Table = raw["table"]
        #: Further tables by name (``predictions`` of ``forecast_tkg``).
        self.tables: Dict[str, pa.Table] = dict(raw.get("extra") or {})
        self._chart = raw.get("chart")
        self._addresses: List[List[int]] = raw["addresses"]

    def to_pandas(self, **kwargs: Any) -> Any:
        """The table as a pandas DataFrame (``pyarrow.Table.to_pandas``)."""
        return self.table.to_pandas(**kwargs)

    def to_polars(self) -> Any:
        """The table as a polars DataFrame (``polars.from_arrow``)."""
        import polars

        return polars.from_arrow(self.table)

    def to_pylist(self) -> List[Dict[str, Any]]:
        """The rows as dicts."""
        return self.table.to_pylist()

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule stream protocol: ``pyarrow.table(answer)``, ``polars.DataFrame(answer)`` and DuckDB
        read an answer directly, without a copy."""
        return self.table.__arrow_c_stream__(requested_schema)

    def plot(self, path: "os.PathLike[str] | str | None" = None) -> Chart:
        """The CLI's chart of this answer (shown inline in Jupyter); with ``path``, also drawn to that file."""
        if self._chart is None:
            raise _native.FulcrumError(f"{self.question} has no chart (the CLI draws none either)")
        chart = Chart(self._chart, self.title)
        if path is not None:
            chart.save(path)
        return chart

    def __len__(self) -> int:
        return self.table.num_rows

    def __getitem__(self, column: str) -> pa.ChunkedArray:
        return self.table.column(column)

    def __repr__(self) -> str:
        parts = [self.title, format_table(self.table)]
        if self.summary:
            parts.append(self.summary)
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        summary = f"<pre>{html.escape(self.summary)}</pre>" if self.summary else ""
        return f"<div><strong>{html.escape(self.title)}</strong>{html_table(self.table)}{summary}</div>"


class CodedEvents(Answer):
    """Events coded from text: rows of the store's schema with their provenance (document, sentence, phrases)."""

    def __init__(self, raw: Dict[str, Any]):
        super().__init__(
            {
                "question": "code",
                "title": raw["summary"],
                "summary": "\n".join(f"left out: {d}" for d in raw["dropped"]),
                "table": raw["table"],
                "addresses": raw["addresses"],
            }
        )
        #: Events left out, each with why.
        self.dropped: List[str] = list(raw["dropped"])

    def __repr__(self) -> str:
        shown = ["event_date", "actor1_code", "actor2_code", "event_code", "sentence_text"]
        table = self.table.select([c for c in shown if c in self.table.column_names])
        parts = [self.title, format_table(table)]
        if self.summary:
            parts.append(self.summary)
        return "\n\n".join(parts)


class Stats:
    """What a store holds, as ``fulcrum stats`` shows it."""

    def __init__(self, raw: Dict[str, Any]):
        self.summary: str = raw["summary"]
        self.resolution: str = raw["resolution"]
        #: name → (event sides, last day, how it resolves that day)
        self.names_without_state: Dict[str, Any] = dict(raw["names_without_state"])
        #: section title → table
        self.tables: Dict[str, pa.Table] = dict(raw["tables"])

    def __repr__(self) -> str:
        parts = [self.summary, self.resolution]
        for title, table in self.tables.items():
            parts.append(f"{title}:\n{format_table(table)}")
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        parts = [f"<p>{html.escape(self.summary)}</p><p>{html.escape(self.resolution)}</p>"]
        for title, table in self.tables.items():
            parts.append(f"<h4>{html.escape(title)}</h4>{html_table(table)}")
        return "<div>" + "".join(parts) + "</div>"


class IngestReport(dict):
    """What an ingest did: rows read = stored + quarantined + duplicates skipped, by input and by reason."""

    def __repr__(self) -> str:
        lines = []
        reasons = self.get("quarantined_by_reason") or {}
        if reasons:
            lines.append("quarantined rows by reason (see: store.sql(\"SELECT * FROM quarantine\")):")
            lines += [f"  {n:>8}  {reason}" for reason, n in list(reasons.items())[:10]]
        lines.append(self["summary"])
        return "\n".join(lines)
