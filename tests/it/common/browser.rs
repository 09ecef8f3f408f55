//! Headless Chromium driven over WebDriver (Debian's chromium and
//! chromium-driver, installed by tests/setup.sh).

use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::process::{Child, Command};

use super::EXPECT_WITHIN;

/// A chromedriver process, killed on drop.
pub struct Driver {
    child: Child,
    pub port: u16,
    /// Profile folders of the browsers started, removed on drop.
    profiles: std::sync::Mutex<Vec<std::path::PathBuf>>,
}

impl Driver {
    pub async fn start() -> Driver {
        let port = super::replicas::free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver is installed (tests/run.sh installs it)");
        let deadline = Instant::now() + EXPECT_WITHIN;
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Driver {
            child,
            port,
            profiles: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// A new headless browser with its own profile (its own sessionStorage).
    pub async fn browser(&self) -> Client {
        self.browser_in(None).await
    }

    /// A browser whose language (`navigator.language`) is `lang`.
    pub async fn browser_speaking(&self, lang: &str) -> Client {
        self.browser_in(Some(lang)).await
    }

    async fn browser_in(&self, lang: Option<&str>) -> Client {
        let profile = std::env::temp_dir().join(format!("chathub-chrome-{}", uuid::Uuid::new_v4()));
        self.profiles.lock().unwrap().push(profile.clone());
        let caps = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let mut caps = caps;
        if let Some(lang) = lang {
            let options = &mut caps["goog:chromeOptions"];
            options["args"]
                .as_array_mut()
                .unwrap()
                .push(json!(format!("--lang={lang}")));
            options["prefs"] = json!({"intl.accept_languages": lang});
        }
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a browser session starts")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Browsers a panicking test never closed outlive chromedriver: find
        // them by their own profile folder, which no other process names.
        for profile in self.profiles.lock().unwrap().drain(..) {
            let _ = std::process::Command::new("pkill")
                .args(["-KILL", "-f", &profile.display().to_string()])
                .status();
            let _ = std::fs::remove_dir_all(&profile);
        }
        let _ = self.child.start_kill();
    }
}

/// Waits until `css` matches an element, and returns it.
pub async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(EXPECT_WITHIN)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css} within the deadline: {e}"))
}

/// Clicks the element matching `css` once it is there and enabled.
pub async fn click(c: &Client, css: &str) {
    let enabled = format!("{css}:not([disabled])");
    wait_for(c, &enabled).await.click().await.expect("click");
}
