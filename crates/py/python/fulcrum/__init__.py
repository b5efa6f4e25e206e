"""Fulcrum: measure relations between states from GDELT, ICEWS and TKG event data.

The engine runs in process. A :class:`Store` ingests event files into a Parquet store and answers every question
of the ``fulcrum`` CLI with the CLI's parameter names and defaults; answers carry a :class:`pyarrow.Table`
(handed over from Rust without a copy), a summary and the CLI's chart. :func:`code` turns text into CAMEO events.

>>> import fulcrum                                                              # doctest: +SKIP
>>> store = fulcrum.Store("fulcrum-store")                                      # doctest: +SKIP
>>> store.ingest(["../shared/data/icews18/diffutkg"])                           # doctest: +SKIP
>>> store.balance("RUS", between=("IND", "PAK"), by="month").to_pandas()        # doctest: +SKIP

Errors are :class:`FulcrumError` subclasses whose message is what the CLI prints. Long calls release the GIL
and stop on Ctrl-C (``KeyboardInterrupt``).
"""

from ._fulcrum import (
    FulcrumError,
    InvalidRequestError,
    NoDataError,
    StoreLockedError,
    StoreNotFoundError,
    TooManyRejectsError,
    UnknownActorError,
    __version__,
)
from ._answer import Answer, Chart, CodedEvents, IngestReport, Stats
from ._store import Store, code, parameters

#: The questions a Store answers, by method name.
QUESTIONS = ("dyad", "changes", "balance", "triad", "var", "forecast_dyad", "backtest", "forecast_tkg")

__all__ = [
    "Answer",
    "Chart",
    "CodedEvents",
    "FulcrumError",
    "IngestReport",
    "InvalidRequestError",
    "NoDataError",
    "QUESTIONS",
    "Stats",
    "Store",
    "StoreLockedError",
    "StoreNotFoundError",
    "TooManyRejectsError",
    "UnknownActorError",
    "__version__",
    "code",
    "parameters",
]
