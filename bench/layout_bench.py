#!/usr/bin/env python3
"""Layout benchmark: `fulcrum dyad`, `balance` and `triad` on a store of 100 million events, before and after
`fulcrum compact` re-clusters it by actor pair, with DuckDB's equivalent SQL over the same files in the same run.

The store is built by `fulcrum ingest -` from the real rows of the shared GDELT 2.0 15-minute file, replicated
with fresh GLOBALEVENTIDs over 2007-01-01 .. 2020-12-31 (about nine replicas a day, ~600,000 events a month),
streamed through a pipe, so no 40 GB CSV is ever written. That file has no Russia–India/Pakistan rows, so the
commands ask about Russia, the US and China (which it has: 0.1 % of rows are RUS–USA, 3.4 % among the three
including domestic ones, 39 % have no actor1 state).

Three columns for Fulcrum: the store as ingest wrote it, compacted (questions read the Parquet files:
FULCRUM_PAIR_INDEX=off), and compacted with the pair index `fulcrum compact` saves (questions map it). The server
is started on the compacted store both ways. `--compacted` reuses a store compacted by an earlier run and skips
the first column.

Every timing is a whole process (start, plan, scan, analysis, printing) for Fulcrum and a query in a warm
connection for DuckDB (its friendliest setting), best of three, on a warm page cache. Answers are compared
between the three: they must be equal. Not a test: numbers only. Run through bench/run-layout.
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


# Questions with the pair index switched off: they read the Parquet files (compacted or not).
NO_INDEX = {**os.environ, "FULCRUM_PAIR_INDEX": "off"}


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr}")
    return p.stdout


def timed(cmd, env=None):
    best, out = 1e9, ""
    for _ in range(3):
        t = time.perf_counter()
        out = run(cmd, env=env)
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


def measure(fulcrum, store, env=None):
    f = [fulcrum, "--store", str(store)]
    times, answers = {}, {}
    for name, args in COMMANDS:
        secs, out = timed(f + args, env)
        times[name] = secs
        answers[name] = out
    return times, answers


def duckdb(python, store):
    return json.loads(run([python, "-c", DUCKDB, str(store)]))


def serve_measure(fulcrum, store, env=None):
    """Starts `fulcrum serve` on the store: seconds until it serves, its table's bytes per event, its RSS."""
    t = time.perf_counter()
    proc = subprocess.Popen([fulcrum, "--store", str(store), "serve", "--addr", "127.0.0.1:0", "--reload-every", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    secs = time.perf_counter() - t
    status = pathlib.Path(f"/proc/{proc.pid}/status").read_text()
    kib = {k: int(v.split()[0]) for k, v in (l.split(":", 1) for l in status.splitlines()) if k in ("VmRSS", "VmHWM")}
    proc.kill()
    err = proc.stderr.read()
    proc.wait()
    m = re.search(r"(?:read|mapped the pair index of) (\d+) events in [\d.]+ s \(in memory: ([\d.]+) MiB, ([\d.]+) bytes per event\)", err)
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
    ap.add_argument("--compacted", action="store_true",
                    help="reuse a store of this size compacted already: skip the ingest-layout column")
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
    compacted = manifest.exists() and "replaced_files" in manifest.read_text()
    if args.compacted and compacted:
        print(f"reusing {store} (compacted already)")
    elif args.reuse and manifest.exists() and not compacted:
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
        compacted = False
    if args.ingest_only:
        return
    count = int(run([args.fulcrum, "--store", str(store), "sql", "SELECT count(*) FROM events", "--format", "csv"]).splitlines()[1])
    files, size = store_files(store)
    print(f"store: {count:,} events, {files} files, {size / 2**30:.2f} GiB\n", flush=True)

    skip_before = args.compacted and compacted
    if not skip_before:
        before, answers_before = measure(args.fulcrum, store, NO_INDEX)
        duck_before = duckdb(args.python, store)
    t = time.perf_counter()
    proc = subprocess.Popen([args.fulcrum, "--store", str(store), "compact"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)  # its own peak RSS, not the bench's other children's
    compact_secs = time.perf_counter() - t
    report, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"compact failed: {err}")
    compact_peak_mib = usage.ru_maxrss / 1024
    index = re.search(r"saved the pair index: (\d+) events, ([\d.]+) MiB in .*; ([\d.]+) s", report)
    files_after, size_after = store_files(store)
    print(report.strip())
    print(f"compact (with the pair index) took {compact_secs:.1f} s, peak RSS {compact_peak_mib:,.0f} MiB: {files_after} files, "
          f"{size_after / 2**30:.2f} GiB\n", flush=True)
    parquet, answers_parquet = measure(args.fulcrum, store, NO_INDEX)
    duck_after = duckdb(args.python, store)
    indexed, answers_indexed = measure(args.fulcrum, store)
    server = serve_measure(args.fulcrum, store)
    server_parquet = serve_measure(args.fulcrum, store, NO_INDEX)

    same = all(answers_parquet[k] == answers_indexed[k] for k in answers_parquet)
    if not skip_before:
        same = same and all(answers_before[k] == answers_parquet[k] for k in answers_before)
    print(f"{'whole process, best of 3 (s)':<46}{'ingest layout':>14}{'compacted':>11}{'+ pair index':>14}  goal < 1 s")
    for name, _ in COMMANDS:
        b = f"{before[name]:>14.3f}" if not skip_before else f"{'-':>14}"
        a, i = parquet[name], indexed[name]
        print(f"fulcrum {name:<38}{b}{a:>11.3f}{i:>14.3f}  {'MET' if i < 1 else 'NOT MET'}")
    for name in duck_after:
        b = f"{duck_before[name]['seconds']:>14.3f}" if not skip_before else f"{'-':>14}"
        a = duck_after[name]["seconds"]
        label = f"DuckDB {name} SQL (query only, warm)"
        print(f"{label:<46}{b}{a:>11.3f}{'':>14}  ({duck_after[name]['events']:,} events)")
    if index:
        print(f"\npair index: {int(index.group(1)):,} events, {float(index.group(2)):,.0f} MiB, saved in {float(index.group(3)):.1f} s")
    for label, srv in (("server, pair index", server), ("server, Parquet files", server_parquet)):
        print(f"{label}: serving after {srv['start_seconds']:.1f} s (goal < 5 s: {'MET' if srv['start_seconds'] < 5 else 'NOT MET'}); "
              f"table {srv['table_mib']:,.0f} MiB = {srv['table_bytes_per_event']:.1f} bytes/event (goal <= 16: "
              f"{'MET' if srv['table_bytes_per_event'] <= 16 else 'NOT MET'}); whole process RSS {srv['rss_mib']:,.0f} MiB "
              f"= {srv['rss_bytes_per_event']:.1f} bytes/event, peak {srv['peak_rss_mib']:,.0f} MiB")
    print(f"\nanswers equal (ingest layout, compacted, pair index): {'yes' if same else 'NO'}")
    result = {"rows": count, "files_after": files_after, "bytes_after": size_after, "compact_seconds": compact_secs,
              "compact_peak_rss_mib": compact_peak_mib,
              "pair_index": index and {"events": int(index.group(1)), "mib": float(index.group(2)), "seconds": float(index.group(3))},
              "fulcrum": {"before": None if skip_before else before, "compacted": parquet, "pair_index": indexed},
              "duckdb": {"before": None if skip_before else duck_before, "after": duck_after},
              "server": {"pair_index": server, "parquet": server_parquet}, "answers_equal": same}
    (work / "layout-bench.json").write_text(json.dumps(result, indent=1))
    if not same:
        sys.exit("answers differ between the layouts or with the pair index")


if __name__ == "__main__":
    main()
