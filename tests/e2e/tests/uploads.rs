//! Uploads in the release build, headless Chromium against the local stack: a file in several
//! parts read back byte for byte, cancel, resume after a reload, a part that fails once, a
//! bucket that hides ETag, a folder. What S3 holds is checked through S3 itself
//! (`stack/peek.py`), and what reached it through the stack's counters (`Env::counters`).
//!
//! Each test uses a user of its own, so unfinished uploads and knobs never cross tests.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pail_e2e::{Browser, Deployment, Result, Sessions, css_string, run, xpath_literal};
use serde_json::{Value, json};

const MIB: usize = 1024 * 1024;
/// The app's part size (`DEFAULT_PART_SIZE`): files here are a few parts of it.
const PART: usize = 16 * MIB;

/// A file on disk with known bytes, removed when dropped.
struct BigFile {
    dir: PathBuf,
    path: PathBuf,
    name: String,
    bytes: Vec<u8>,
}

impl BigFile {
    fn new(s: &Sessions, base: &str, len: usize) -> Result<Self> {
        let stamp = s.stamp();
        let dir = std::env::temp_dir().join(format!("pail-e2e-up-{stamp}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let name = format!("{base} {stamp}.bin");
        let mut x = 0x9e37_79b9u32 ^ len as u32;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x.to_le_bytes()[1]
            })
            .collect();
        let path = dir.join(&name);
        std::fs::write(&path, &bytes)?;
        Ok(Self {
            dir,
            path,
            name,
            bytes,
        })
    }

    fn path(&self) -> Result<&str> {
        Ok(self.path.to_str().ok_or("temp path is not UTF-8")?)
    }

    fn sha256(&self) -> String {
        sha256_hex(&self.bytes)
    }
}

impl Drop for BigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// SHA-256, so that the read-back comparison does not depend on the code under test.
fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in message.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

/// The queue row of a file, by the name it was offered under.
fn row(name: &str) -> String {
    format!(
        "//li[contains(@class, 'upload-item')][span[contains(@class, 'upload-name')][.={}]]",
        xpath_literal(name)
    )
}

fn status_of(name: &str) -> String {
    format!("{}//*[@data-testid='upload-status']", row(name))
}

/// Offers a file through the picker and waits for its row.
async fn offer(b: &Browser, path: &str, name: &str) -> Result {
    b.wait_css("#file-input").await?.send_keys(path).await?;
    b.wait_text(&row(name), "to be queued", |_| true).await?;
    Ok(())
}

async fn set_parts_at_once(b: &Browser, n: usize) -> Result {
    b.execute(
        "const s = document.getElementById('upload-parts');
         s.value = String(arguments[0]);
         s.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![json!(n)],
    )
    .await?;
    Ok(())
}

/// Waits for the upload of `name` to end; returns the status text ("Uploaded ✓", "Failed", …).
async fn finished(b: &Browser, name: &str, within: Duration) -> Result<String> {
    let start = Instant::now();
    loop {
        let texts = b.texts(&status_of(name)).await?;
        if let Some(t) = texts.first().map(|t| t.trim().to_owned())
            && matches!(t.as_str(), "Uploaded ✓" | "Failed" | "Cancelled")
        {
            return Ok(t);
        }
        if start.elapsed() > within {
            return Err(format!("{name} did not finish within {within:?}: {texts:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn expect_uploaded(b: &Browser, name: &str, within: Duration) -> Result {
    let outcome = finished(b, name, within).await?;
    if outcome != "Uploaded ✓" {
        let why = b.texts(&format!("{}//*[@role='alert']", row(name))).await?;
        return Err(format!("uploading {name} ended {outcome:?}: {why:?}").into());
    }
    Ok(())
}

/// Part numbers with how many UploadParts reached the stack and how many were stored.
fn parts(counters: &Value) -> Vec<(u32, u64, u64)> {
    let mut out: Vec<(u32, u64, u64)> = counters["UploadPart"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(n, c)| {
                    (
                        n.parse().unwrap_or(0),
                        c["received"].as_u64().unwrap_or(0),
                        c["stored"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_unstable();
    out
}

/// The object at `key` holds exactly `file`'s bytes, and no system header the user did not
/// give (the upload panel sets none; a browser's own `Cache-Control` must not be stored).
fn expect_read_back(b: &Browser, user: &str, key: &str, file: &BigFile) -> Result<Value> {
    let object = b.env.peek_object(user, key)?;
    assert_eq!(object["size"], json!(file.bytes.len()), "{object}");
    assert_eq!(
        object["sha256"],
        json!(file.sha256()),
        "bytes differ: {object}"
    );
    for field in [
        "cache_control",
        "content_disposition",
        "content_encoding",
        "content_language",
    ] {
        assert_eq!(object[field], Value::Null, "{field}: {object}");
    }
    Ok(object)
}

#[tokio::test]
async fn a_large_file_goes_up_in_parts_and_reads_back_byte_for_byte() {
    run("a_large_file_goes_up_in_parts", |s| async move {
        let user = "ulla";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let file = BigFile::new(&s, "video ü", 2 * PART + 5 * MIB)?;
        let key = format!("users/{user}/{}", file.name);
        // Slow enough to watch: one part at a time, each held a second.
        b.env
            .knob("delays", &json!({"prefix": key, "seconds": 1}))?;
        set_parts_at_once(&b, 1).await?;
        offer(&b, file.path()?, &file.name).await?;
        b.wait_css("#upload-description")
            .await?
            .send_keys("holiday — ünï")
            .await?;
        b.wait_css("#upload-content-type")
            .await?
            .send_keys("video/mp4")
            .await?;
        b.button("Upload").await?.click().await?;

        // Progress as the user sees it: percent, bytes of total, rate, time left.
        let progress = b
            .wait_text(&status_of(&file.name), "to show progress", |t| {
                t.contains("% · ") && t.contains(" of ") && t.contains("/s") && t.contains("left")
            })
            .await?;
        assert!(progress.contains("37 MB"), "{progress}");
        b.wait_text("[data-testid=upload-overall]", "to sum up", |t| {
            t.contains("of 1 files")
        })
        .await?;
        expect_uploaded(&b, &file.name, Duration::from_secs(60)).await?;

        assert_eq!(
            parts(&b.env.counters(&key)?),
            [(1, 1, 1), (2, 1, 1), (3, 1, 1)],
            "three parts, each sent once"
        );
        let object = expect_read_back(&b, user, &key, &file)?;
        assert_eq!(object["content_type"], json!("video/mp4"));
        assert_eq!(
            object["metadata"]["description"],
            json!("=?UTF-8?B?aG9saWRheSDigJQgw7xuw68=?=")
        );
        assert_eq!(object["checksum_type"], json!("FULL_OBJECT"), "{object}");
        assert!(
            b.env
                .unfinished_uploads(user, &format!("users/{user}/"))?
                .is_empty()
        );
        b.wait_css(&format!("a[data-key={}]", css_string(&key)))
            .await?;
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn cancel_leaves_no_multipart_upload_behind() {
    run("cancel_leaves_nothing_behind", |s| async move {
        let user = "cato";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let file = BigFile::new(&s, "to cancel", 3 * PART)?;
        let key = format!("users/{user}/{}", file.name);
        b.env
            .knob("delays", &json!({"prefix": key, "seconds": 2}))?;
        offer(&b, file.path()?, &file.name).await?;
        b.button("Upload").await?.click().await?;
        // Under way: the multipart upload exists and parts are on the wire.
        let start = Instant::now();
        while parts(&b.env.counters(&key)?).is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no part was sent"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(b.env.unfinished_uploads(user, &key)?.len(), 1);
        b.client
            .find(fantoccini::Locator::XPath(&format!(
                "{}//button[normalize-space()='Cancel']",
                row(&file.name)
            )))
            .await?
            .click()
            .await?;
        assert_eq!(
            finished(&b, &file.name, Duration::from_secs(30)).await?,
            "Cancelled"
        );

        assert_eq!(
            b.env.unfinished_uploads(user, &format!("users/{user}/"))?,
            Vec::<Value>::new()
        );
        assert_eq!(b.env.peek_object(user, &key)?["error"], json!("missing"));
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_reload_in_the_middle_resumes_without_resending_stored_parts() {
    run("a_reload_resumes", |s| async move {
        let user = "rhea";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let file = BigFile::new(&s, "resume me", 3 * PART + 3 * MIB)?;
        let key = format!("users/{user}/{}", file.name);
        b.env
            .knob("delays", &json!({"prefix": key, "seconds": 1.5}))?;
        set_parts_at_once(&b, 1).await?;
        offer(&b, file.path()?, &file.name).await?;
        b.button("Upload").await?.click().await?;
        let start = Instant::now();
        while parts(&b.env.counters(&key)?)
            .iter()
            .filter(|p| p.2 == 1)
            .count()
            < 2
        {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "two parts were not stored"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        b.client.refresh().await?;
        b.wait_text_eq("[data-testid=user-name]", user).await?;
        // The interrupted upload is listed; offering the same file continues it.
        b.wait_css(&format!(
            "li.unfinished-item[data-key={}]",
            css_string(&key)
        ))
        .await?;
        b.env
            .knob("delays", &json!({"prefix": key, "seconds": 0}))?;
        offer(&b, file.path()?, &file.name).await?;
        b.wait_text(
            &format!("{}//p", row(&file.name)),
            "to say it continues",
            |t| t.starts_with("Continues an unfinished upload"),
        )
        .await?;
        b.button("Upload").await?.click().await?;
        expect_uploaded(&b, &file.name, Duration::from_secs(60)).await?;

        let sent = parts(&b.env.counters(&key)?);
        assert_eq!(sent.len(), 4, "{sent:?}");
        assert!(
            sent.iter().all(|&(_, _, stored)| stored == 1),
            "every part stored exactly once — none sent again after the reload: {sent:?}"
        );
        let reused = b.texts(&format!("{}//p", row(&file.name))).await?;
        assert!(
            reused
                .iter()
                .any(|t| t.contains("stored parts were reused")),
            "{reused:?}"
        );
        expect_read_back(&b, user, &key, &file)?;
        assert!(
            b.env
                .unfinished_uploads(user, &format!("users/{user}/"))?
                .is_empty()
        );
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_part_that_fails_once_is_retried() {
    run("a_part_that_fails_once_is_retried", |s| async move {
        let user = "fenna";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let file = BigFile::new(&s, "flaky", 2 * PART + MIB)?;
        let key = format!("users/{user}/{}", file.name);
        b.env.knob(
            "faults",
            &json!({"key": key, "part": 2, "status": 500, "code": "InternalError"}),
        )?;
        offer(&b, file.path()?, &file.name).await?;
        b.button("Upload").await?.click().await?;
        expect_uploaded(&b, &file.name, Duration::from_secs(60)).await?;

        assert_eq!(
            parts(&b.env.counters(&key)?),
            [(1, 1, 1), (2, 2, 1), (3, 1, 1)],
            "part 2 failed once and was sent again"
        );
        expect_read_back(&b, user, &key, &file)?;
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_bucket_that_hides_etag_gets_the_cors_rule_that_fixes_it() {
    run("hidden_etag", |s| async move {
        let user = "etta";
        let b = s.open(user).await?;
        b.env.knob("cors", &json!({"prefix": format!("users/{user}/"), "expose_etag": false}))?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let file = BigFile::new(&s, "no etag", PART + MIB)?;
        offer(&b, file.path()?, &file.name).await?;
        b.button("Upload").await?.click().await?;
        assert_eq!(finished(&b, &file.name, Duration::from_secs(30)).await?, "Failed");

        let alert = format!("{}//*[@role='alert']", row(&file.name));
        let title = b.wait_text(&format!("{alert}//p[@class='notice-title']"), "the reason", |_| true).await?;
        assert!(title.contains("do not expose the ETag header"), "{title}");
        let rule = b
            .execute(
                "const pre = document.evaluate(arguments[0], document, null, 9, null).singleNodeValue;
                 return pre ? pre.textContent : null;",
                vec![json!(format!("{alert}//pre"))],
            )
            .await?;
        let rule = rule.as_str().unwrap_or_default();
        assert!(rule.contains(r#""ExposeHeaders": ["ETag""#), "{rule}");
        assert!(rule.contains(&format!(r#""AllowedOrigins": ["{}"]"#, b.env.app)), "{rule}");

        // Cancel removes what was stored.
        b.client
            .find(fantoccini::Locator::XPath(&format!(
                "{}//button[normalize-space()='Cancel']",
                row(&file.name)
            )))
            .await?
            .click()
            .await?;
        assert_eq!(finished(&b, &file.name, Duration::from_secs(30)).await?, "Cancelled");
        assert!(b.env.unfinished_uploads(user, &format!("users/{user}/"))?.is_empty());
        b.env.knob("cors", &json!({"prefix": format!("users/{user}/"), "expose_etag": true}))?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_folder_keeps_its_paths_as_key_prefixes() {
    run("a_folder_keeps_its_paths", |s| async move {
        let user = "folke";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let stamp = s.stamp();
        let root = std::env::temp_dir().join(format!("pail-e2e-dir-{stamp}"));
        let album = root.join(format!("album {stamp}"));
        std::fs::create_dir_all(album.join("2024"))?;
        std::fs::write(album.join("a.txt"), b"first")?;
        std::fs::write(album.join("2024").join("b.txt"), b"second")?;
        let result = async {
            b.wait_css("#folder-input")
                .await?
                .send_keys(album.to_str().ok_or("path")?)
                .await?;
            let a = format!("album {stamp}/a.txt");
            let nested = format!("album {stamp}/2024/b.txt");
            b.wait_text(&row(&nested), "to be queued", |_| true).await?;
            b.button("Upload 2 files").await?.click().await?;
            expect_uploaded(&b, &a, Duration::from_secs(30)).await?;
            expect_uploaded(&b, &nested, Duration::from_secs(30)).await?;
            let object = b.env.peek_object(user, &format!("users/{user}/{nested}"))?;
            assert_eq!(object["size"], json!(6), "{object}");
            let folder = format!("album {stamp}");
            b.wait_text("tr.row-folder a", "to list the folder", |t| t == folder)
                .await?;
            b.assert_no_script_errors().await
        }
        .await;
        let _ = std::fs::remove_dir_all(&root);
        result
    })
    .await;
}

#[tokio::test]
async fn names_and_descriptions_with_markup_stay_text() {
    run("markup_stays_text", |s| async move {
        let user = "mallory";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let stamp = s.stamp();
        let dir = std::env::temp_dir().join(format!("pail-e2e-markup-{stamp}"));
        std::fs::create_dir_all(&dir)?;
        // File systems allow all of this in a name (everything but `/` and NUL).
        let name = format!("<img src=x onerror=alert(1)> \u{202e}txt.exe 😀 {stamp}.html");
        let description = "<b onmouseover=alert(2)>bold</b> & \"quoted\"";
        std::fs::write(dir.join(&name), b"<script>alert(3)</script>")?;
        let result = async {
            offer(&b, dir.join(&name).to_str().ok_or("path")?, &name).await?;
            b.wait_css("#upload-description")
                .await?
                .send_keys(description)
                .await?;
            b.button("Upload").await?.click().await?;
            expect_uploaded(&b, &name, Duration::from_secs(30)).await?;
            // Listed under its exact name, as text: no element was made from it.
            b.wait_text("table.file-table tbody tr a", "to list the file", |t| t == name)
                .await?;
            let injected = b
                .execute(
                    "return document.querySelectorAll('img[src=x], [onerror], [onmouseover]').length",
                    vec![],
                )
                .await?;
            assert_eq!(injected, json!(0), "markup from a name or description became elements");
            let object = b.env.peek_object(user, &format!("users/{user}/{name}"))?;
            assert_eq!(object["metadata"]["description"], json!(description), "{object}");
            b.assert_no_script_errors().await
        }
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        result
    })
    .await;
}

#[tokio::test]
async fn a_connection_dropped_mid_part_and_a_lost_answer_to_complete_lose_nothing() {
    run("faults_lose_nothing", |s| async move {
        // The app talks to S3 through the fault-injecting proxy (stack/faultproxy.py).
        Deployment::main(&s.env)
            .with("s3_endpoint", &s.env.stack("S3_PROXY_ENDPOINT"))
            .deploy(&s.env)?;
        s.env.proxy("reset", &json!({}))?;
        let user = "fiona";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let file = BigFile::new(&s, "dropped", 2 * PART + 5 * MIB)?;
        let key = format!("users/{user}/{}", file.name);
        // Part 2's connection is cut after 1 MiB of its body; the answer to
        // CompleteMultipartUpload is lost after S3 has assembled the object.
        s.env.proxy(
            "faults",
            &json!({"kind": "drop", "method": "PUT", "match": "partNumber=2", "after_bytes": MIB}),
        )?;
        s.env.proxy(
            "faults",
            &json!({"kind": "drop_response", "method": "POST", "match": "uploadId="}),
        )?;
        set_parts_at_once(&b, 1).await?;
        offer(&b, file.path()?, &file.name).await?;
        b.button("Upload").await?.click().await?;
        expect_uploaded(&b, &file.name, Duration::from_secs(60)).await?;

        let fired: Vec<String> = s
            .env
            .proxy("fired", &json!({}))?
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["kind"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(fired, ["drop", "drop_response"], "both faults happened");
        let sent = parts(&b.env.counters(&key)?);
        assert_eq!(sent[1].0, 2, "{sent:?}");
        assert_eq!(sent[1].2, 1, "part 2 stored once: {sent:?}");
        expect_read_back(&b, user, &key, &file)?;
        assert_eq!(
            b.env.unfinished_uploads(user, &format!("users/{user}/"))?,
            Vec::<Value>::new(),
            "no multipart upload left behind"
        );
        b.assert_no_script_errors().await
    })
    .await;
}

/// The "already in this folder" question, once it shows: its title.
async fn question(b: &Browser) -> Result<String> {
    b.wait_text(
        "[data-testid=overwrite-dialog] h3",
        "to ask about the taken names",
        |_| true,
    )
    .await
}

/// Answers the question with one of its buttons and waits for it to go.
async fn answer(b: &Browser, choice: &str) -> Result {
    b.client
        .find(fantoccini::Locator::XPath(&format!(
            "//dialog[@data-testid='overwrite-dialog']//button[normalize-space()={}]",
            xpath_literal(choice)
        )))
        .await?
        .click()
        .await?;
    let start = Instant::now();
    while b.count("[data-testid=overwrite-dialog]").await? > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the dialog stayed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// `name` with ` (n)` before its extension: the name "keep both" gives.
fn numbered(name: &str, n: u32) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem} ({n}).{ext}"),
        None => format!("{name} ({n})"),
    }
}

#[tokio::test]
async fn a_taken_name_is_asked_about_once_and_each_answer_does_what_it_says() {
    run("a_taken_name_is_asked_about", |s| async move {
        let user = "olga";
        let home = format!("users/{user}/");
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let report = BigFile::new(&s, "Q4 report", 1000)?;
        let notes = BigFile::new(&s, "notes", 2000)?;
        let fresh = BigFile::new(&s, "fresh", 3000)?;
        let at = |f: &BigFile| format!("{home}{}", f.name);
        // Someone else's files under two of the names, written behind the app's back.
        b.env.put_elsewhere(user, &at(&report), "theirs 1")?;
        b.env.put_elsewhere(user, &at(&notes), "theirs 2")?;
        let theirs = |text: &str| json!(sha256_hex(text.as_bytes()));

        // One question for the batch; "Keep both" numbers the two, the new file goes as is.
        for f in [&report, &notes, &fresh] {
            offer(&b, f.path()?, &f.name).await?;
        }
        b.button("Upload 3 files").await?.click().await?;
        assert_eq!(question(&b).await?, "2 files are already in this folder");
        let listed = b
            .texts("[data-testid=overwrite-dialog] .overwrite-names li")
            .await?;
        assert_eq!(listed, [report.name.clone(), notes.name.clone()]);
        let note = b.texts("[data-testid=overwrite-dialog] p.muted").await?;
        assert_eq!(
            note,
            ["A replaced file cannot be restored."],
            "not a versioned bucket"
        );
        answer(&b, "Keep both").await?;
        for name in [
            numbered(&report.name, 1),
            numbered(&notes.name, 1),
            fresh.name.clone(),
        ] {
            expect_uploaded(&b, &name, Duration::from_secs(30)).await?;
        }
        expect_read_back(
            &b,
            user,
            &format!("{home}{}", numbered(&report.name, 1)),
            &report,
        )?;
        expect_read_back(
            &b,
            user,
            &format!("{home}{}", numbered(&notes.name, 1)),
            &notes,
        )?;
        expect_read_back(&b, user, &at(&fresh), &fresh)?;
        assert_eq!(
            b.env.peek_object(user, &at(&report))?["sha256"],
            theirs("theirs 1")
        );
        assert_eq!(
            b.env.peek_object(user, &at(&notes))?["sha256"],
            theirs("theirs 2")
        );
        b.button("Clear finished").await?.click().await?;

        // Escape: nothing is sent, the file waits as it was.
        offer(&b, fresh.path()?, &fresh.name).await?;
        b.button("Upload").await?.click().await?;
        assert_eq!(
            question(&b).await?,
            format!("“{}” is already in this folder", fresh.name)
        );
        b.client
            .active_element()
            .await?
            .send_keys("\u{E00C}")
            .await?;
        b.wait_text(&status_of(&fresh.name), "to be ready again", |t| {
            t == "Ready"
        })
        .await?;
        assert_eq!(b.count("[data-testid=overwrite-dialog]").await?, 0);
        b.client
            .find(fantoccini::Locator::XPath(&format!(
                "{}//button[normalize-space()='Remove']",
                row(&fresh.name)
            )))
            .await?
            .click()
            .await?;

        // "Replace": the user's bytes over theirs, at the same name.
        offer(&b, report.path()?, &report.name).await?;
        b.button("Upload").await?.click().await?;
        question(&b).await?;
        answer(&b, "Replace").await?;
        expect_uploaded(&b, &report.name, Duration::from_secs(30)).await?;
        expect_read_back(&b, user, &at(&report), &report)?;
        assert_eq!(
            b.env
                .peek_object(user, &format!("{home}{}", numbered(&report.name, 2)))?["error"],
            json!("missing")
        );
        b.button("Clear finished").await?.click().await?;

        // "Skip": theirs stays, nothing new appears.
        offer(&b, notes.path()?, &notes.name).await?;
        b.button("Upload").await?.click().await?;
        question(&b).await?;
        answer(&b, "Skip").await?;
        b.wait_text(&status_of(&notes.name), "to be skipped", |t| {
            t.starts_with("Skipped")
        })
        .await?;
        assert_eq!(
            b.env.peek_object(user, &at(&notes))?["sha256"],
            theirs("theirs 2")
        );
        assert_eq!(
            b.env
                .peek_object(user, &format!("{home}{}", numbered(&notes.name, 2)))?["error"],
            json!("missing")
        );
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_file_created_while_ours_uploads_is_not_replaced_and_retry_asks() {
    run("a_file_created_meanwhile", |s| async move {
        let user = "rita";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let file = BigFile::new(&s, "race", 4000)?;
        let key = format!("users/{user}/{}", file.name);
        // The app finds the name free, and its PutObject is held at the store...
        b.env.knob(
            "delays",
            &json!({"prefix": key, "operation": "PutObject", "seconds": 3}),
        )?;
        offer(&b, file.path()?, &file.name).await?;
        b.button("Upload").await?.click().await?;
        let start = Instant::now();
        while b.env.counters(&key)?["PutObject"]["0"]["received"]
            .as_u64()
            .unwrap_or(0)
            == 0
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no PutObject arrived: {}",
                b.env.counters(&key)?
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // ...while someone else creates the file (no delay for them).
        b.env.knob("reset", &json!({}))?;
        b.env.put_elsewhere(user, &key, "theirs")?;

        assert_eq!(
            finished(&b, &file.name, Duration::from_secs(30)).await?,
            "Failed"
        );
        let why = b
            .texts(&format!("{}//*[@role='alert']//p", row(&file.name)))
            .await?;
        assert!(
            why.first()
                .is_some_and(|t| t.contains("was created in this folder by someone else")),
            "{why:?}"
        );
        assert_eq!(
            b.env.peek_object(user, &key)?["sha256"],
            json!(sha256_hex(b"theirs")),
            "theirs stays"
        );

        // Retry asks the question again.
        b.client
            .find(fantoccini::Locator::XPath(&format!(
                "{}//button[normalize-space()='Retry']",
                row(&file.name)
            )))
            .await?
            .click()
            .await?;
        question(&b).await?;
        answer(&b, "Keep both").await?;
        let renamed = numbered(&file.name, 1);
        expect_uploaded(&b, &renamed, Duration::from_secs(30)).await?;
        expect_read_back(&b, user, &format!("users/{user}/{renamed}"), &file)?;
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}
