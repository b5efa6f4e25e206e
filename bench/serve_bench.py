#!/usr/bin/env python3
"""Load benchmark of `fulcrum serve`: the dyad endpoint under 64 concurrent connections, with DuckDB as the peer.

Store (built once into bench/out/serve-store, reused while its inputs are unchanged), at least 1 million events:
  - ICEWS18 (../shared/data/icews18/diffutkg, 468,558 real events, 2018), and
  - the real GDELT 2.0 export of ../shared/data/gdelt2/arekziobrowski-gdelt-big-data (2,111 rows) replicated with
    fresh GLOBALEVENTIDs and dates spread over 2015-2019, until the store holds the requested number of events.
    The replication keeps GDELT's real mix of actors, codes and scores; the dates are synthetic.

Load: wrk (loopback only; bounded by --duration and a 5 s per-request timeout), --connections connections over
--threads client threads, rotating over dyad questions (several pairs, month and week, whole span and windows).
Reported: requests/s, latency p50/p90/p99 (wrk's HdrHistogram), errors (socket errors + non-2xx).
Goal from the issue: 0 errors and p99 < 50 ms on this 2-core machine (client and server share the 2 cores).

Peer: the same questions asked of DuckDB over the same store's Parquet files, in process, one at a time (what an
analyst's notebook does), median of repeated runs; compared with Fulcrum's single-connection p50 (HTTP included).
Not a test: numbers only.
"""
import argparse, json, os, pathlib, re, shutil, statistics, subprocess, sys, tempfile, time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared/data"
GDELT = DATA / "gdelt2/arekziobrowski-gdelt-big-data/20191024143000.export.CSV"
ICEWS18 = DATA / "icews18/diffutkg"
FULCRUM = ROOT / "target/release/fulcrum"

# The questions: (a, b, by, from, to); None = whole span.
QUESTIONS = [
    ("RUS", "IND", "month", None, None),
    ("RUS", "PAK", "week", None, None),
    ("IND", "PAK", "month", None, None),
    ("USA", "CHN", "month", None, None),
    ("USA", "RUS", "week", "2018-01-01", "2018-12-31"),
    ("CHN", "IND", "week", "2018-01-01", "2018-10-31"),
    ("GBR", "USA", "month", "2016-01-01", "2019-12-31"),
    ("IND", "USA", "day", "2018-03-01", "2018-05-31"),
]


def path_of(q):
    a, b, by, f, t = q
    p = f"/api/dyad?a={a}&b={b}&by={by}"
    if f:
        p += f"&from={f}&to={t}"
    return p


def replicate_gdelt(path, rows):
    """Writes `rows` GDELT 2.0 lines: the real sample's lines, fresh ids, dates spread over 2015-2019."""
    import datetime
    lines = GDELT.read_bytes().splitlines()
    start = datetime.date(2015, 1, 1)
    days = 5 * 365
    out = bytearray()
    with open(path, "wb") as f:
        for i in range(rows):
            cols = lines[i % len(lines)].split(b"\t")
            d = start + datetime.timedelta(days=(i * 7919) % days)
            ymd = d.strftime("%Y%m%d").encode()
            cols[0] = str(10**11 + i).encode()
            cols[1], cols[2], cols[3] = ymd, ymd[:6], ymd[:4]
            cols[4] = f"{d.year + (d.timetuple().tm_yday - 1) / 365:.4f}".encode()
            cols[59] = ymd + b"143000"
            out += b"\t".join(cols) + b"\n"
            if len(out) > 1 << 24:
                f.write(out)
                out.clear()
        f.write(out)


def build_store(store, events_min):
    marker = store / "_bench_inputs.json"
    want = {"events_min": events_min, "gdelt": str(GDELT), "icews18": str(ICEWS18)}
    if marker.exists() and json.loads(marker.read_text()) == want:
        return
    shutil.rmtree(store, ignore_errors=True)
    icews = 468_558
    with tempfile.TemporaryDirectory() as tmp:
        gdelt_rows = max(0, events_min - icews) + 10_000
        src = pathlib.Path(tmp) / "gdelt2-replicated.export.CSV"
        print(f"building the store: ICEWS18 ({icews:,} events) + {gdelt_rows:,} replicated GDELT 2.0 rows…", flush=True)
        replicate_gdelt(src, gdelt_rows)
        subprocess.run([str(FULCRUM), "--store", str(store), "ingest", str(ICEWS18), str(src)], check=True, stdout=subprocess.DEVNULL)
    marker.write_text(json.dumps(want))


def start_server(store, threads):
    cmd = [str(FULCRUM), "--store", str(store), "serve", "--addr", "127.0.0.1:0"]
    if threads:
        cmd += ["--threads", str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://\S+/", line)
    if not m:
        proc.kill()
        sys.exit(f"the server did not start: {line}{proc.stderr.read()}")
    return proc, m.group(0).rstrip("/")


def wrk(base, paths, connections, threads, duration):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("local paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n")
        f.write("local i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
        script = f.name
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "--latency", "-s", script, base],
        check=True, capture_output=True, text=True,
    ).stdout
    os.unlink(script)

    def ms(text):
        v, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    pct = {p: ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    total = int(re.search(r"(\d+) requests in", out).group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(x) for x in sock.groups()) if sock else 0
    non2xx = int(re.search(r"Non-2xx or 3xx responses: (\d+)", out).group(1)) if "Non-2xx" in out else 0
    return {
        "requests": total,
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": pct["50"], "p90_ms": pct["90"], "p99_ms": pct["99"],
        "errors": socket_errors + non2xx, "socket_errors": socket_errors, "non_2xx": non2xx, "raw": out,
    }


def duckdb_peer(store, repeats):
    """The same dyad questions in DuckDB over the store's Parquet files: monthly/weekly/daily counts and Goldstein
    sums per direction (the core of what /api/dyad returns). Median seconds per question."""
    import duckdb
    con = duckdb.connect()
    glob = str(store / "year=*/month=*/*.parquet")
    trunc = {"day": "day", "week": "week", "month": "month"}
    times = []
    for a, b, by, f, t in QUESTIONS:
        window = f" AND event_date BETWEEN DATE '{f}' AND DATE '{t}'" if f else ""
        sql = (
            f"SELECT actor1_country_code, actor2_country_code, date_trunc('{trunc[by]}', event_date) AS period, "
            f"count(*) AS events, sum(goldstein) AS goldstein_sum, avg(goldstein) AS goldstein_mean "
            f"FROM read_parquet('{glob}', hive_partitioning = true) "
            f"WHERE actor1_country_code IN ('{a}', '{b}') AND actor2_country_code IN ('{a}', '{b}') "
            f"AND actor1_country_code <> actor2_country_code{window} GROUP BY ALL ORDER BY ALL"
        )
        con.execute(sql).fetchall()  # warm the file cache
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            con.execute(sql).fetchall()
            samples.append(time.perf_counter() - t0)
        times.append(statistics.median(samples))
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events-min", type=int, default=1_000_000)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="wrk client threads")
    ap.add_argument("--server-threads", type=int, default=0, help="server worker threads (0: one per core)")
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--peer-repeats", type=int, default=20)
    args = ap.parse_args()
    if not GDELT.exists() or not ICEWS18.exists():
        sys.exit(f"needs ../shared/data (GDELT 2.0 sample and ICEWS18): {GDELT.parent} / {ICEWS18}")
    store = HERE / "out/serve-store"
    store.parent.mkdir(parents=True, exist_ok=True)
    build_store(store, args.events_min)

    proc, base = start_server(store, args.server_threads)
    try:
        import urllib.request
        stats = json.load(urllib.request.urlopen(base + "/api/stats"))
        print(f"store: {stats['events']:,} events ({', '.join(d['dataset'] + ' ' + format(d['events'], ',') for d in stats['datasets'])})")
        if stats["events"] < args.events_min:
            sys.exit(f"the store has {stats['events']:,} events, fewer than {args.events_min:,}")
        paths = [path_of(q) for q in QUESTIONS]
        sizes = []
        for p in paths:
            body = json.load(urllib.request.urlopen(base + p))
            sizes.append(body["events"])
        print("questions (events matched): " + "; ".join(f"{p.split('?')[1]} ({n:,})" for p, n in zip(paths, sizes)))
        single = wrk(base, paths, 1, 1, min(10, args.duration))
        print(f"1 connection, {min(10, args.duration)} s: {single['requests_per_s']:,.0f} req/s, p50 {single['p50_ms']:.2f} ms, p99 {single['p99_ms']:.2f} ms, errors {single['errors']}")
        load = wrk(base, paths, args.connections, args.threads, args.duration)
        print(f"{args.connections} connections, {args.duration} s: {load['requests']:,} requests, {load['requests_per_s']:,.0f} req/s, "
              f"p50 {load['p50_ms']:.2f} ms, p90 {load['p90_ms']:.2f} ms, p99 {load['p99_ms']:.2f} ms, errors {load['errors']} "
              f"(socket {load['socket_errors']}, non-2xx {load['non_2xx']})")
        rss_kb = int(re.search(r"VmHWM:\s+(\d+)", pathlib.Path(f"/proc/{proc.pid}/status").read_text()).group(1))
        print(f"server peak RSS: {rss_kb / 1024:,.0f} MiB")
    finally:
        proc.terminate()
        proc.wait()
    duck_median, duck_each = duckdb_peer(store, args.peer_repeats)
    print(f"DuckDB, same questions in process over the store's Parquet: median {duck_median * 1e3:.1f} ms per question "
          f"({', '.join(f'{t * 1e3:.0f}' for t in duck_each)} ms)")
    ratio = duck_median * 1e3 / single["p50_ms"]
    print(f"ratio: DuckDB median / Fulcrum single-connection p50 = {ratio:.1f}x (Fulcrum over HTTP, from memory)")
    goal = load["errors"] == 0 and load["p99_ms"] < 50
    print(f"goal (0 errors, p99 < 50 ms under {args.connections} connections): {'met' if goal else 'NOT met'}")
    result = {"store_events": stats["events"], "questions": paths, "single": {k: v for k, v in single.items() if k != "raw"},
              "load": {k: v for k, v in load.items() if k != "raw"}, "connections": args.connections, "duration_s": args.duration,
              "server_peak_rss_mib": rss_kb / 1024, "duckdb_median_ms": duck_median * 1e3, "duckdb_each_ms": [t * 1e3 for t in duck_each],
              "ratio_duckdb_over_fulcrum_p50": ratio, "goal_met": goal}
    (HERE / "out/serve-bench.json").write_text(json.dumps(result, indent=1))
    print(load["raw"])


if __name__ == "__main__":
    main()
