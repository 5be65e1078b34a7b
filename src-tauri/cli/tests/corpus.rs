//! The bad-input corpus (`tests/corpus/`): every case is a file and its expected outcome in
//! its folder's `cases.toml`. Files and settings go through the `kommunepost` binary as a clerk
//! or a script would use it, each run in its own process under a memory limit (`ulimit -v`)
//! and a time limit, so a case that crashes, hangs or eats memory fails here instead of in a
//! clerk's window. Service answers go through core's real clients against a loopback server
//! that gives the case's answer, each under a time limit. No case may change the store, and
//! no error text may carry a fødselsnummer unmasked.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;

const PASSPHRASE: &str = "korpus passordfrase";
/// The most memory (virtual, KiB) one case's process may take.
const MEMORY_KIB: u64 = 3 * 1024 * 1024;
/// The longest one case may take.
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// Numbers that appear in the corpus's inputs and must never appear unmasked in an output.
const NUMBERS: [&str; 3] = ["20914695016", "01129955131", "30108299920"];

#[derive(Debug, Deserialize)]
struct Manifest {
    case: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
struct Case {
    file: String,
    expect: String,
    contains: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn cases(kind: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(corpus().join(kind).join("cases.toml")).unwrap();
    let manifest: Manifest = toml::from_str(&text).unwrap();
    manifest.case
}

/// The case's input: the file, unpacked when it is gzipped (large inputs are kept that way).
fn input(kind: &str, file: &str) -> Vec<u8> {
    let bytes = std::fs::read(corpus().join(kind).join(file)).unwrap();
    if !file.ends_with(".gz") {
        return bytes;
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .take(512 * 1024 * 1024)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The input written to a file of its own (without `.gz`), for the commands that read files.
fn as_file(dir: &Path, kind: &str, case: &Case) -> PathBuf {
    let name = case.file.trim_end_matches(".gz");
    let path = dir.join(format!("{kind}-{name}"));
    std::fs::write(&path, input(kind, &case.file)).unwrap();
    path
}

struct Run {
    code: Option<i32>,
    out: String,
    timed_out: bool,
    took: Duration,
}

/// Runs `kommunepost ARGS` in its own process under the memory and time limits.
fn kommunepost(data_dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_kommunepost"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("KOMMUNEPOST_PASSPHRASE", PASSPHRASE)
        .env_remove("KOMMUNEPOST_DATA_DIR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            timed_out = true;
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut out = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
    out.push_str(&String::from_utf8_lossy(&err_reader.join().unwrap()));
    Run {
        code: status.code(),
        out,
        timed_out,
        took: started.elapsed(),
    }
}

/// What is wrong with a run for `case`, if anything: `ok` and `refused` say how the run ended.
fn judge(case: &Case, run: &Run, ok: bool, refused: bool) -> Option<String> {
    if run.timed_out {
        return Some(format!("did not finish within {TIME_LIMIT:?}"));
    }
    let Some(code) = run.code else {
        return Some("the process was killed by a signal (a crash or the memory limit)".into());
    };
    if run.out.contains("panicked") || code > 3 {
        return Some(format!("crashed (exit {code}): {}", tail(&run.out)));
    }
    for number in NUMBERS {
        if run.out.contains(number) {
            return Some(format!(
                "a fødselsnummer unmasked in the output: {}",
                tail(&run.out)
            ));
        }
    }
    let wanted = match case.expect.as_str() {
        "ok" => ok,
        "error" => refused,
        "error-or-row" => refused || code == 1,
        "any" | "ok-or-any" => true,
        _ => refused,
    };
    if !wanted {
        return Some(format!(
            "expected {}, got exit {code}: {}",
            case.expect,
            tail(&run.out)
        ));
    }
    if let Some(text) = &case.contains
        && !run.out.contains(text.as_str())
    {
        return Some(format!(
            "the output does not say {text:?}: {}",
            tail(&run.out)
        ));
    }
    None
}

fn tail(text: &str) -> String {
    let text = text.trim();
    let start = text.char_indices().rev().nth(400).map_or(0, |(i, _)| i);
    text[start..].replace('\n', " ⏎ ")
}

fn report(failures: &mut Vec<String>, kind: &str, case: &Case, problem: Option<String>) {
    if let Some(problem) = problem {
        failures.push(format!("{kind}/{}: {problem}", case.file));
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

fn db_bytes(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("kommunepost.db")).unwrap()
}

#[test]
fn every_bad_input_gets_a_clear_error_and_changes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let init = kommunepost(&data, &["store", "init"], None);
    assert_eq!(init.code, Some(0), "{}", init.out);
    let before = db_bytes(&data);
    let template = work.path().join("mal.toml");
    let example = kommunepost(
        &data,
        &[
            "letter",
            "template",
            "example",
            "--out",
            template.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(example.code, Some(0), "{}", example.out);
    let mut failures = Vec::new();
    let mut count = 0;
    let mut slowest = (Duration::ZERO, String::new());

    let mut note_time = |run: &Run, name: String| {
        if run.took > slowest.0 {
            slowest = (run.took, name);
        }
    };

    for case in cases("identifiers") {
        count += 1;
        let bytes = input("identifiers", &case.file);
        let run = kommunepost(&data, &["ident", "check", "--json"], Some(&bytes));
        note_time(&run, case.file.clone());
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(run.out.find('[').map_or("[]", |i| {
                &run.out[i..run.out.rfind(']').map_or(i, |j| j + 1)]
            }))
            .unwrap_or_default();
        let first_code = rows
            .first()
            .and_then(|r| r["problem"]["code"].as_str())
            .map(str::to_owned);
        let all_valid = !rows.is_empty() && rows.iter().all(|r| r["valid"] == true);
        let problem = match case.expect.as_str() {
            "ok" => (!all_valid || run.code != Some(0))
                .then(|| format!("expected valid, got {first_code:?}: {}", tail(&run.out))),
            "empty-input" => {
                (run.code != Some(2)).then(|| format!("expected a usage error, got {:?}", run.code))
            }
            "any" | "ok-or-any" => None,
            code => (first_code.as_deref() != Some(code) || run.code != Some(1)).then(|| {
                format!(
                    "expected {code}, got {first_code:?} (exit {:?}): {}",
                    run.code,
                    tail(&run.out)
                )
            }),
        };
        let crash = judge(
            &Case {
                expect: "any".into(),
                ..case.clone()
            },
            &run,
            true,
            true,
        );
        report(&mut failures, "identifiers", &case, crash.or(problem));
    }

    for case in cases("templates") {
        count += 1;
        let file = as_file(work.path(), "templates", &case);
        let run = kommunepost(
            &data,
            &["letter", "template", "check", file.to_str().unwrap()],
            None,
        );
        note_time(&run, case.file.clone());
        let verdict = judge(
            &case,
            &run,
            run.code == Some(0),
            matches!(run.code, Some(1 | 2)),
        );
        report(&mut failures, "templates", &case, verdict);
    }

    for case in cases("csv") {
        count += 1;
        let file = as_file(work.path(), "csv", &case);
        let out = work.path().join(format!("brev-{}", case.file));
        let run = kommunepost(
            &data,
            &[
                "letter",
                "render",
                "--template",
                template.to_str().unwrap(),
                "--data",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--date",
                "2026-12-06",
            ],
            None,
        );
        note_time(&run, case.file.clone());
        let verdict = judge(
            &case,
            &run,
            run.code == Some(0),
            matches!(run.code, Some(1 | 2)),
        );
        report(&mut failures, "csv", &case, verdict);
        let _ = std::fs::remove_dir_all(&out);
    }

    for case in cases("pdf") {
        count += 1;
        let file = as_file(work.path(), "pdf", &case);
        let run = kommunepost(
            &data,
            &["letter", "check", "--json", file.to_str().unwrap()],
            None,
        );
        note_time(&run, case.file.clone());
        let verdict = judge(&case, &run, run.code == Some(0), run.code == Some(1));
        report(&mut failures, "pdf", &case, verdict);
    }

    for case in cases("urls") {
        count += 1;
        let url = String::from_utf8(input("urls", &case.file)).unwrap();
        let run = kommunepost(
            &data,
            &["--env", "test", "--krr-url", &url, "config", "show"],
            None,
        );
        note_time(&run, case.file.clone());
        let verdict = judge(
            &case,
            &run,
            run.code == Some(0),
            matches!(run.code, Some(1 | 2)),
        );
        report(&mut failures, "urls", &case, verdict);
    }

    for case in cases("archive-receipts") {
        count += 1;
        let file = as_file(work.path(), "archive-receipts", &case);
        let run = kommunepost(&data, &["archive", "receipt", file.to_str().unwrap()], None);
        note_time(&run, case.file.clone());
        let verdict = judge(
            &case,
            &run,
            run.code == Some(0),
            matches!(run.code, Some(1 | 2)),
        );
        report(&mut failures, "archive-receipts", &case, verdict);
    }

    for case in cases("settings") {
        count += 1;
        let dir = work.path().join(format!("settings-{}", case.file));
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::write(
            dir.join("config/settings.toml"),
            input("settings", &case.file),
        )
        .unwrap();
        let run = kommunepost(&dir, &["config", "show"], None);
        note_time(&run, case.file.clone());
        let verdict = judge(
            &case,
            &run,
            run.code == Some(0),
            matches!(run.code, Some(1 | 2)),
        );
        report(&mut failures, "settings", &case, verdict);
    }

    // Service answers through the real clients.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for kind in ["krr", "maskinporten", "svarut"] {
        for case in cases(kind) {
            count += 1;
            let answer: serde_json::Value =
                serde_json::from_slice(&input(kind, &case.file)).unwrap();
            let started = Instant::now();
            let outcome = runtime.block_on(service_case(kind, answer));
            let took = started.elapsed();
            if took > slowest.0 {
                slowest = (took, case.file.clone());
            }
            let problem = match outcome {
                Err(problem) => Some(problem),
                Ok(result) => {
                    let text = result.as_ref().err().cloned().unwrap_or_default();
                    if NUMBERS.iter().any(|n| text.contains(n)) {
                        Some(format!("a fødselsnummer unmasked in the error: {text}"))
                    } else {
                        match (case.expect.as_str(), &result) {
                            ("ok", Err(e)) => Some(format!("expected success, got: {e}")),
                            ("error", Ok(())) => Some("expected an error, got success".into()),
                            _ => None,
                        }
                    }
                }
            };
            report(&mut failures, kind, &case, problem);
        }
    }

    assert_eq!(db_bytes(&data), before, "a corpus case changed the store");
    // Every log line the cases wrote (data and settings directories) is masked too.
    let mut logs = 0;
    for entry in walk(work.path()) {
        if entry.components().any(|c| c.as_os_str() == "logs") {
            logs += 1;
            let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
            for number in NUMBERS {
                for line in text.lines().filter(|l| l.contains(number)) {
                    failures.push(format!("log {}: unmasked number: {line}", entry.display()));
                }
            }
        }
    }
    assert!(logs > 0, "the cases wrote no log file to check");
    println!("corpus: {count} cases, slowest {slowest:?}");
    assert!(count >= 250, "the corpus has {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} corpus cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One service answer through core's client: `Ok(result)` when the client finished (with its
/// own success or error), `Err(problem)` when it panicked or did not finish in time.
async fn service_case(
    kind: &'static str,
    answer: serde_json::Value,
) -> Result<Result<(), String>, String> {
    let status = answer["status"].as_u64().unwrap_or(200) as u16;
    let body = answer["body"].as_str().unwrap_or("").as_bytes().to_vec();
    let base = serve(kind, status, body).await;
    let task = tokio::spawn(async move { call(kind, &base).await });
    match tokio::time::timeout(TIME_LIMIT, task).await {
        Err(_) => Err(format!("did not finish within {TIME_LIMIT:?}")),
        Ok(Err(join)) if join.is_panic() => Err("the client panicked".into()),
        Ok(Err(join)) => Err(join.to_string()),
        Ok(Ok(result)) => Ok(result),
    }
}

async fn call(kind: &str, base: &str) -> Result<(), String> {
    use kommunepost_core::config::{Endpoints, Timeouts};
    use kommunepost_core::krr::{KrrAccess, KrrVersion};
    use kommunepost_core::maskinporten::ClientCredential;
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let credential =
        ClientCredential::from_pem_key(&key.private_key_to_pem_pkcs8().unwrap(), "k").unwrap();
    let clock: Arc<dyn kommunepost_core::clock::Clock> =
        Arc::new(kommunepost_core::clock::SystemClock);
    let timeouts = Timeouts {
        connect_secs: 5,
        request_secs: 20,
        send_secs: 20,
    };
    let endpoints = Endpoints {
        maskinporten: format!("{base}/"),
        krr: base.to_owned(),
        svarut: format!("{base}/api"),
        signing: base.to_owned(),
    };
    match kind {
        "krr" | "maskinporten" => {
            let (tokens, krr) = kommunepost_core::krr::connect(
                &endpoints,
                KrrAccess {
                    client_id: "korpus".into(),
                    credential,
                    token_url: None,
                    version: KrrVersion::V2,
                },
                &timeouts,
                clock,
            )
            .map_err(|e| e.to_string())?;
            if kind == "maskinporten" {
                return tokens.token().await.map(|_| ()).map_err(|e| e.to_string());
            }
            let fnr = kommunepost_core::ident::Fnr::parse("20914695016").unwrap();
            krr.lookup_chunk(&[fnr])
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        _ => {
            let svarut = kommunepost_core::svarut::connect(
                &endpoints.svarut,
                &endpoints.maskinporten,
                None,
                "korpus",
                credential,
                kommunepost_core::svarut::SvarUtAccount {
                    konto_id: "11111111-1111-1111-1111-111111111111".into(),
                    integrasjon_id: "22222222-2222-2222-2222-222222222222".into(),
                    integrasjon_passord: kommunepost_core::secret::Secret::new("pw".into()),
                },
                &timeouts,
                clock,
            )
            .map_err(|e| e.to_string())?;
            svarut
                .statuses(&["11111111-1111-1111-1111-111111111111".to_owned()])
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }
}

/// A loopback server: the token endpoint answers with a good token (unless the case is
/// Maskinporten's own), every other path with the case's answer.
async fn serve(kind: &'static str, status: u16, body: Vec<u8>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 8192];
                // The head, then as much of the body as Content-Length says.
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let head = String::from_utf8_lossy(&request);
                let token = head.starts_with("POST /token");
                let (status, answer): (u16, Vec<u8>) = if token && kind != "maskinporten" {
                    (
                        200,
                        br#"{"access_token":"eyJ.x.y","token_type":"Bearer","expires_in":120,"scope":"s"}"#
                            .to_vec(),
                    )
                } else {
                    (status, body.to_vec())
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    answer.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}
