//! Helpers for the end-to-end tests in `tests/e2e.rs`: the environment `scripts/test` sets up,
//! the app's `config.json` (one build, several deployments of the local stack), one fresh
//! Chromium per browser (closed whatever happens, with a screenshot and the page's text on
//! failure), waits, sign-in at the local IdP, and Chrome DevTools commands.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T = ()> = std::result::Result<T, Error>;

/// How long one thing may take to show up (a cold start of the release build included).
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// How long a whole test may take.
const TEST_TIMEOUT: Duration = Duration::from_secs(240);
const POLL: Duration = Duration::from_millis(100);

const RUN_SCRIPTS_TEST: &str = "run the end-to-end tests with scripts/test: it builds the app, \
    starts the local stack, the app server and chromedriver, and sets PAIL_E2E_APP, \
    PAIL_E2E_WEBDRIVER, PAIL_E2E_STACK_ENV, PAIL_E2E_DIST and PAIL_E2E_ARTIFACTS";

const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// Records script errors and Content-Security-Policy violations into `window.__pailErrors`, kept across page loads in the origin's
/// `sessionStorage` (so the app's errors and the IdP's never mix, and a redirect loses none).
const ERROR_RECORDER: &str = r#"(() => {
  const KEY = '__pailErrors';
  let kept = [];
  try { kept = JSON.parse(sessionStorage.getItem(KEY) || '[]'); } catch (_) {}
  window.__pailErrors = kept;
  const record = (kind, detail) => {
    window.__pailErrors.push(kind + ': ' + detail);
    try { sessionStorage.setItem(KEY, JSON.stringify(window.__pailErrors)); } catch (_) {}
  };
  const show = (v) => {
    if (v instanceof Error) return v.stack || String(v);
    if (typeof v === 'string') return v;
    try { return JSON.stringify(v); } catch (_) { return String(v); }
  };
  window.addEventListener('error', (e) =>
    record('error', (e.message || '') + ' at ' + (e.filename || '?') + ':' + (e.lineno || 0) +
      (e.error ? '\n' + show(e.error) : '')));
  window.addEventListener('unhandledrejection', (e) => record('unhandledrejection', show(e.reason)));
  // Anything the page's Content-Security-Policy blocked.
  document.addEventListener('securitypolicyviolation', (e) =>
    record('csp', e.effectiveDirective + ' blocked ' + (e.blockedURI || '?') + ' at ' + (e.sourceFile || '?')));
  const consoleError = console.error;
  console.error = function (...args) {
    record('console.error', args.map(show).join(' '));
    return consoleError.apply(this, args);
  };
})();"#;

/// What `scripts/test` provides. Missing settings fail the test: it never passes by skipping.
#[derive(Debug)]
pub struct Env {
    /// The app's origin, e.g. `http://127.0.0.1:19003` (no trailing slash).
    pub app: String,
    pub webdriver: String,
    /// The IdP's issuer (from the stack's `stack.env`), e.g. `http://127.0.0.1:19002`.
    pub issuer: String,
    /// The S3 endpoint's `host:port` (from `stack.env`), for the stack's test knobs.
    pub s3: String,
    /// Where `stack.env` is (the stack's `PAIL_STACK_DIR`).
    pub stack_dir: PathBuf,
    pub artifacts: PathBuf,
    /// The served build: `config.json` is written here.
    pub dist: PathBuf,
    /// Every `KEY=value` of the stack's `stack.env`.
    stack: HashMap<String, String>,
}

impl Env {
    fn load() -> Self {
        const VARS: [&str; 5] = [
            "PAIL_E2E_APP",
            "PAIL_E2E_WEBDRIVER",
            "PAIL_E2E_STACK_ENV",
            "PAIL_E2E_DIST",
            "PAIL_E2E_ARTIFACTS",
        ];
        let missing: Vec<&str> = VARS
            .into_iter()
            .filter(|name| std::env::var(name).map_or(true, |v| v.trim().is_empty()))
            .collect();
        assert!(
            missing.is_empty(),
            "{} not set: {RUN_SCRIPTS_TEST}",
            missing.join(", ")
        );
        let var = |name: &str| std::env::var(name).unwrap_or_default().trim().to_owned();
        let stack_env = var("PAIL_E2E_STACK_ENV");
        let settings = std::fs::read_to_string(&stack_env).unwrap_or_else(|e| {
            panic!("cannot read PAIL_E2E_STACK_ENV={stack_env} ({e}): {RUN_SCRIPTS_TEST}")
        });
        let stack: HashMap<String, String> = settings
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let issuer = stack
            .get("IDP_ISSUER")
            .unwrap_or_else(|| panic!("{stack_env} has no IDP_ISSUER line: {RUN_SCRIPTS_TEST}"))
            .trim_end_matches('/')
            .to_owned();
        let s3 = settings
            .lines()
            .find_map(|l| l.strip_prefix("S3_ENDPOINT="))
            .unwrap_or_else(|| panic!("{stack_env} has no S3_ENDPOINT line: {RUN_SCRIPTS_TEST}"))
            .trim()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let stack_dir = PathBuf::from(&stack_env)
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        let artifacts = PathBuf::from(var("PAIL_E2E_ARTIFACTS"));
        std::fs::create_dir_all(&artifacts)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", artifacts.display()));
        let dist = PathBuf::from(var("PAIL_E2E_DIST"));
        assert!(
            dist.join("index.html").is_file(),
            "PAIL_E2E_DIST={} holds no built app: {RUN_SCRIPTS_TEST}",
            dist.display()
        );
        Self {
            app: var("PAIL_E2E_APP").trim_end_matches('/').to_owned(),
            webdriver: var("PAIL_E2E_WEBDRIVER"),
            issuer,
            s3,
            stack_dir,
            artifacts,
            dist,
            stack,
        }
    }

    /// A value from `rgw.env`, which `stack/rgw/up` writes beside `stack.env` (Ceph RGW, the
    /// second store); a missing one fails the test with the reason.
    pub fn rgw(&self, key: &str) -> String {
        let path = self.stack_dir.join("rgw.env");
        let settings = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {} ({e}): start Ceph RGW as scripts/test does ({RUN_SCRIPTS_TEST})",
                path.display()
            )
        });
        settings
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("{} has no {key}", path.display()))
    }

    /// What `user` has at `key` in Ceph RGW, read through RGW's S3 with the user's own role
    /// (stack/rgw/peek.py): size, sha256, type, metadata, Cache-Control.
    pub fn peek_rgw(&self, user: &str, key: &str) -> Result<Value> {
        self.python(&["stack/rgw/peek.py", "object", user, key])
    }

    /// A value from the stack's `stack.env`; a missing one fails the test with the reason.
    pub fn stack(&self, key: &str) -> String {
        self.stack.get(key).cloned().unwrap_or_else(|| {
            panic!("the stack's stack.env has no {key}: start it as scripts/test does ({RUN_SCRIPTS_TEST})")
        })
    }
}

/// A deployment of the app: the settings its `config.json` holds.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub settings: serde_json::Map<String, Value>,
}

impl Deployment {
    /// The stack's main setup: IdP 1 with client pail-local, role pail-web-user, bucket
    /// pail-demo, homes under `users/`.
    pub fn main(env: &Env) -> Self {
        Self::new(env, &env.stack("IDP_ISSUER"), &env.stack("IDP_CLIENT_ID"))
            .with("role_arn", &env.stack("PAIL_ROLE_ARN"))
            .with("s3_bucket", &env.stack("PAIL_BUCKET"))
            .with("prefix_template", &env.stack("PAIL_PREFIX"))
    }

    /// The stack's second setup: IdP 2 with client pail-second, its own role and bucket,
    /// homes under `home/`.
    pub fn second(env: &Env) -> Self {
        Self::new(env, &env.stack("IDP2_ISSUER"), &env.stack("IDP2_CLIENT_ID"))
            .with("role_arn", &env.stack("PAIL_ROLE2_ARN"))
            .with("s3_bucket", &env.stack("PAIL_BUCKET2"))
            .with("prefix_template", &env.stack("PAIL_PREFIX2"))
    }

    /// Ceph RGW (`stack/rgw/`): the same IdP and client, RGW's own STS (through the CORS front
    /// it needs) and S3, and one role per user, as RGW cannot confine users with
    /// `${issuer:sub}` (`arn:aws:iam:::role/pail-{sub}`).
    pub fn rgw(env: &Env) -> Self {
        Self::new(env, &env.stack("IDP_ISSUER"), &env.stack("IDP_CLIENT_ID"))
            .with("role_arn", &env.rgw("RGW_ROLE_ARN_PATTERN"))
            .with("s3_bucket", &env.rgw("RGW_BUCKET"))
            .with("prefix_template", &env.rgw("RGW_PREFIX"))
            .with("sts_endpoint", &env.rgw("RGW_STS_ENDPOINT"))
            .with("s3_endpoint", &env.rgw("RGW_ENDPOINT"))
    }

    fn new(env: &Env, issuer: &str, client: &str) -> Self {
        let settings = json!({
            "_comment": "written by the end-to-end tests",
            "oidc_issuer": issuer,
            "oidc_client_id": client,
            "aws_region": "us-east-1",
            "session_duration_seconds": 900,
            "sts_endpoint": env.stack("STS_ENDPOINT"),
            "s3_endpoint": env.stack("S3_ENDPOINT"),
            "s3_force_path_style": true,
            "metadata_keys": ["description"],
        });
        let Value::Object(settings) = settings else {
            unreachable!("a JSON object literal")
        };
        Self { settings }
    }

    /// The same with one setting changed (`config.json` names, e.g. `s3_bucket`).
    #[must_use]
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.settings.insert(name.to_owned(), json!(value));
        self
    }

    /// Serves this deployment: replaces `config.json` beside the build's `index.html`.
    pub fn deploy(&self, env: &Env) -> Result {
        let target = env.dist.join("config.json");
        let staged = env.dist.join(".config.json.new");
        std::fs::write(&staged, serde_json::to_vec_pretty(&self.settings)?)?;
        std::fs::rename(&staged, &target)?;
        Ok(())
    }
}

/// Runs one test: `body` opens browsers through [`Sessions`]. Every browser is closed however
/// the body ends (error, panic, timeout); on failure each one's screenshot and page text are
/// saved to `PAIL_E2E_ARTIFACTS` first, and the test fails with the reason.
pub async fn run<F, Fut>(test: &str, body: F)
where
    F: FnOnce(Sessions) -> Fut,
    Fut: Future<Output = Result> + Send + 'static,
{
    let sessions = Sessions {
        env: Arc::new(Env::load()),
        open: Arc::default(),
    };
    // Every test starts on the main setup, whatever the one before left behind.
    if let Err(e) = Deployment::main(&sessions.env).deploy(&sessions.env) {
        panic!("{test}: cannot write config.json: {e}");
    }
    let outcome = tokio::spawn(tokio::time::timeout(TEST_TIMEOUT, body(sessions.clone()))).await;
    let failure = match outcome {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(e))) => Some(e.to_string()),
        Ok(Err(_)) => Some(format!("the test did not finish within {TEST_TIMEOUT:?}")),
        Err(e) if e.is_panic() => Some(panic_message(e.into_panic())),
        Err(e) => Some(e.to_string()),
    };
    let open = std::mem::take(&mut *sessions.open.lock().unwrap_or_else(PoisonError::into_inner));
    let mut report = String::new();
    for browser in open {
        if failure.is_some() {
            report.push_str(&browser.save_failure_artifacts(test).await);
        }
        if let Err(e) = browser.client.close().await {
            eprintln!("{test}: closing the {} browser failed: {e}", browser.label);
        }
    }
    if let Some(failure) = failure {
        panic!("{test} failed: {failure}{report}");
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map_or_else(|| "panicked".to_owned(), |s| (*s).to_owned()),
    }
}

/// Opens browsers for one test and remembers them so that [`run`] can close them.
#[derive(Clone)]
pub struct Sessions {
    pub env: Arc<Env>,
    open: Arc<Mutex<Vec<Browser>>>,
}

impl Sessions {
    /// A new Chromium with a fresh profile (no cookies, no storage), with the script-error
    /// recorder installed. `label` names it in artifacts, e.g. `alice`.
    pub async fn open(&self, label: &str) -> Result<Browser> {
        self.open_with(label, json!({})).await
    }

    /// A new Chromium (as [`Sessions::open`]) that saves downloads into a fresh directory,
    /// without asking — several per page too —, and that directory.
    pub async fn open_downloading(&self, label: &str) -> Result<(Browser, PathBuf)> {
        let dir = self
            .env
            .artifacts
            .join(format!("downloads-{label}-{}", self.stamp()));
        std::fs::create_dir_all(&dir)?;
        let prefs = json!({
            "download.default_directory": dir,
            "download.prompt_for_download": false,
            // "Download multiple files": what a user answers "Allow" to.
            "profile.default_content_setting_values.automatic_downloads": 1,
        });
        let browser = self.open_with(label, prefs).await?;
        browser
            .client
            .issue_cmd(Cdp {
                cmd: "Browser.setDownloadBehavior",
                params: json!({ "behavior": "allow", "downloadPath": dir }),
            })
            .await
            .map_err(|e| format!("CDP Browser.setDownloadBehavior failed: {e}"))?;
        Ok((browser, dir))
    }

    async fn open_with(&self, label: &str, prefs: Value) -> Result<Browser> {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        let mut options = json!({ "binary": "/usr/bin/chromium", "args": CHROMIUM_ARGS });
        if prefs.as_object().is_some_and(|p| !p.is_empty()) {
            options["prefs"] = prefs;
        }
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.env.webdriver)
            .await
            .map_err(|e| {
                format!(
                    "no WebDriver session from {} ({e}); is chromedriver running? {RUN_SCRIPTS_TEST}",
                    self.env.webdriver
                )
            })?;
        let browser = Browser {
            client,
            env: self.env.clone(),
            label: label.to_owned(),
        };
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(browser.clone());
        browser.add_script_on_new_document(ERROR_RECORDER).await?;
        Ok(browser)
    }

    /// Closes a browser before the test ends (e.g. alice's, before bob's opens).
    pub async fn close(&self, browser: Browser) -> Result {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|b| b.label != browser.label);
        browser.client.close().await?;
        Ok(())
    }

    /// Milliseconds since the epoch, to make names unique per run (the stack keeps objects
    /// until it restarts).
    pub fn stamp(&self) -> String {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        ms.to_string()
    }
}

/// A CDP command through chromedriver's passthrough, `POST /session/{id}/goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// One browser window driven through WebDriver.
#[derive(Clone)]
pub struct Browser {
    pub client: Client,
    pub env: Arc<Env>,
    label: String,
}

impl Browser {
    /// Opens `path` (e.g. `/?key=…`) on the app's origin.
    pub async fn goto_app(&self, path: &str) -> Result {
        self.client.goto(&format!("{}{path}", self.env.app)).await?;
        Ok(())
    }

    /// The name the test gave this browser (e.g. the user's).
    pub fn label(&self) -> &str {
        &self.label
    }

    pub async fn url(&self) -> Result<String> {
        Ok(self.client.current_url().await?.to_string())
    }

    /// Runs `source` in every document this browser loads from now on, before the page's own
    /// scripts.
    pub async fn add_script_on_new_document(&self, source: &str) -> Result {
        self.client
            .issue_cmd(Cdp {
                cmd: "Page.addScriptToEvaluateOnNewDocument",
                params: json!({ "source": source }),
            })
            .await
            .map_err(|e| format!("CDP Page.addScriptToEvaluateOnNewDocument failed: {e}"))?;
        Ok(())
    }

    /// A Chrome DevTools command (e.g. `Emulation.setEmulatedMedia`); its result.
    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Result<Value> {
        self.client
            .issue_cmd(Cdp { cmd, params })
            .await
            .map_err(|e| format!("CDP {cmd} failed: {e}").into())
    }

    /// Emulates `prefers-color-scheme: dark` (or light) for the page.
    pub async fn color_scheme(&self, dark: bool) -> Result {
        let value = if dark { "dark" } else { "light" };
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": value }] }),
        )
        .await?;
        Ok(())
    }

    /// Runs axe-core (from the stack's `node_modules`, injected through WebDriver: the page's
    /// Content-Security-Policy does not apply to WebDriver scripts) on the whole page, and returns
    /// each violation as `rule (impact): help — target, target…`. Frames are left out: the only
    /// ones are PDF previews, which the browser's viewer draws.
    pub async fn axe_violations(&self) -> Result<Vec<String>> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../stack/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot read {} ({e}): scripts/install installs axe-core",
                path.display()
            )
        })?;
        let loaded = self
            .execute("return typeof window.axe === 'object';", vec![])
            .await?;
        if loaded != json!(true) {
            self.execute(&format!("{source}\nreturn true;"), vec![])
                .await?;
        }
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { iframes: false, resultTypes: ['violations'] })
                   .then((r) => done(r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.help
                     + ' — ' + v.nodes.map((n) => n.target.join(' ')).join(', '))))
                   .catch((e) => done(['axe failed: ' + e]));",
                vec![],
            )
            .await?;
        Ok(found
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default())
    }

    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        Ok(self.client.execute(script, args).await?)
    }

    /// The bytes of `name` once the browser has saved it into `dir` (no download of `dir` still
    /// in progress), waiting up to [`TIMEOUT`].
    pub async fn downloaded(&self, dir: &std::path::Path, name: &str) -> Result<Vec<u8>> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let names: Vec<String> = std::fs::read_dir(dir)?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect();
            let busy = names.iter().any(|n| n.ends_with(".crdownload"));
            if !busy && names.iter().any(|n| n == name) {
                return Ok(std::fs::read(dir.join(name))?);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{name:?} was not downloaded into {} within {TIMEOUT:?}; there: {names:?}",
                    dir.display()
                )
                .into());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The visible text of the page.
    pub async fn page_text(&self) -> Result<String> {
        let text = self
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// The visible text of every element matching `selector`: CSS, or XPath when it starts
    /// with `/`.
    pub async fn texts(&self, selector: &str) -> Result<Vec<String>> {
        let texts = self
            .execute(
                "const s = arguments[0];
                 let found = [];
                 if (s.startsWith('/')) {
                   const r = document.evaluate(s, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
                   for (let i = 0; i < r.snapshotLength; i++) found.push(r.snapshotItem(i));
                 } else {
                   found = Array.from(document.querySelectorAll(s));
                 }
                 return found.map(e => e.innerText);",
                vec![json!(selector)],
            )
            .await?;
        Ok(texts
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits for an element matching `selector` (CSS, or XPath, see [`Browser::texts`]) whose
    /// visible text satisfies `ok`; returns that text. A page between loads counts as "not yet".
    pub async fn wait_text(
        &self,
        selector: &str,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let start = Instant::now();
        loop {
            let seen = match self.texts(selector).await {
                Ok(texts) => {
                    if let Some(hit) = texts.iter().map(|t| t.trim()).find(|t| ok(t)) {
                        return Ok(hit.to_owned());
                    }
                    format!("{texts:?}")
                }
                Err(e) => format!("an error: {e}"),
            };
            if start.elapsed() > TIMEOUT {
                let url = self.url().await.unwrap_or_default();
                return Err(format!(
                    "waited {TIMEOUT:?} for {selector} {what} (at {url}); it showed {seen}"
                )
                .into());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for `selector` to show exactly `expected`.
    pub async fn wait_text_eq(&self, selector: &str, expected: &str) -> Result<String> {
        self.wait_text(selector, &format!("to read {expected:?}"), |t| {
            t == expected
        })
        .await
    }
    /// Waits for an element; fails after [`TIMEOUT`] naming it.
    pub async fn wait_for(&self, locator: Locator<'_>) -> Result<Element> {
        let what = format!("{locator:?}");
        self.client
            .wait()
            .at_most(TIMEOUT)
            .every(POLL)
            .for_element(locator)
            .await
            .map_err(|e| format!("no element {what} within {TIMEOUT:?}: {e}").into())
    }

    pub async fn wait_css(&self, css: &str) -> Result<Element> {
        self.wait_for(Locator::Css(css)).await
    }

    /// How many elements match `selector` (CSS, or XPath when it starts with `/`) now.
    pub async fn count(&self, selector: &str) -> Result<usize> {
        Ok(self.texts(selector).await?.len())
    }

    /// Waits for a button by its label (`<button>Sign in</button>`).
    pub async fn button(&self, label: &str) -> Result<Element> {
        self.wait_for(Locator::XPath(&format!(
            "//button[normalize-space()={}]",
            xpath_literal(label)
        )))
        .await
    }

    /// Clicks "Sign in" in the app and signs in at the IdP; returns once the app shows `user`
    /// in its header.
    pub async fn sign_in(&self, user: &str) -> Result {
        self.sign_in_at(&self.env.issuer.clone(), user).await
    }

    /// [`Browser::sign_in`] at the IdP `issuer` (the stack has two).
    pub async fn sign_in_at(&self, issuer: &str, user: &str) -> Result {
        self.button("Sign in").await?.click().await?;
        self.log_in_at(issuer, user).await?;
        self.wait_text_eq("[data-testid=user-name]", user).await?;
        Ok(())
    }

    /// "New folder" in the open folder: waits for the app to say it is created and to list it.
    pub async fn new_folder(&self, name: &str) -> Result {
        self.button("New folder").await?.click().await?;
        self.wait_css("input[aria-label='Name of the new folder']")
            .await?
            .send_keys(name)
            .await?;
        self.button("Create").await?.click().await?;
        self.wait_text_eq(".toast-title", &format!("Created folder {name}"))
            .await?;
        self.wait_text("tr.row-folder a", "to list the new folder", |t| t == name)
            .await?;
        Ok(())
    }

    /// Opens the listed folder `name`: waits for the breadcrumbs to name it.
    pub async fn open_folder(&self, name: &str) -> Result {
        self.client
            .find(Locator::XPath(&format!(
                "//tr[contains(@class, 'row-folder')]//a[normalize-space()={}]",
                xpath_literal(name)
            )))
            .await?
            .click()
            .await?;
        self.wait_text_eq("[aria-current=page]", name).await?;
        Ok(())
    }

    /// Writes `files` (name, bytes) to a temporary folder and uploads them into the open
    /// folder through the upload panel; waits until each is listed under `folder` (its key
    /// prefix).
    pub async fn upload_into(&self, folder: &str, files: &[(String, Vec<u8>)]) -> Result {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let dir = std::env::temp_dir().join(format!("pail-e2e-{}-{ms}", self.label()));
        std::fs::create_dir_all(&dir)?;
        let result = async {
            let mut paths = Vec::new();
            for (name, bytes) in files {
                let p = dir.join(name);
                std::fs::write(&p, bytes)?;
                paths.push(p.to_str().ok_or("temp path is not UTF-8")?.to_owned());
            }
            self.wait_css("#file-input")
                .await?
                .send_keys(&paths.join("\n"))
                .await?;
            let label = if files.len() == 1 {
                "Upload".to_owned()
            } else {
                format!("Upload {} files", files.len())
            };
            self.button(&label).await?.click().await?;
            for (name, _) in files {
                self.wait_css(&format!(
                    "a[data-key={}]",
                    css_string(&format!("{folder}{name}"))
                ))
                .await?;
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        }
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    /// Fills the IdP's login form (any password) and submits it.
    pub async fn log_in_at_idp(&self, user: &str) -> Result {
        self.log_in_at(&self.env.issuer.clone(), user).await
    }

    /// [`Browser::log_in_at_idp`] at the IdP `issuer`.
    pub async fn log_in_at(&self, issuer: &str, user: &str) -> Result {
        let login = self.wait_css("input[name=login]").await?;
        let url = self.url().await?;
        if !url.starts_with(issuer) {
            return Err(format!("the login form is at {url}, not at the IdP {issuer}").into());
        }
        login.send_keys(user).await?;
        self.client
            .find(Locator::Css("input[name=password]"))
            .await?
            .send_keys("any password")
            .await?;
        self.client
            .find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Lets the app's origin use the clipboard (the setup doctor's "Copy report").
    pub async fn grant_clipboard(&self) -> Result {
        self.client
            .issue_cmd(Cdp {
                cmd: "Browser.grantPermissions",
                params: json!({
                    "origin": self.env.app,
                    "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
                }),
            })
            .await
            .map_err(|e| format!("CDP Browser.grantPermissions failed: {e}"))?;
        Ok(())
    }

    /// Waits for the setup doctor on the page to finish, then returns its lines by check id
    /// (`discovery`, `sts`, …): the status (`pass`, `fail`, `skipped`) and the line's text.
    pub async fn doctor_lines(&self) -> Result<HashMap<String, DoctorLine>> {
        self.wait_text(
            "[data-testid=doctor-summary]",
            "to say the checks are done",
            |t| t.ends_with("found."),
        )
        .await?;
        let lines = self
            .execute(
                "return Array.from(document.querySelectorAll('[data-testid=doctor] li[data-check]'),
                   li => [li.dataset.check, li.dataset.status, li.innerText]);",
                vec![],
            )
            .await?;
        let mut out = HashMap::new();
        for line in lines.as_array().into_iter().flatten() {
            let field = |i: usize| {
                line.get(i)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            out.insert(
                field(0),
                DoctorLine {
                    status: field(1),
                    text: field(2),
                },
            );
        }
        if out.len() != 10 {
            return Err(format!("the doctor shows {} lines, not 10: {out:?}", out.len()).into());
        }
        Ok(out)
    }

    /// The app origin's recorded script errors, since this browser opened (see
    /// `ERROR_RECORDER`). Only meaningful while the app is the current page.
    pub async fn script_errors(&self) -> Result<Vec<String>> {
        let url = self.url().await?;
        if !url.starts_with(&self.env.app) {
            return Err(format!("script errors are read on the app's origin, not at {url}").into());
        }
        let errors = self
            .execute("return window.__pailErrors || null;", vec![])
            .await?;
        let Some(errors) = errors.as_array() else {
            return Err("the script-error recorder is not installed in this page".into());
        };
        Ok(errors
            .iter()
            .map(|e| e.as_str().unwrap_or_default().to_owned())
            .collect())
    }

    /// Fails if the app has recorded any script error.
    pub async fn assert_no_script_errors(&self) -> Result {
        let errors = self.script_errors().await?;
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("the app reported script errors:\n{}", errors.join("\n")).into())
        }
    }

    /// Saves a PNG of the window to `<artifacts>/<name>`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let path = self.env.artifacts.join(name);
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    /// Screenshot and page text (with the URL and recorded script errors) for a failed test;
    /// returns a line per file for the failure message.
    async fn save_failure_artifacts(&self, test: &str) -> String {
        let stem = format!("{test}-{}", self.label);
        let mut report = String::new();
        match self.screenshot(&format!("{stem}.png")).await {
            Ok(path) => _ = write!(report, "\n  screenshot: {}", path.display()),
            Err(e) => {
                _ = write!(
                    report,
                    "\n  no screenshot of the {} browser: {e}",
                    self.label
                )
            }
        }
        let url = self
            .url()
            .await
            .unwrap_or_else(|e| format!("(unknown: {e})"));
        let text = self
            .page_text()
            .await
            .unwrap_or_else(|e| format!("(unreadable: {e})"));
        let errors = self
            .execute("return window.__pailErrors || [];", vec![])
            .await
            .map_or_else(|e| format!("(unreadable: {e})"), |v| v.to_string());
        let path = self.env.artifacts.join(format!("{stem}.txt"));
        let content = format!("URL: {url}\nScript errors: {errors}\n\n{text}\n");
        match std::fs::write(&path, content) {
            Ok(()) => _ = write!(report, "\n  page text: {}", path.display()),
            Err(e) => _ = write!(report, "\n  could not write {}: {e}", path.display()),
        }
        report
    }
}

/// One line of the setup doctor's report, as shown.
#[derive(Debug, Clone)]
pub struct DoctorLine {
    /// `pass`, `fail` or `skipped`.
    pub status: String,
    /// Everything the line says: title, finding, fix, document.
    pub text: String,
}

impl Env {
    /// Turns a test knob of the local stack (`knob_app` in stack/s3/adapter.py), e.g.
    /// `knob("faults", json!({"key": k, "part": 2}))`.
    pub fn knob(&self, name: &str, params: &Value) -> Result {
        let path = format!("/__pail/{name}");
        json_call(&self.s3, "POST", &path, &params.to_string()).map(drop)
    }

    /// Requests the stack got for `key`, by operation and part number:
    /// `{"UploadPart": {"1": {"received": 1, "stored": 1}}}`.
    pub fn counters(&self, key: &str) -> Result<Value> {
        let path = format!("/__pail/counters?key={}", query_value(key));
        json_call(&self.s3, "GET", &path, "")
    }

    /// What `user` has at `key`, read back through S3 (stack/peek.py): size, sha256, type,
    /// metadata, CRC32 — or `{"error": …}`.
    pub fn peek_object(&self, user: &str, key: &str) -> Result<Value> {
        self.peek(&["object", user, key])
    }

    /// What `user` has at `key` in the stack's versioned bucket (as [`Env::peek_object`]).
    pub fn peek_versioned(&self, user: &str, key: &str) -> Result<Value> {
        self.peek(&["object", user, key, "--versioned"])
    }

    /// The versions of `key` in the versioned bucket, newest first: `[{"version_id", "latest",
    /// "delete_marker", "size", "etag"}]`.
    pub fn versions(&self, user: &str, key: &str) -> Result<Vec<Value>> {
        Ok(self
            .peek(&["versions", user, key, "--versioned"])?
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// Writes `text` to `key` as `user` through S3, behind the app's back (a concurrent
    /// change): `text` is the body and the description.
    pub fn put_elsewhere(&self, user: &str, key: &str, text: &str) -> Result {
        self.peek(&["put", user, key, text]).map(|_| ())
    }

    /// Deletes `key` in the versioned bucket as `user` through S3 (a delete marker).
    pub fn delete_versioned(&self, user: &str, key: &str) -> Result {
        self.peek(&["delete", user, key, "--versioned"]).map(|_| ())
    }

    /// Every key `user` has under `prefix`, through S3 (ListObjectsV2, all pages).
    pub fn keys_under(&self, user: &str, prefix: &str) -> Result<Vec<String>> {
        Ok(self
            .peek(&["keys", user, prefix])?
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// `count` objects `<prefix>file-NNNNNN.txt` written straight into the stack's store
    /// (`seed` in stack/s3/adapter.py): 100,000 in seconds. The app lists them through S3.
    pub fn seed(&self, prefix: &str, count: usize) -> Result {
        self.knob("seed", &json!({ "prefix": prefix, "count": count }))
    }

    /// Removes every object under `prefix` the same way (so that a big seeded folder does not
    /// slow the listings of the tests after it: the stack scans the bucket for each page).
    pub fn unseed(&self, prefix: &str) -> Result {
        self.knob("unseed", &json!({ "prefix": prefix }))
    }

    /// `user`'s unfinished multipart uploads under `prefix`, through S3 (ListMultipartUploads).
    pub fn unfinished_uploads(&self, user: &str, prefix: &str) -> Result<Vec<Value>> {
        Ok(self
            .peek(&["uploads", user, prefix])?
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    fn peek(&self, args: &[&str]) -> Result<Value> {
        let mut all = vec!["stack/peek.py"];
        all.extend_from_slice(args);
        self.python(&all)
    }

    /// Runs a script of the stack's (`args[0]`, from the repository) with its Python and this
    /// stack's settings; its output is one JSON document.
    fn python(&self, args: &[&str]) -> Result<Value> {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let out = std::process::Command::new(repo.join("stack/.venv/bin/python"))
            .arg(repo.join(args[0]))
            .args(&args[1..])
            .env("PAIL_STACK_DIR", &self.stack_dir)
            .output()?;
        if !out.status.success() {
            return Err(
                format!("{args:?} failed: {}", String::from_utf8_lossy(&out.stderr)).into(),
            );
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    }

    /// The fault-injecting proxy in front of S3 (`stack/faultproxy.py`): `proxy("faults",
    /// json!({"kind": "drop", "match": "partNumber=2", "after_bytes": 1 << 20}))`; "fired" is a
    /// GET of what fired, "reset" clears both.
    pub fn proxy(&self, name: &str, params: &Value) -> Result<Value> {
        let endpoint = self.stack("S3_PROXY_ENDPOINT");
        let address = endpoint.trim_start_matches("http://").trim_end_matches('/');
        let method = if name == "fired" { "GET" } else { "POST" };
        json_call(
            address,
            method,
            &format!("/__proxy/{name}"),
            &params.to_string(),
        )
    }

    /// Per-account knobs of the local IdP (stack/idp/server.mjs), e.g.
    /// `idp_account("rena", &json!({"id_token_ttl": 20, "refresh_tokens": false}))`; `{}`
    /// restores the defaults.
    pub fn idp_account(&self, account: &str, knobs: &Value) -> Result {
        let path = format!("/__idp/accounts/{}", query_value(account));
        json_call(self.idp_address(), "POST", &path, &knobs.to_string()).map(drop)
    }

    /// What the local IdP counted for `account`: successful `code` and `refresh` grants, and
    /// `prompt=none` requests with its session (`silent`) and those answered with a code
    /// (`silent_ok`).
    pub fn idp_counters(&self, account: &str) -> Result<Value> {
        let path = format!("/__idp/counters/{}", query_value(account));
        json_call(self.idp_address(), "GET", &path, "")
    }

    /// The IdP's `host:port`.
    fn idp_address(&self) -> &str {
        self.issuer
            .trim_start_matches("http://")
            .trim_end_matches('/')
    }
}

/// A test knob's request (plain TCP: the knobs are on loopback): anything but 200 is an error
/// naming the request; the answer is JSON (an empty one is `null`).
fn json_call(address: &str, method: &str, path: &str, body: &str) -> Result<Value> {
    let (status, answer) = http_to(address, method, path, body)?;
    if status != 200 {
        return Err(format!("{method} {path} {body}: HTTP {status} {answer}").into());
    }
    if answer.trim().is_empty() {
        return Ok(Value::Null);
    }
    Ok(serde_json::from_str(&answer)?)
}

/// A plain GET of `url` (an `http://127.0.0.1:…` address, e.g. a presigned link) with no
/// cookies and no credentials — as anyone holding the link would: status, head, body.
pub fn get_url(url: &str) -> Result<(u16, String, String)> {
    use std::io::{Read, Write};
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not a plain http:// URL: {url}"))?;
    let (address, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n",
        if path.is_empty() { "/" } else { path }
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP answer from {address}: {head:?}"))?;
    Ok((status, head.to_owned(), body.to_owned()))
}

/// One HTTP/1.1 request to `address` (`host:port`, loopback).
fn http_to(address: &str, method: &str, path: &str, body: &str) -> Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address)?;
    // Seeding 100,000 objects (the `seed` knob) takes a few seconds.
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP answer from {address}: {answer:?}"))?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// `s` as an XPath 1.0 string literal (which has no escapes).
pub fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// `s` as a double-quoted CSS string (for attribute selectors).
pub fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\a "),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` percent-encoded for a URL query value (everything but unreserved characters).
pub fn query_value(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            _ = write!(out, "%{b:02X}");
        }
    }
    out
}
