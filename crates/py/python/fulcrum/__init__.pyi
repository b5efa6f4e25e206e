# Type stubs of the fulcrum package. The Store methods' parameters follow the questions layer's one definition
# (crates/questions): tests/test_package.py checks that these signatures equal the runtime ones.

import datetime
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import pyarrow as pa

__version__: str
QUESTIONS: Tuple[str, ...]

_Path = Union[str, os.PathLike[str]]
_Day = Union[str, datetime.date, None]
_Actor = str

class FulcrumError(Exception): ...
class InvalidRequestError(FulcrumError): ...
class UnknownActorError(InvalidRequestError): ...
class NoDataError(FulcrumError): ...
class StoreNotFoundError(FulcrumError): ...
class StoreLockedError(FulcrumError): ...
class TooManyRejectsError(FulcrumError): ...

class Chart:
    title: str
    @property
    def svg(self) -> str: ...
    def save(self, path: _Path) -> Chart: ...
    def _repr_svg_(self) -> str: ...

class Answer:
    question: str
    title: str
    summary: str
    table: pa.Table
    tables: Dict[str, pa.Table]
    def to_pandas(self, **kwargs: Any) -> Any: ...
    def to_polars(self) -> Any: ...
    def to_pylist(self) -> List[Dict[str, Any]]: ...
    def plot(self, path: Optional[_Path] = None) -> Chart: ...
    def __len__(self) -> int: ...
    def __getitem__(self, column: str) -> pa.ChunkedArray: ...
    def _repr_html_(self) -> str: ...

class CodedEvents(Answer):
    dropped: List[str]

class Stats:
    summary: str
    resolution: str
    names_without_state: Dict[str, Tuple[int, str, str]]
    tables: Dict[str, pa.Table]
    def _repr_html_(self) -> str: ...

class IngestReport(Dict[str, Any]): ...

class Store:
    def __init__(
        self, path: Optional[_Path] = None, dictionaries: Optional[_Path] = None, cluster: Optional[str] = None,
        cluster_timeout: float = 600.0,
    ) -> None: ...
    @property
    def cluster(self) -> Optional[str]: ...
    @property
    def path(self) -> str: ...
    @property
    def dictionaries(self) -> str: ...
    def ingest(
        self,
        paths: Union[_Path, Iterable[_Path]],
        *,
        format: Optional[str] = None,
        max_reject_rate: Optional[float] = None,
        tkg_epoch: _Day = None,
        tkg_units_per_day: Optional[int] = None,
        threads: Optional[int] = None,
        progress: bool = True,
    ) -> IngestReport: ...
    def sql(self, query: str) -> pa.Table: ...
    def stats(self, top: int = 10) -> Stats: ...
    def dyad(
        self, a: _Actor, b: _Actor, *, from_: _Day = None, to: _Day = None, by: str = 'month',
        dataset: Optional[str] = None, dedup: str = 'raw', no_resolve: bool = False, normalize: bool = False,
        break_: _Day = None,
    ) -> Answer: ...
    def changes(
        self, a: _Actor, b: _Actor, *, from_: _Day = None, to: _Day = None, by: str = 'month',
        dataset: Optional[str] = None, dedup: str = 'raw', no_resolve: bool = False, series: str = 'events',
        cost: Optional[str] = None, penalty: Optional[float] = None, min_size: int = 2, hazard: float = 50,
        alert_window: int = 3,
    ) -> Answer: ...
    def balance(
        self, third: Optional[_Actor] = None, between: Optional[Sequence[_Actor]] = None, *, from_: _Day = None,
        to: _Day = None, by: str = 'month', dataset: Optional[str] = None, dedup: str = 'raw',
        no_resolve: bool = False, break_: _Day = None, min_events: int = 10,
    ) -> Answer: ...
    def triad(
        self, *states: _Actor, from_: _Day = None, to: _Day = None, by: str = 'month', dataset: Optional[str] = None,
        dedup: str = 'raw', no_resolve: bool = False, span: int = 1, neutral_band: float = 1,
    ) -> Answer: ...
    def var(
        self, *states: _Actor, from_: _Day = None, to: _Day = None, by: str = 'month', dataset: Optional[str] = None,
        dedup: str = 'raw', no_resolve: bool = False, lags: Union[str, int] = 'bic', max_lags: int = 4,
        horizon: int = 8, bootstrap: int = 200, break_: _Day = None,
    ) -> Answer: ...
    def forecast_dyad(
        self, a: _Actor, b: _Actor, *, from_: _Day = None, to: _Day = None, by: str = 'month',
        dataset: Optional[str] = None, dedup: str = 'raw', no_resolve: bool = False, target: str = 'events',
        samples: int = 2000, seed: int = 1, horizon: int = 12, model: str = 'negbin',
    ) -> Answer: ...
    def backtest(
        self, a: _Actor, b: _Actor, *, from_: _Day = None, to: _Day = None, by: str = 'month',
        dataset: Optional[str] = None, dedup: str = 'raw', no_resolve: bool = False, target: str = 'events',
        samples: int = 2000, seed: int = 1, horizon: int = 4, origins: int = 20, min_train: int = 12,
        model: str = 'all',
    ) -> Answer: ...
    def forecast_tkg(
        self, *, dataset: Optional[_Path] = None, model: str = 'all', ties: str = 'random', seed: int = 0,
        bodies: int = 150, valid_days: int = 30, test_days: int = 30, dataset_filter: Optional[str] = None,
        max_queries: Optional[int] = None, predictions: bool = False,
    ) -> Answer: ...

def code(
    documents: Union[str, Mapping[str, Any], Sequence[Union[str, Mapping[str, Any]]]],
    dictionaries: Optional[_Path] = None,
    date: _Day = None,
) -> CodedEvents: ...
def parameters(question: str) -> List[Dict[str, Any]]: ...
