"""Shared fixtures of the Python package's tests: the CLI binary (for parity), small stores written here, and the
shared ICEWS18 data when it is beside the project.

Like the Rust tests, a test that cannot run what it is for says SKIPPED and is appended to FULCRUM_SKIP_LOG, so
the test command counts it; with FULCRUM_REQUIRE_SHARED_DATA=1 (CI) a missing ../shared/data fails instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Sequence

import pytest

import fulcrum

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared" / "data"

# CAMEO code → (Goldstein, QuadClass) of the few codes the fixtures use (GDELT's CAMEO table).
SCORES = {"057": (8.0, 1), "042": (1.9, 1), "112": (-2.0, 3), "111": (-2.0, 3), "190": (-10.0, 4), "036": (4.0, 1)}
NAMES = {"RUS": "RUSSIA", "IND": "INDIA", "PAK": "PAKISTAN", "CHN": "CHINA", "USA": "UNITED STATES"}


def skipped(why: str) -> None:
    """Skips the running test, saying why (recorded for the test command's closing line by the hook below)."""
    pytest.skip(why)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Every skipped test goes to FULCRUM_SKIP_LOG, so scripts/test counts it (and CI fails on it)."""
    log = os.environ.get("FULCRUM_SKIP_LOG")
    if log and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"python {report.nodeid}: {reason}\n")


def _actor(code: str) -> List[str]:
    country, kind = code[:3], code[3:6]
    return [code, NAMES.get(country, country), country, "", "", "", "", kind, "", ""]


def gdelt2_line(event_id: int, day: str, source: str, target: str, code: str) -> str:
    """A GDELT 2.0 export line (61 tab-separated columns)."""
    goldstein, quad = SCORES[code]
    fields = [str(event_id), day, day[:6], day[:4], f"{day[:4]}.5000"]
    fields += _actor(source) + _actor(target)
    fields += ["1", code, code[:3], code[:2], str(quad), f"{goldstein:.1f}", "4", "1", "4", "-1.25"]
    for _ in range(3):
        fields += ["1", "India", "IN", "IN", "", "20", "77", "IN"]
    fields += [f"{day}143000", f"https://example.org/news/{event_id}"]
    assert len(fields) == 61
    return "\t".join(fields)


def fixture_lines() -> List[str]:
    """Half a year of weekly events: Russia steady with India, cold then warm with Pakistan, India–Pakistan
    hostile; enough periods for forecasts and backtests by week."""
    import datetime as dt

    lines = []
    event_id = 1
    start = dt.date(2019, 1, 1)
    for week in range(30):
        day = (start + dt.timedelta(days=7 * week)).strftime("%Y%m%d")
        warm = week >= 10
        plan = [("RUSGOV", "INDGOV", "057"), ("INDGOV", "RUSGOV", "042")]
        plan += [("RUSGOV", "PAKGOV", "057" if warm else "112"), ("PAKGOV", "RUSGOV", "042" if warm else "111")]
        plan += [("INDMIL", "PAKMIL", "190")] * (1 + week % 3)
        plan += [("CHNGOV", "PAKGOV", "036"), ("USAGOV", "INDGOV", "042")]
        for source, target, code in plan:
            lines.append(gdelt2_line(event_id, day, source, target, code))
            event_id += 1
    return lines


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> fulcrum.Store:
    """A small store written here (no shared data needed)."""
    root = tmp_path_factory.mktemp("fixture")
    source = root / "fixture.export.CSV"
    source.write_text("\n".join(fixture_lines()) + "\n", encoding="utf-8")
    store = fulcrum.Store(root / "store", root / "no-dictionaries")
    store.ingest([source], progress=False)
    return store


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if (SHARED / "INDEX-event-data.md").is_file():
        return SHARED
    if os.environ.get("FULCRUM_REQUIRE_SHARED_DATA") == "1":
        pytest.fail("../shared/data is missing but FULCRUM_REQUIRE_SHARED_DATA=1")
    skipped("../shared/data is absent (real-data tests run in CI, where it is present)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def icews18_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> fulcrum.Store:
    """ICEWS18 (the DiffuTKG copy of the benchmark) ingested by the Python package."""
    root = tmp_path_factory.mktemp("icews18")
    store = fulcrum.Store(root / "store", root / "no-dictionaries")
    store.ingest([shared_data / "icews18" / "diffutkg"], progress=False)
    return store


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `fulcrum` binary the Rust tests built (FULCRUM_BIN, else target/debug/fulcrum)."""
    path = Path(os.environ.get("FULCRUM_BIN", REPO / "target" / "debug" / "fulcrum"))
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no fulcrum binary at {path}: scripts/test builds it before the Python tests")
        skipped(f"no fulcrum binary at {path}: run `cargo build` first")
    return path


def run_cli(cli: Path, store: fulcrum.Store, args: Sequence[str], ok: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [str(cli), "--store", store.path, "--dict", store.dictionaries, *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if ok and out.returncode != 0:
        raise AssertionError(f"fulcrum {' '.join(args)} failed:\n{out.stderr}")
    return out


def cli_rows(cli: Path, store: fulcrum.Store, args: Sequence[str], tmp_path: Path) -> List[Dict[str, Any]]:
    """The rows the CLI writes with --json for these arguments."""
    out = tmp_path / "cli.json"
    run_cli(cli, store, [*args, "--json", str(out)])
    return json.loads(out.read_text(encoding="utf-8"))


def without_nulls(rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rows as Arrow's JSON writer writes them: null fields left out, dates as ISO text."""
    import datetime as dt

    def json_value(v: Any) -> Any:
        return v.isoformat() if isinstance(v, dt.date) else v

    return [{k: json_value(v) for k, v in row.items() if v is not None} for row in rows]
