#!/usr/bin/env python3
"""Cluster benchmark: the relations questions in process and on a loopback Ballista cluster (one scheduler, two
executors, each a `fulcrum cluster` process), on a 10 M-event store and on a generated store of 100 M events.

Both stores are built by `fulcrum ingest` from the real rows of the shared GDELT 2.0 15-minute file, replicated
with fresh GLOBALEVENTIDs; the replicas' dates are spread over about 13 years whatever the size (so the 100 M
store is ten times denser, not ten times longer). The 100 M store is ingested in chunks of 10 M rows, so the
text never takes more than a few GB of disk. Every command is timed as a whole process, best of three; peak
memory (VmHWM) of the client and of every cluster process is read from /proc. Not a test: numbers only. Run
through bench/run-cluster.
"""
import argparse, datetime, os, pathlib, socket, subprocess, sys, time, urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT.parent / "shared/data/gdelt2/arekziobrowski-gdelt-big-data/20191024143000.export.CSV"
TEN_MILLION = 10_000_000


def write_chunk(path, base, first_row, rows, total):
    """Rows first_row .. first_row+rows of a store of `total` replicated rows; replica r falls on day
    r * 10 M / total after 2007-01-01."""
    start = datetime.date(2007, 1, 1)
    per_replica = len(base)
    with open(path, "wb") as f:
        row = first_row
        while row < first_row + rows:
            replica = row // per_replica
            day = start + datetime.timedelta(days=replica * TEN_MILLION // total)
            d = day.strftime("%Y%m%d").encode()
            buf = bytearray()
            for fields in base[row % per_replica:]:
                if row == first_row + rows:
                    break
                fields = list(fields)
                fields[0] = str(10**11 + row).encode()
                fields[1], fields[2], fields[3] = d, d[:6], d[:4]
                buf += b"\t".join(fields) + b"\n"
                row += 1
            f.write(buf)


def build_store(fulcrum, work, total):
    store = work / f"cluster-store-{total}"
    if (store / "_fulcrum/manifest.json").exists():
        return store
    base = [l.split(b"\t") for l in SAMPLE.read_bytes().splitlines()]
    t = time.perf_counter()
    for first in range(0, total, TEN_MILLION):
        chunk = work / f"chunk-{first}.export.CSV"
        write_chunk(chunk, base, first, min(TEN_MILLION, total - first), total)
        subprocess.run([fulcrum, "--store", str(store), "ingest", str(chunk)], check=True,
                       stdout=subprocess.DEVNULL)
        chunk.unlink()
        print(f"  {min(first + TEN_MILLION, total):,} of {total:,} rows stored", flush=True)
    print(f"built {store.name} in {time.perf_counter() - t:.0f} s")
    return store


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_mib(pid):
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Cluster:
    def __init__(self, fulcrum, work, executors=2, cores=1, memory="4G"):
        self.port = free_port()
        logs = work / "cluster-logs"
        logs.mkdir(exist_ok=True)
        def spawn(args, name):
            return subprocess.Popen([fulcrum, "cluster", *args], stdout=open(logs / name, "w"),
                                    stderr=subprocess.STDOUT)
        self.scheduler = spawn(["scheduler", "--bind", f"127.0.0.1:{self.port}", "--min-executors",
                                str(executors)], "scheduler.log")
        self.executors = [
            spawn(["executor", "--scheduler", f"127.0.0.1:{self.port}", "--bind", "127.0.0.1", "--port",
                   str(free_port()), "--cores", str(cores), "--memory", memory, "--work-dir",
                   str(work / f"executor-{i}")], f"executor-{i}.log")
            for i in range(executors)
        ]
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit("the loopback cluster did not become ready in 60 s; see bench/out/cluster-logs")

    @property
    def url(self):
        return f"df://127.0.0.1:{self.port}"

    def peaks(self):
        return [peak_mib(p.pid) for p in [self.scheduler, *self.executors]]

    def stop(self):
        for p in [*self.executors, self.scheduler]:
            p.kill()
            p.wait()


def timed(cmd):
    """Best of three whole-process times, and the largest peak RSS of the three runs (GNU time)."""
    best, peak = 1e9, 0.0
    for _ in range(3):
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
        best = min(best, time.perf_counter() - t)
        peak = max(peak, int(p.stderr.strip().splitlines()[-1]) / 1024)
    return best, peak


COMMANDS = [
    ("dyad RUS USA --by month", ["dyad", "RUS", "USA", "--by", "month"]),
    ("balance RUS --between USA CHN", ["balance", "RUS", "--between", "USA", "CHN", "--by", "month"]),
    ("triad RUS USA CHN --by month", ["triad", "RUS", "USA", "CHN", "--by", "month"]),
]


def measure(fulcrum, store, cluster, local=True):
    rows = []
    for name, args in COMMANDS:
        base = [fulcrum, "--store", str(store)]
        here = timed(base + args) if local else (float("nan"), float("nan"))
        there = timed(base + ["--cluster", cluster.url] + args)
        rows.append((name, here, there))
    return rows


def report(title, rows, cluster_peaks):
    print(f"\n{title}")
    print(f"{'command (whole process, best of 3)':<36}{'local s':>9}{'cluster s':>11}{'ratio':>8}"
          f"{'local MiB':>11}{'client MiB':>12}")
    for name, (ls, lm), (cs, cm) in rows:
        print(f"{name:<36}{ls:>9.3f}{cs:>11.3f}{cs / ls:>8.2f}{lm:>11.0f}{cm:>12.0f}")
    names = ["scheduler"] + [f"executor {i}" for i in range(len(cluster_peaks) - 1)]
    print("cluster processes, peak MiB: " + ", ".join(f"{n} {m:.0f}" for n, m in zip(names, cluster_peaks)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=TEN_MILLION)
    ap.add_argument("--big-rows", type=int, default=10 * TEN_MILLION, help="0 skips the big store")
    ap.add_argument("--work", default=str(HERE / "out"))
    ap.add_argument("--fulcrum", default=str(ROOT / "target/release/fulcrum"))
    ap.add_argument("--memory", default="4G", help="--memory of each executor")
    args = ap.parse_args()
    if not SAMPLE.is_file():
        sys.exit(f"needs the real GDELT rows of {SAMPLE}")
    work = pathlib.Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    store = build_store(args.fulcrum, work, args.rows)
    cluster = Cluster(args.fulcrum, work, memory=args.memory)
    try:
        rows = measure(args.fulcrum, store, cluster)
        report(f"{args.rows:,} events: in process vs a loopback cluster (2 executors × 1 core)", rows,
               cluster.peaks())
    finally:
        cluster.stop()
    if args.big_rows:
        big = build_store(args.fulcrum, work, args.big_rows)
        cluster = Cluster(args.fulcrum, work, memory=args.memory)
        try:
            rows = measure(args.fulcrum, big, cluster)
            report(f"{args.big_rows:,} events: in process vs the loopback cluster (executors --memory {args.memory})",
                   rows, cluster.peaks())
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
