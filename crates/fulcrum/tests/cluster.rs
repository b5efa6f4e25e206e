//! A real Ballista cluster on the loopback interface: one scheduler and two executors, each a process of the
//! built `fulcrum` binary on free ports. Every cluster-enabled command must answer as it does in process, both
//! executors must have run tasks, and an executor killed mid-query must leave the user a clear outcome.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// A free loopback port (bound, read, released: the process started next binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One scheduler and some executors, killed when dropped — also when the test fails.
struct Cluster {
    scheduler: Child,
    executors: Vec<Option<Child>>,
    port: u16,
    logs: PathBuf,
}

impl Cluster {
    fn start(dir: &Path, executors: usize, executor_timeout: u64) -> Cluster {
        Cluster::start_with(dir, executors, executor_timeout, &[])
    }

    /// A cluster whose processes get `env` too (an object store's endpoint and credentials).
    fn start_with(
        dir: &Path,
        executors: usize,
        executor_timeout: u64,
        env: &[(String, String)],
    ) -> Cluster {
        let logs = dir.join("cluster-logs");
        std::fs::create_dir_all(&logs).unwrap();
        let port = free_port();
        let spawn = |args: Vec<String>, log: &str| -> Child {
            let file = std::fs::File::create(logs.join(log)).unwrap();
            fulcrum()
                .args(&args)
                .env("RUST_LOG", "info")
                .envs(env.iter().cloned())
                .stdin(Stdio::null())
                .stdout(file.try_clone().unwrap())
                .stderr(file)
                .spawn()
                .expect("a cluster process starts")
        };
        let scheduler = spawn(
            vec![
                "cluster".into(),
                "scheduler".into(),
                "--bind".into(),
                format!("127.0.0.1:{port}"),
                "--executor-timeout".into(),
                executor_timeout.to_string(),
                "--min-executors".into(),
                executors.to_string(),
            ],
            "scheduler.log",
        );
        let mut cluster = Cluster {
            scheduler,
            executors: Vec::new(),
            port,
            logs: logs.clone(),
        };
        for i in 0..executors {
            let work = dir.join(format!("executor-{i}"));
            let child = spawn(
                vec![
                    "cluster".into(),
                    "executor".into(),
                    "--scheduler".into(),
                    format!("127.0.0.1:{port}"),
                    "--bind".into(),
                    "127.0.0.1".into(),
                    "--port".into(),
                    free_port().to_string(),
                    "--cores".into(),
                    "1".into(),
                    "--memory".into(),
                    "1G".into(),
                    "--work-dir".into(),
                    work.to_string_lossy().into_owned(),
                ],
                &format!("executor-{i}.log"),
            );
            cluster.executors.push(Some(child));
        }
        cluster.wait_ready();
        cluster
    }

    /// Waits until the scheduler's /readyz says every executor is alive.
    fn wait_ready(&mut self) {
        let url = format!("http://127.0.0.1:{}/readyz", self.port);
        let started = Instant::now();
        loop {
            if let Ok(mut r) = agent().get(&url).call()
                && r.status().as_u16() == 200
            {
                let _ = r.body_mut().read_to_string();
                return;
            }
            if let Ok(Some(status)) = self.scheduler.try_wait() {
                panic!(
                    "the scheduler exited ({status}):\n{}",
                    self.log("scheduler.log")
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "the cluster was not ready after 90 s:\n{}\n{}",
                self.log("scheduler.log"),
                self.log("executor-0.log")
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn url(&self) -> String {
        format!("df://127.0.0.1:{}", self.port)
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.logs.join(name)).unwrap_or_default()
    }

    /// Tasks an executor has received so far (its log says each).
    fn tasks_of(&self, executor: usize) -> usize {
        self.log(&format!("executor-{executor}.log"))
            .matches("Received task")
            .count()
    }

    fn kill_executor(&mut self, i: usize) {
        if let Some(mut child) = self.executors[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in self.executors.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = self.scheduler.kill();
        let _ = self.scheduler.wait();
    }
}

/// Where a command reads: the store (a path or an s3:// URL), the cluster if any, and the environment it runs in
/// (an object store's endpoint and credentials).
#[derive(Clone, Default)]
struct Reader {
    store: String,
    cluster: Option<String>,
    env: Vec<(String, String)>,
}

impl Reader {
    fn local(store: &Path) -> Reader {
        Reader {
            store: store.to_string_lossy().into_owned(),
            ..Default::default()
        }
    }

    fn on(&self, cluster: &Cluster) -> Reader {
        Reader {
            cluster: Some(cluster.url()),
            ..self.clone()
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = fulcrum();
        cmd.arg("--store").arg(&self.store);
        if let Some(url) = &self.cluster {
            cmd.args(["--cluster", url]);
        }
        cmd.envs(self.env.iter().cloned());
        cmd.args(args).output().expect("fulcrum runs")
    }

    /// The JSON a command writes with `--json FILE` (or prints, for `sql --format json` and `stats --json`), with
    /// the store's name in `stats`' summary replaced by STORE, so answers from copies of a store compare equal.
    fn answer(&self, args: &[&str], dir: &Path) -> Value {
        let prints_json = matches!(args.first(), Some(&"sql") | Some(&"stats"));
        let file = dir.join(format!("answer-{}.json", self.cluster.is_some()));
        let mut full: Vec<&str> = args.to_vec();
        let path = file.to_string_lossy().into_owned();
        if !prints_json {
            full.extend(["--json", &path]);
        }
        let out = self.run(&full);
        assert!(
            out.status.success(),
            "fulcrum --store {}{} {:?} failed:\n{}",
            self.store,
            if self.cluster.is_some() {
                " --cluster …"
            } else {
                ""
            },
            args,
            String::from_utf8_lossy(&out.stderr)
        );
        let text = if prints_json {
            String::from_utf8_lossy(&out.stdout).into_owned()
        } else {
            std::fs::read_to_string(&file).unwrap()
        };
        let mut value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"));
        if let Some(Value::String(summary)) = value.get_mut("summary") {
            *summary = summary.replacen(self.store.trim_end_matches('/'), "STORE", 1);
        }
        value
    }
}

/// Equal, numbers within a relative 1e-9 (sums over the same rows in another order may differ in the last bits).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The commands that run their reads on the cluster, as a user types them.
fn cluster_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "sql",
            "SELECT dataset, year, month, count(*) AS n, round(sum(goldstein), 3) AS g FROM events \
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            "--format",
            "json",
        ],
        vec!["stats", "--json"],
        vec!["dyad", "RUS", "PAK"],
        vec!["dyad", "IND", "PAK", "--by", "week", "--dedup", "daily"],
        vec![
            "balance",
            "RUS",
            "--between",
            "IND",
            "PAK",
            "--break",
            "2018-06-01",
        ],
        vec!["balance", "--between", "IND", "PAK"],
        vec!["triad", "RUS", "IND", "PAK", "CHN", "USA"],
        vec!["changes", "IND", "PAK", "--by", "week"],
        vec!["forecast", "dyad", "RUS", "PAK", "--by", "week"],
        vec![
            "backtest",
            "dyad",
            "RUS",
            "PAK",
            "--by",
            "week",
            "--origins",
            "5",
        ],
    ]
}

/// Asks every command of `commands` in process on the local store, and through each of `readers` (another copy of
/// the store, or the cluster started here): the answers must be the same.
fn check_every_command(
    store: &Path,
    dir: &Path,
    commands: &[Vec<&str>],
    cluster: &Cluster,
    readers: &[Reader],
) {
    let local = Reader::local(store);
    // Partition pruning too: zero-padded months, typed as strings.
    let pruned = "SELECT count(*) AS n FROM events WHERE year = '2018' AND month = '02'";
    let pruning = vec!["sql", pruned, "--format", "json"];
    for args in commands.iter().chain([&pruning]) {
        let expected = local.answer(args, dir);
        assert_ne!(
            expected,
            Value::Array(vec![]),
            "{args:?}: an empty answer proves nothing"
        );
        for reader in readers {
            let got = reader.answer(args, dir);
            assert!(
                same(&expected, &got),
                "{args:?}: --store {} {} answered\n{got}\nlocally\n{expected}",
                reader.store,
                reader.cluster.as_deref().unwrap_or("in process")
            );
        }
    }
    assert!(
        local.answer(&pruning, dir)[0]["n"].as_u64().unwrap_or(0) > 0,
        "the pruning query counts some events"
    );
    let tasks = [cluster.tasks_of(0), cluster.tasks_of(1)];
    eprintln!("tasks run per executor: {tasks:?}");
    assert!(
        tasks.iter().all(|&n| n > 0),
        "both executors work: {tasks:?}\n{}",
        cluster.log("executor-1.log")
    );
}

/// A small store written here (two years of monthly partitions), so the tests run on a fresh clone.
fn fixture_store(dir: &Path) -> PathBuf {
    let mut lines = Vec::new();
    let mut id = 1;
    for (year, months) in [(2017, 1..=12), (2018, 1..=10)] {
        for month in months {
            for day in [3, 11, 19, 27] {
                let date: &'static str =
                    Box::leak(format!("{year}{month:02}{day:02}").into_boxed_str());
                for (s, d, code) in [
                    ("RUSGOV", "INDGOV", "057"),
                    ("INDGOV", "RUSGOV", "042"),
                    (
                        "RUSGOV",
                        "PAKGOV",
                        if month % 3 == 0 { "112" } else { "057" },
                    ),
                    ("PAKGOV", "RUSGOV", "042"),
                    ("INDMIL", "PAKMIL", "190"),
                    ("PAKMIL", "INDMIL", "190"),
                    ("CHNGOV", "PAKGOV", "057"),
                    ("USAGOV", "INDGOV", "042"),
                ] {
                    lines.push(gdelt2_line(&Ev::new(id, date, s, d, code)));
                    id += 1;
                }
            }
        }
    }
    let input = write_lines(dir, "fixture.export.CSV", &lines);
    let store = dir.join("store");
    ok(&store, &["ingest", input.to_str().unwrap()]);
    store
}

#[test]
fn a_loopback_cluster_answers_as_the_store_does() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    answers_on_a_loopback_cluster_as_in_process(&store, dir.path());
}

/// Starts a cluster of two executors and checks every cluster-enabled command on `store` against the local answer.
fn answers_on_a_loopback_cluster_as_in_process(store: &Path, dir: &Path) {
    let cluster = Cluster::start(dir, 2, 30);
    let on_cluster = Reader::local(store).on(&cluster);
    check_every_command(store, dir, &cluster_commands(), &cluster, &[on_cluster]);
}

#[test]
fn a_loopback_cluster_answers_as_the_store_does_on_icews18_and_gdelt() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    for input in ["icews18/diffutkg", "gdelt2", "gdelt1"] {
        ok(&store, &["ingest", data.join(input).to_str().unwrap()]);
    }
    answers_on_a_loopback_cluster_as_in_process(&store, dir.path());
}

/// An S3-compatible server on a free loopback port: moto's, from PyPI (scripts/test installs it), killed on drop.
struct S3Server {
    child: Child,
    port: u16,
}

impl S3Server {
    fn start(python: &str, log: &Path) -> S3Server {
        let port = free_port();
        let file = std::fs::File::create(log).unwrap();
        let child = Command::new(python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("moto's server starts");
        let mut server = S3Server { child, port };
        let started = Instant::now();
        // Ready when it answers; then the bucket (moto takes an unsigned request).
        loop {
            let put = agent()
                .put(&format!("{}/fulcrum", server.endpoint()))
                .send_empty();
            if let Ok(r) = put
                && r.status().as_u16() == 200
            {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "moto's server exited ({status}):\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto's server did not answer within 60 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What every process that reads the bucket needs, as a user would export it.
    fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", "fulcrum-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "fulcrum-test".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A store pushed to an S3 server answers every command as the local store does, in process and on the cluster
/// (whose scheduler and executors read the bucket themselves); a second push uploads only what a new ingest
/// added; an s3:// prefix without a store, a write to a remote store and an unsupported scheme are refused with
/// what to do.
#[test]
fn a_store_in_s3_answers_as_the_local_one_in_process_and_on_the_cluster() {
    let Some(python) = python_with("moto.server") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    let s3 = S3Server::start(&python, &dir.path().join("moto.log"));
    let remote = Reader {
        store: "s3://fulcrum/stores/fixture".into(),
        cluster: None,
        env: s3.env(),
    };
    let push = |reader: &Reader| {
        let out = Reader {
            store: store.to_string_lossy().into_owned(),
            ..reader.clone()
        }
        .run(&["push", &reader.store]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "push failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    let first = push(&remote);
    assert!(
        first.contains("1 transaction(s)") && first.contains("0 already there"),
        "{first}"
    );

    let cluster = Cluster::start_with(dir.path(), 2, 30, &s3.env());
    let remote_on_cluster = remote.on(&cluster);
    check_every_command(
        &store,
        dir.path(),
        &cluster_commands(),
        &cluster,
        &[remote.clone(), remote_on_cluster.clone()],
    );

    // Ingest more locally and push again: only the new files go up, and the remote store then has them.
    let more = write_lines(
        dir.path(),
        "more.export.CSV",
        &[gdelt2_line(&Ev::new(
            900_001, "20181120", "RUSGOV", "PAKGOV", "057",
        ))],
    );
    ok(&store, &["ingest", more.to_str().unwrap()]);
    let second = push(&remote);
    assert!(
        second.contains("2 transaction(s); 1 file(s) uploaded"),
        "{second}"
    );
    let count = [
        "sql",
        "SELECT count(*) AS n FROM events",
        "--format",
        "json",
    ];
    let expected = Reader::local(&store).answer(&count, dir.path());
    for reader in [&remote, &remote_on_cluster] {
        assert!(same(&expected, &reader.answer(&count, dir.path())));
    }

    let refused = |reader: &Reader, args: &[&str], says: &str| {
        let out = reader.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(
            stderr.contains(says) && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    };
    let nothing = Reader {
        store: "s3://fulcrum/no-store-here".into(),
        ..remote.clone()
    };
    refused(&nothing, &["stats"], "no Fulcrum store here");
    refused(&remote, &["ingest", more.to_str().unwrap()], "fulcrum push");
    let gcs = Reader {
        store: "gs://bucket/store".into(),
        ..remote.clone()
    };
    refused(&gcs, &["stats"], "not supported");
}

/// Kills one of two executors while a query runs, and reports what the user sees — twice: as soon as the
/// executor has received a task, and once it has finished one (its map output is then needed downstream).
/// Ballista re-runs a lost executor's tasks on the other once the scheduler takes it as lost (here after 5 s
/// without word), and the query finishes with the right answer; but when the executor dies after its map output
/// was used, Ballista 55 can lose track of the stage and the job never ends — the client's --cluster-timeout
/// (here 40 s) turns that into a clear error. Either way: no hang, no panic, the right answer or a message that
/// says why.
#[test]
fn an_executor_killed_mid_query() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_lines(dir.path(), "a.export.CSV", &many_gdelt2(1, 60_000));
    let store = dir.path().join("store");
    ok(&store, &["ingest", input.to_str().unwrap()]);
    // A self-join heavy enough to run for a while on two one-core executors.
    let sql = "SELECT count(*) AS n, round(sum(a.goldstein * b.goldstein), 3) AS g FROM events a \
               JOIN events b ON a.actor1_code = b.actor2_code AND a.event_date = b.event_date";
    let expected = Reader::local(&store).answer(&["sql", sql, "--format", "json"], dir.path());
    for (i, moment) in ["Received task", "Finished task"].into_iter().enumerate() {
        let run = dir.path().join(format!("run-{i}"));
        std::fs::create_dir_all(&run).unwrap();
        kill_during(&run, &store, sql, &expected, moment);
    }
}

/// Runs `sql` on a fresh two-executor cluster and kills executor 1 when its log first says `moment`.
fn kill_during(dir: &Path, store: &Path, sql: &str, expected: &Value, moment: &str) {
    let mut cluster = Cluster::start(dir, 2, 5);
    let started = Instant::now();
    let mut client: Child = Command::new(env!("CARGO_BIN_EXE_fulcrum"))
        .args([
            "--store",
            store.to_str().unwrap(),
            "--cluster",
            &cluster.url(),
            "--cluster-timeout",
            "40",
        ])
        .args(["sql", sql, "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let said = |c: &Cluster| c.log("executor-1.log").contains(moment);
    while !said(&cluster) && started.elapsed() < Duration::from_secs(60) {
        if client.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed_at = started.elapsed();
    cluster.kill_executor(1);
    let out = client.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    eprintln!(
        "executor 1 killed {:.1} s into the query (its log said \"{moment}\"); the client {} after {:.1} s\n\
         stdout: {stdout}\nstderr: {stderr}",
        killed_at.as_secs_f64(),
        if out.status.success() {
            "succeeded"
        } else {
            "failed"
        },
        started.elapsed().as_secs_f64()
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "the client gave up in time"
    );
    if out.status.success() {
        let got: Value = serde_json::from_str(&stdout).unwrap();
        assert!(same(&got, expected), "after the retry: {got} vs {expected}");
    } else {
        let error = stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_default();
        assert!(
            error.len() > "error: ".len(),
            "a failure says why: {stderr}"
        );
    }
}
