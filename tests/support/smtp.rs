//! A real SMTP server on loopback for the tests: tests/smtp/sink.py (Debian's python3-aiosmtpd),
//! started, stopped and started again on the same port, with every mail it accepted read back.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

use super::free_port;

pub struct SmtpSink {
    pub port: u16,
    file: PathBuf,
    /// Extra arguments: TLS (`--starttls CERT KEY`, `--tls CERT KEY`), `--stall-after N` (a
    /// server that accepts N mails, then hangs).
    options: Vec<String>,
    process: Option<Child>,
}

impl SmtpSink {
    /// A sink on a free port, not yet started: the SMTP server is "down".
    pub fn down() -> Self {
        let file = std::env::temp_dir().join(format!("renkei-smtp-{}.jsonl", uuid::Uuid::now_v7()));
        Self { port: free_port(), file, options: Vec::new(), process: None }
    }

    /// A running sink with options (e.g. `--starttls CERT KEY`).
    pub async fn start_with(options: &[&str]) -> Self {
        let mut sink = Self::down();
        sink.options = options.iter().map(|o| (*o).to_owned()).collect();
        sink.up().await;
        sink
    }

    /// A running sink.
    pub async fn start() -> Self {
        let mut sink = Self::down();
        sink.up().await;
        sink
    }

    /// `SMTP_URL` for the service: plain SMTP on loopback.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) on its port.
    pub async fn up(&mut self) {
        assert!(self.process.is_none(), "the sink is already running");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/sink.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.file)
            .args(&self.options)
            .stdout(std::process::Stdio::piped())
            // Its tracebacks (a client refusing its test certificate, on purpose) are noise.
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("python3-aiosmtpd runs (apt-get install python3-aiosmtpd)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
        assert!(matches!(ready, Ok(Ok(Some(ref line))) if line == "ready"), "the SMTP sink did not start: {ready:?}");
        self.process = Some(child);
    }

    /// Stops the server (SIGKILL), as a server that crashed or was switched off.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill().await;
        }
    }

    /// The arguments of its next start (e.g. no `--stall-after` any more).
    pub fn set_options(&mut self, options: &[&str]) {
        self.options = options.iter().map(|o| (*o).to_owned()).collect();
    }

    /// Every mail accepted so far, in order. A line the server is still writing (no line end
    /// yet) is not a mail yet: it is read the next time.
    pub fn mails(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.file).unwrap_or_default();
        let complete = &text[..text.rfind('\n').map_or(0, |end| end + 1)];
        complete.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect()
    }

    /// Waits until at least `n` mails arrived (at most 30 s), and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let mails = self.mails();
            if mails.len() >= n || tokio::time::Instant::now() > deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(child) = self.process.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_file(&self.file);
    }
}

/// A test certificate authority and a certificate it signed for `localhost`, made with the
/// openssl command in a temporary folder (removed on drop).
pub struct TestCertificates {
    pub dir: PathBuf,
}

impl TestCertificates {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("renkei-tls-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("leaf.ext"),
            "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n",
        )
        .unwrap();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        let steps: [&[&str]; 3] = [
            &[
                &["req", "-x509"],
                &ec[..],
                &[
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.pem",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=Renkei Test CA",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign",
                ],
            ]
            .concat(),
            &[&["req"], &ec[..], &["-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"]].concat(),
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "leaf.pem",
                "-days",
                "2",
                "-extfile",
                "leaf.ext",
            ],
        ];
        for args in steps {
            let done =
                std::process::Command::new("openssl").args(args).current_dir(&dir).output().expect("openssl runs");
            assert!(done.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&done.stderr));
        }
        Self { dir }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for TestCertificates {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
