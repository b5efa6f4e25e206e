"""Progress of long calls, in a terminal (one line redrawn) and in a notebook (lines as they come)."""

from __future__ import annotations

import sys
import time
from typing import Any, Optional


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


class Progress:
    """Receives the engine's notes: ``start`` (total bytes), ``progress`` (bytes read), ``line`` (an input
    done, a note), ``step`` (what is being done). ``show=False`` keeps only the lines."""

    def __init__(self, what: str, show: bool = True, stream: Any = None, said: Optional[set] = None):
        self.what = what
        # Notes ("note: …", "warning: …") already shown by this store: said once, like the CLI says them per run.
        self.said = said if said is not None else set()
        self.show = show
        self.stream = stream if stream is not None else sys.stderr
        self.total: Optional[int] = None
        self.redraw = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_shown = 0.0
        self.last_percent = -10
        self.drawn = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _clear(self) -> None:
        if self.drawn:
            self._write("\r\x1b[2K")
            self.drawn = False

    def __call__(self, kind: str, value: Any) -> None:
        if kind == "line":
            if value.startswith(("note:", "warning:")):
                if value in self.said:
                    return
                self.said.add(value)
            self._clear()
            self._write(f"{value}\n")
        elif kind == "start":
            self.total = int(value)
        elif kind in ("progress", "step") and self.show:
            self._status(kind, value)

    def _status(self, kind: str, value: Any) -> None:
        if kind == "step":
            text = f"{self.what}: {value}"
        elif self.total:
            percent = int(100 * value / self.total)
            if not self.redraw:
                # A notebook keeps every line: one each 10%.
                if percent < self.last_percent + 10:
                    return
                self.last_percent = percent - percent % 10
            text = f"{self.what}: {percent:3d}% ({_megabytes(value)} of {_megabytes(self.total)})"
        else:
            text = f"{self.what}: {_megabytes(value)}"
        if self.redraw:
            now = time.monotonic()
            if now - self.last_shown < 0.1 and kind == "progress":
                return
            self.last_shown = now
            self._write(f"\r\x1b[2K{text}")
            self.drawn = True
        else:
            self._write(f"{text}\n")

    def done(self) -> None:
        self._clear()
