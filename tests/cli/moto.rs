//! moto's server mode, the stand-in for SQS and DynamoDB: started once per test run on a free
//! loopback port, with its SQS queue operations made atomic, and killed with the test process.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static ENDPOINT: OnceLock<String> = OnceLock::new();

/// The endpoint URL of the shared moto server, starting it on first use.
pub(crate) fn endpoint() -> &'static str {
    ENDPOINT.get_or_init(start)
}

fn log_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("pageviews-moto-{}.log", std::process::id()))
}

/// Ready means answering HTTP, not just accepting connections.
fn answers_http(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reply = [0u8; 12];
    stream.write_all(b"GET /moto-api/ HTTP/1.0\r\n\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && reply.starts_with(b"HTTP/")
}

/// moto_patch/sitecustomize.py first: it makes moto's SQS receives and deletes atomic, as
/// SQS's are (it says what goes wrong without it).
fn python_path() -> std::ffi::OsString {
    let patch = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/moto_patch");
    let mut paths = vec![patch];
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).expect("PYTHONPATH entries without the separator")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("bound").port()
}

fn start() -> String {
    let port = free_port();
    let (started, spawned) = mpsc::channel();
    // The server is owned by a thread that lives as long as the test process: the kernel kills
    // the server when that thread, and so the process, is gone (PR_SET_PDEATHSIG).
    std::thread::spawn(move || {
        let mut command = Command::new("moto_server");
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("PYTHONPATH", python_path())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(log_path())
                    .map(Stdio::from)
                    .unwrap_or(Stdio::null()),
            );
        // SAFETY: prctl is async-signal-safe and only touches the child being started.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        match command.spawn() {
            Ok(mut child) => {
                let _ = started.send(Ok(()));
                let _ = child.wait();
            }
            Err(err) => {
                let _ = started.send(Err(err));
            }
        }
    });
    if let Err(err) = spawned.recv().expect("the moto thread answers") {
        panic!(
            "cannot start moto_server ({err}): install it with `pip install 'moto[server]==5.2.1'` \
             (scripts/test.sh does)"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while !answers_http(port) {
        assert!(
            Instant::now() < deadline,
            "moto_server did not answer on port {port} within 60 s (see {})",
            log_path().display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    format!("http://127.0.0.1:{port}")
}
