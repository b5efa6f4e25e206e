#!/usr/bin/env python3
"""Layout benchmark: `fulcrum dyad`, `balance` and `triad` on a store of 100 million events, before and after
`fulcrum compact` re-clusters it by actor pair, with DuckDB's equivalent SQL over the same files in the same run.

The store is built by `fulcrum ingest -` from the real rows of the shared GDELT 2.0 15-minute file, replicated
with fresh GLOBALEVENTIDs over 2007-01-01 .. 2020-12-31 (about nine replicas a day, ~600,000 events a month),
streamed through a pipe, so no 40 GB CSV is ever written. That file has no Russia–India/Pakistan rows, so the
commands ask about Russia, the US and China (which it has: 0.1 % of rows are RUS–USA, 3.4 % among the three
including domestic ones, 39 % have no actor1 state).

Every timing is a whole process (start, plan, scan, analysis, printing) for Fulcrum and a query in a warm
connection for DuckDB (its friendliest setting), best of three, on a warm page cache. Answers are compared
before and after compaction: they must be equal. Not a test: numbers only. Run through bench/run-layout.
"""
import argparse, datetime, json, os, pathlib, re, shutil, subprocess, sys, time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT.parent / "shared/data/gdelt2/arekziobrowski-gdelt-big-data/20191024143000.export.CSV"
FIRST, LAST = datetime.date(2007, 1, 1), datetime.date(2020, 12, 31)


def generate(out, rows):
    """Writes `rows` GDELT 2.0 rows to the binary stream `out`, spread evenly over FIRST..LAST."""
    base = [l.split(b"\t") for l in SAMPLE.read_bytes().splitlines()]
    tails = [b"\t".join(f[4:]) for f in base]
    days = (LAST - FIRST).days + 1
    per_day = -(-rows // (len(base) * days))  # replicas per day, rounded up
    written, next_id = 0, 10**11
    for n in range(days):
        if written == rows:
            break
        d = (FIRST + datetime.timedelta(days=n)).strftime("%Y%m%d").encode()
        dates = b"\t" + d + b"\t" + d[:6] + b"\t" + d[:4] + b"\t"
        for _ in range(per_day):
            take = min(len(tails), rows - written)
            if take == 0:
                break
            ids = range(next_id, next_id + take)
            out.write(b"\n".join(b"%d%s%s" % (i, dates, t) for i, t in zip(ids, tails[:take])) + b"\n")
            next_id += take
            written += take
    return written


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr}")
    return p.stdout


def timed(cmd):
    best, out = 1e9, ""
    for _ in range(3):
        t = time.perf_counter()
        out = run(cmd)
        best = min(best, time.perf_counter() - t)
    return best, out


DUCKDB = """
import duckdb, json, sys, time
con = duckdb.connect()
src = f"read_parquet('{sys.argv[1]}/**/*.parquet', hive_partitioning=true)"
queries = {
  "dyad": f'''SELECT actor1_country_code, actor2_country_code, year, month, count(*), sum(goldstein) FROM {src}
    WHERE actor1_country_code IN ('RUS','USA') AND actor2_country_code IN ('RUS','USA')
      AND actor1_country_code <> actor2_country_code GROUP BY ALL''',
  "triad": f'''SELECT actor1_country_code, actor2_country_code, year, month, count(*), sum(goldstein) FROM {src}
    WHERE actor1_country_code IN ('RUS','USA','CHN') AND actor2_country_code IN ('RUS','USA','CHN')
      AND actor1_country_code <> actor2_country_code GROUP BY ALL''',
}
out = {}
for name, q in queries.items():
    best = 1e9
    for _ in range(3):
        t = time.perf_counter(); rows = sorted(con.execute(q).fetchall()); best = min(best, time.perf_counter() - t)
    out[name] = {"seconds": best, "groups": len(rows), "events": sum(r[4] for r in rows)}
print(json.dumps(out))
"""

COMMANDS = [
    ("dyad RUS USA --by month", ["dyad", "RUS", "USA", "--by", "month"]),
    ("balance RUS --between USA CHN --by month", ["balance", "RUS", "--between", "USA", "CHN", "--by", "month", "--break", "2014-03-18"]),
    ("triad RUS USA CHN --by month", ["triad", "RUS", "USA", "CHN", "--by", "month"]),
]


def measure(fulcrum, store, python):
    f = [fulcrum, "--store", str(store)]
    times, answers = {}, {}
    for name, args in COMMANDS:
        secs, out = timed(f + args)
        times[name] = secs
        answers[name] = out
    duck = json.loads(run([python, "-c", DUCKDB, str(store)]))
    return times, answers, duck


def serve_measure(fulcrum, store):
    """Starts `fulcrum serve` on the store: seconds until it serves, its table's bytes per event, its RSS."""
    t = time.perf_counter()
    proc = subprocess.Popen([fulcrum, "--store", str(store), "serve", "--addr", "127.0.0.1:0", "--reload-every", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    secs = time.perf_counter() - t
    status = pathlib.Path(f"/proc/{proc.pid}/status").read_text()
    kib = {k: int(v.split()[0]) for k, v in (l.split(":", 1) for l in status.splitlines()) if k in ("VmRSS", "VmHWM")}
    proc.kill()
    err = proc.stderr.read()
    proc.wait()
    m = re.search(r"read (\d+) events in [\d.]+ s \(in memory: ([\d.]+) MiB, ([\d.]+) bytes per event\)", err)
    if "serving" not in line or not m:
        sys.exit(f"the server did not start: {line}{err}")
    events = int(m.group(1))
    return {"start_seconds": secs, "events": events, "table_mib": float(m.group(2)), "table_bytes_per_event": float(m.group(3)),
            "rss_mib": kib["VmRSS"] / 1024, "peak_rss_mib": kib["VmHWM"] / 1024,
            "rss_bytes_per_event": kib["VmRSS"] * 1024 / max(events, 1)}


def store_files(store):
    files = list(store.glob("year=*/month=*/*.parquet"))
    return len(files), sum(p.stat().st_size for p in files)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000_000)
    ap.add_argument("--work", default=str(HERE / "out"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--fulcrum", default=str(ROOT / "target/release/fulcrum"))
    ap.add_argument("--generate-only", action="store_true", help="write the rows to stdout and stop")
    ap.add_argument("--ingest-only", action="store_true", help="build the store and stop")
    ap.add_argument("--reuse", action="store_true", help="reuse a store of this size that is not compacted yet")
    args = ap.parse_args()
    if not SAMPLE.is_file():
        sys.exit(f"needs the real GDELT rows of {SAMPLE}")
    if args.generate_only:
        generate(sys.stdout.buffer, args.rows)
        return
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    store = work / f"layout-store-{args.rows}"
    manifest = store / "_fulcrum/manifest.json"
    reusable = manifest.exists() and "replaced_files" not in manifest.read_text()
    if args.reuse and reusable:
        print(f"reusing {store} (as ingest left it)")
    else:
        shutil.rmtree(store, ignore_errors=True)
        print(f"ingesting {args.rows:,} generated rows through a pipe ...", flush=True)
        t = time.perf_counter()
        gen = subprocess.Popen([sys.executable, __file__, "--rows", str(args.rows), "--generate-only"], stdout=subprocess.PIPE)
        p = subprocess.run([args.fulcrum, "--store", str(store), "ingest", "-"], stdin=gen.stdout, capture_output=True, text=True)
        gen.stdout.close()
        if gen.wait() != 0 or p.returncode != 0:
            sys.exit(f"ingest failed: {p.stderr}")
        print(f"ingested in {time.perf_counter() - t:.1f} s (generator and ingest together)")
    if args.ingest_only:
        return
    count = int(run([args.fulcrum, "--store", str(store), "sql", "SELECT count(*) FROM events", "--format", "csv"]).splitlines()[1])
    files, size = store_files(store)
    print(f"store: {count:,} events, {files} files, {size / 2**30:.2f} GiB\n", flush=True)

    before, answers_before, duck_before = measure(args.fulcrum, store, args.python)
    t = time.perf_counter()
    proc = subprocess.Popen([args.fulcrum, "--store", str(store), "compact"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)  # its own peak RSS, not the bench's other children's
    compact_secs = time.perf_counter() - t
    report, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"compact failed: {err}")
    compact_peak_mib = usage.ru_maxrss / 1024
    files_after, size_after = store_files(store)
    print(report.strip())
    print(f"compacted in {compact_secs:.1f} s, peak RSS {compact_peak_mib:,.0f} MiB: {files_after} files, {size_after / 2**30:.2f} GiB\n", flush=True)
    after, answers_after, duck_after = measure(args.fulcrum, store, args.python)

    server = serve_measure(args.fulcrum, store)

    same = all(answers_before[k] == answers_after[k] for k in answers_before)
    duck_same = all(duck_before[k]["events"] == duck_after[k]["events"] for k in duck_before)
    print(f"{'whole process, best of 3 (s)':<50}{'ingest layout':>14}{'compacted':>11}{'ratio':>8}  goal < 1 s")
    for name, _ in COMMANDS:
        b, a = before[name], after[name]
        print(f"fulcrum {name:<42}{b:>14.3f}{a:>11.3f}{b / a:>7.1f}x  {'MET' if a < 1 else 'NOT MET'}")
    for name in duck_before:
        b, a = duck_before[name]["seconds"], duck_after[name]["seconds"]
        label = f"DuckDB {name} SQL (query only, warm)"
        print(f"{label:<50}{b:>14.3f}{a:>11.3f}{b / a:>7.1f}x  ({duck_after[name]['events']:,} events)")
    print(f"\nserver: serving after {server['start_seconds']:.1f} s (goal < 5 s: {'MET' if server['start_seconds'] < 5 else 'NOT MET'}); "
          f"table {server['table_mib']:,.0f} MiB = {server['table_bytes_per_event']:.1f} bytes/event (goal <= 16: "
          f"{'MET' if server['table_bytes_per_event'] <= 16 else 'NOT MET'}); whole process RSS {server['rss_mib']:,.0f} MiB "
          f"= {server['rss_bytes_per_event']:.1f} bytes/event, peak {server['peak_rss_mib']:,.0f} MiB while reading")
    print(f"\nanswers equal before and after compaction: {'yes' if same else 'NO'}; DuckDB counts equal: {'yes' if duck_same else 'NO'}")
    result = {"rows": count, "files": [files, files_after], "bytes": [size, size_after], "compact_seconds": compact_secs, "compact_peak_rss_mib": compact_peak_mib,
              "fulcrum": {"before": before, "after": after}, "duckdb": {"before": duck_before, "after": duck_after},
              "server": server, "answers_equal": same}
    (work / "layout-bench.json").write_text(json.dumps(result, indent=1))
    if not same:
        sys.exit("answers differ after compaction")


if __name__ == "__main__":
    main()
