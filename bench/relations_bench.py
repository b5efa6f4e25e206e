#!/usr/bin/env python3
"""Relations benchmark: `fulcrum dyad`, `balance` and `triad` on a store of >= 10 million events, with DuckDB's
time for the equivalent dyad query on the same store files printed beside them.

The store is built by `fulcrum ingest` from the real rows of the shared GDELT 2.0 15-minute file, replicated
with fresh GLOBALEVENTIDs and each replica shifted by one day, so 10 M events span about 13 years. That file
has no Russia–India/Pakistan rows, so the commands measure Russia, the US and China (which it has). Each command is timed as a whole process (start-up, store scan, analysis,
printing), best of three. Not a test: numbers only. Run through bench/run-relations.
"""
import argparse, datetime, os, pathlib, subprocess, sys, time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT.parent / "shared/data/gdelt2/arekziobrowski-gdelt-big-data/20191024143000.export.CSV"


def make_input(path, rows):
    base = [l.split(b"\t") for l in SAMPLE.read_bytes().splitlines()]
    start = datetime.date(2007, 1, 1)
    written, replica, next_id = 0, 0, 10**11
    with open(path, "wb") as f:
        while written < rows:
            day = start + datetime.timedelta(days=replica)
            d = day.strftime("%Y%m%d").encode()
            buf = bytearray()
            for fields in base:
                if written == rows:
                    break
                fields = list(fields)
                fields[0] = str(next_id).encode()
                fields[1], fields[2], fields[3] = d, d[:6], d[:4]
                buf += b"\t".join(fields) + b"\n"
                next_id += 1
                written += 1
            f.write(buf)
            replica += 1
    return written


def timed(cmd):
    best, out = 1e9, ""
    for _ in range(3):
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
        best, out = min(best, time.perf_counter() - t), p.stdout
    return best, out


DUCKDB = """
import duckdb, sys, time
con = duckdb.connect()
q = f'''SELECT actor1_country_code, actor2_country_code, year, month, count(*), sum(goldstein)
FROM read_parquet('{sys.argv[1]}/**/*.parquet', hive_partitioning=true)
WHERE actor1_country_code IN ('RUS','USA') AND actor2_country_code IN ('RUS','USA')
  AND actor1_country_code <> actor2_country_code GROUP BY ALL'''
best = 1e9
for _ in range(3):
    t = time.perf_counter(); n = len(con.execute(q).fetchall()); best = min(best, time.perf_counter() - t)
print(n, best)
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--work", default=str(HERE / "out"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--fulcrum", default=str(ROOT / "target/release/fulcrum"))
    args = ap.parse_args()
    if not SAMPLE.is_file():
        sys.exit(f"needs the real GDELT rows of {SAMPLE}")
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    store = work / f"relations-store-{args.rows}"
    if not (store / "_fulcrum/manifest.json").exists():
        data = work / f"gdelt2-shifted-{args.rows}.export.CSV"
        if not data.exists():
            print(f"building {data.name} ...", flush=True)
            make_input(data, args.rows)
        t = time.perf_counter()
        subprocess.run([args.fulcrum, "--store", str(store), "ingest", str(data)], check=True)
        print(f"ingested in {time.perf_counter() - t:.1f} s")
        data.unlink()
    _, count = timed([args.fulcrum, "--store", str(store), "sql", "SELECT count(*) FROM events", "--format", "csv"])
    print(f"store: {int(count.splitlines()[1]):,} events\n")
    f = [args.fulcrum, "--store", str(store)]
    rows = []
    for name, cmd in [
        ("dyad RUS USA --by month", f + ["dyad", "RUS", "USA", "--by", "month"]),
        ("balance RUS --between USA CHN --by month", f + ["balance", "RUS", "--between", "USA", "CHN", "--by", "month", "--break", "2014-03-18"]),
        ("triad RUS USA CHN --by month", f + ["triad", "RUS", "USA", "CHN", "--by", "month"]),
    ]:
        secs, _ = timed(cmd)
        rows.append((name, secs))
    groups, duck = subprocess.run([args.python, "-c", DUCKDB, str(store)], capture_output=True, text=True, check=True).stdout.split()
    print(f"{'command (whole process, best of 3)':<46}{'seconds':>9}  goal < 1 s")
    for name, secs in rows:
        print(f"fulcrum {name:<38}{secs:>9.3f}  {'MET' if secs < 1 else 'NOT MET'}")
    print(f"{'DuckDB: monthly RUS-USA dyad query (query only)':<46}{float(duck):>9.3f}  ({groups} groups)")
    print(f"\nfulcrum dyad / DuckDB dyad query = {rows[0][1] / float(duck):.2f}x")


if __name__ == "__main__":
    main()
