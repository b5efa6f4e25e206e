#!/usr/bin/env python3
"""Ingest and dyad-query benchmark: Fulcrum against DuckDB, polars and pandas, in one run.

Builds a ~2 million row GDELT 2.0 input by replicating the real rows of the shared 15-minute export
(../shared/data/gdelt2/arekziobrowski-gdelt-big-data/20191024143000.export.CSV) with fresh GLOBALEVENTIDs,
then times, each in its own process (wall time and peak RSS):
  ingest : fulcrum ingest | DuckDB read_csv -> COPY TO parquet (zstd) | polars read_csv -> write_parquet (zstd)
           | pandas read_csv -> to_parquet (zstd)
  query  : monthly directed-dyad aggregation (count, Goldstein sum by actor pair and month) with
           fulcrum sql and with DuckDB over the same store files.
Peers run with their default type inference (their fastest working configuration on this input); Fulcrum
additionally validates every field, checks CAMEO codes, keeps provenance, de-duplicates and checksums.
Prints rows/s and ratios. Run through bench/run (which installs the peers). Not a test: numbers only.
`--repeat N` runs every contender N times, interleaved, and reports medians.
For inputs bigger than the peers' in-memory readers allow (20 M rows), `--peers duckdb,polars-stream,pandas-chunked`
runs their streaming forms (DuckDB's COPY streams already).
"""
import argparse, json, os, pathlib, shutil, subprocess, sys, time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT.parent / "shared/data/gdelt2/arekziobrowski-gdelt-big-data/20191024143000.export.CSV"


def make_input(path, rows):
    lines = SAMPLE.read_bytes().splitlines()
    out = bytearray()
    next_id = 10**10
    with open(path, "wb") as f:
        written = 0
        while written < rows:
            for line in lines:
                if written == rows:
                    break
                tab = line.index(b"\t")
                out += str(next_id).encode() + line[tab:] + b"\n"
                next_id += 1
                written += 1
                if len(out) > 1 << 24:
                    f.write(out)
                    out.clear()
        f.write(out)
    return written


def timed(cmd, env=None):
    """Runs cmd; returns (wall seconds, peak RSS MiB, stdout)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{err.decode(errors='replace')}")
    return wall, usage.ru_maxrss / 1024, out.decode(errors="replace")


PEER_INGEST = {
    "duckdb": """
import duckdb, sys
con = duckdb.connect()
con.execute(f"COPY (SELECT * FROM read_csv('{sys.argv[1]}', delim='\\t', header=false, quote='', escape='')) TO '{sys.argv[2]}' (FORMAT parquet, COMPRESSION zstd)")
""",
    "polars": """
import polars as pl, sys
df = pl.read_csv(sys.argv[1], separator='\\t', has_header=False, quote_char=None)
df.write_parquet(sys.argv[2], compression='zstd')
""",
    "pandas": """
import pandas as pd, sys, csv
df = pd.read_csv(sys.argv[1], sep='\\t', header=None, quoting=csv.QUOTE_NONE, low_memory=False, dtype={26: str, 27: str, 28: str})
df.to_parquet(sys.argv[2], compression='zstd')
""",    # Streaming variants, for inputs bigger than memory allows the in-memory ones (20 M rows: pandas would need
    # ~33 GB, polars ~21 GB). polars' streaming engine; pandas in 1 M-row chunks through one pyarrow writer.
    "polars-stream": """
import polars as pl, sys
pl.scan_csv(sys.argv[1], separator='\\t', has_header=False, quote_char=None, infer_schema_length=100000).sink_parquet(sys.argv[2], compression='zstd')
""",
    "pandas-chunked": """
import pandas as pd, pyarrow as pa, pyarrow.parquet as pq, sys, csv
writer = None
for df in pd.read_csv(sys.argv[1], sep='\\t', header=None, quoting=csv.QUOTE_NONE, low_memory=False, dtype=str, chunksize=1_000_000):
    table = pa.Table.from_pandas(df, preserve_index=False)
    writer = writer or pq.ParquetWriter(sys.argv[2], table.schema, compression='zstd')
    writer.write_table(table)
writer.close()
""",
}

DYAD_SQL = (
    "SELECT actor1_country_code AS src, actor2_country_code AS dst, year, month, count(*) AS events, "
    "sum(goldstein) AS goldstein FROM events WHERE actor1_country_code IS NOT NULL "
    "AND actor2_country_code IS NOT NULL GROUP BY 1, 2, 3, 4"
)

DUCKDB_QUERY = """
import time
t0 = time.perf_counter()
import duckdb, sys
con = duckdb.connect()
con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{sys.argv[1]}/**/*.parquet', hive_partitioning=true)")
best = 1e9
for _ in range(3):
    t = time.perf_counter(); n = len(con.execute(sys.argv[2]).fetchall()); best = min(best, time.perf_counter() - t)
    if _ == 0: first_process = time.perf_counter() - t0
print(n, best, first_process)
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--work", default=str(HERE / "out"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--fulcrum", default=str(ROOT / "target/release/fulcrum"))
    ap.add_argument("--peers", default="duckdb,polars,pandas")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per contender, interleaved (Fulcrum, peers, Fulcrum, ...); the median of each is reported")
    args = ap.parse_args()
    if not SAMPLE.is_file():
        sys.exit(f"the benchmark replicates real GDELT rows from {SAMPLE}, which is absent here")
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"gdelt2-{args.rows}.export.CSV"
    if not data.exists():
        print(f"building {data.name} from the real 15-minute file ...", flush=True)
        make_input(data, args.rows)
    size_mb = data.stat().st_size / 1e6
    print(f"input: {args.rows:,} GDELT 2.0 rows, {size_mb:,.0f} MB; {os.cpu_count()} cores\n")

    # Warm the page cache so every contender reads from memory.
    with open(data, "rb") as f:
        while f.read(1 << 24):
            pass

    # Rounds interleave the contenders, so drift on a shared machine touches every one alike.
    runs = {}
    store = work / "store"
    for round_ in range(max(1, args.repeat)):
        shutil.rmtree(store, ignore_errors=True)
        wall, rss, out = timed([args.fulcrum, "--store", str(store), "ingest", str(data)])
        runs.setdefault("fulcrum", []).append((wall, rss))
        if round_ == 0:
            print(out.strip().splitlines()[-1])
        for peer in [p for p in args.peers.split(",") if p]:
            target = work / f"{peer}.parquet"
            target.unlink(missing_ok=True)
            wall, rss, _ = timed([args.python, "-c", PEER_INGEST[peer], str(data), str(target)])
            runs.setdefault(peer, []).append((wall, rss))
    results = {}
    for name, measured in runs.items():
        walls = sorted(w for w, _ in measured)
        results[name] = (walls[len(walls) // 2], max(r for _, r in measured))
        if len(walls) > 1:
            print(f"{name}: runs {', '.join(f'{w:.2f}' for w, _ in measured)} s")

    label = "median s" if args.repeat > 1 else "seconds"
    print(f"\n{'ingest':<10}{label:>10}{'rows/s':>14}{'peak MiB':>10}{'vs fulcrum':>12}")
    f_wall = results["fulcrum"][0]
    for name, (wall, rss) in results.items():
        print(f"{name:<10}{wall:>10.2f}{args.rows / wall:>14,.0f}{rss:>10.0f}{wall / f_wall:>11.2f}x")
    peers = {k: v for k, v in results.items() if k != "fulcrum"}
    if peers:
        fastest = min(peers, key=lambda k: peers[k][0])
        ratio = peers[fastest][0] / f_wall
        print(f"\nfulcrum ingests at {ratio:.2f}x the rows/s of the fastest peer ({fastest}); goal >= 2x: "
              f"{'MET' if ratio >= 2 else 'NOT MET'}")

    # Monthly directed-dyad aggregation on the same store files.
    best = 1e9
    for _ in range(3):
        wall, _, out = timed([args.fulcrum, "--store", str(store), "sql", DYAD_SQL, "--format", "csv"])
        best = min(best, wall)
    f_groups = len(out.strip().splitlines()) - 1
    _, _, out = timed([args.python, "-c", DUCKDB_QUERY, str(store), DYAD_SQL.replace("events", "events", 1)])
    d_groups, d_best, d_process = out.split()
    d_best, d_process = float(d_best), float(d_process)
    print(f"\ndyad query ({f_groups} groups; DuckDB {d_groups} groups):")
    print(f"  fulcrum sql, whole process (start, plan, scan, print), best of 3: {best:.3f} s")
    print(f"  DuckDB, whole process (Python start, import, connect, first query): {d_process:.3f} s")
    print(f"  DuckDB, query only in a warm connection, best of 3:              {d_best:.3f} s")
    print(f"  fulcrum / DuckDB: {best / d_process:.2f}x whole process, {best / d_best:.2f}x against the warm query; "
          f"goal <= 1x (like for like, whole process): {'MET' if best <= d_process else 'NOT MET'}")
    summary = {"rows": args.rows, "ingest": results, "dyad_query": {"fulcrum_process": best, "duckdb_process": d_process, "duckdb_warm_query": d_best}}
    (work / "ingest-bench.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
