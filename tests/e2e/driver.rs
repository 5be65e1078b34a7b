//! Starts tauri-driver (which starts WebKitWebDriver, which starts the app) on free ports.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

/// A running tauri-driver; stopped with SIGTERM so it can stop WebKitWebDriver and the app.
pub struct TauriDriver {
    child: Child,
    port: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TauriDriver {
    /// Starts tauri-driver with the app's data directory set to `data_dir`.
    pub async fn start(data_dir: &Path) -> Self {
        let program = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        let (port, native_port) = (free_port(), free_port());
        let child = Command::new(&program)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("KOMMUNEPOST_DATA_DIR", data_dir)
            .env("KOMMUNEPOST_LOG", "info")
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {program}: {e}. Install it with `cargo install tauri-driver --version 2.1.0 --locked` \
                     and run this test under Xvfb (see the README's test command)"
                )
            });
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, port }
    }

    /// A WebDriver session that runs `application`.
    pub async fn session(&self, application: &str) -> Client {
        self.session_with_args(application, &[]).await
    }

    /// A WebDriver session that runs `application` with `args`.
    pub async fn session_with_args(&self, application: &str, args: &[&str]) -> Client {
        let capabilities = json!({
            "browserName": "wry",
            "tauri:options": { "application": application, "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        // tauri-driver can drop the very first request while WebKitWebDriver is still
        // starting (seen once on a cold machine): try a few times before giving up.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await
            {
                Ok(client) => return client,
                Err(e) if attempt < 3 => {
                    eprintln!("WebDriver session attempt {attempt} failed ({e}); retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => panic!("a WebDriver session with the app: {e}"),
            }
        }
    }

    /// tauri-driver's process id (WebKitWebDriver and the app run below it).
    #[allow(dead_code)] // used by the start-up bench, which shares this file
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops tauri-driver.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
        }
    }
}
