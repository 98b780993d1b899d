//! What a user does with one object or a few, end to end in the release build: metadata edited
//! in the details panel (added, changed, removed; the type kept; a concurrent change refused),
//! versions listed, downloaded and restored in the stack's versioned bucket, and downloads — one
//! from the details, several from the list — checked in the files Chromium saved. What the app
//! did is read back through S3 (`stack/peek.py`), not from the page alone.

use std::path::PathBuf;

use pail_e2e::{Browser, Deployment, Result, Sessions, css_string, run, xpath_literal};
use serde_json::{Value, json};

#[tokio::test]
async fn metadata_edits_round_trip_and_a_concurrent_change_is_refused() {
    run("metadata_edit", |s| async move {
        let mut deployment = Deployment::main(&s.env);
        deployment
            .settings
            .insert("metadata_keys".into(), json!(["description", "project"]));
        deployment.deploy(&s.env)?;
        let mona = s.open("mona").await?;
        mona.goto_app("/").await?;
        mona.sign_in("mona").await?;
        let files = Files::new(&s, &["notes ü"])?;
        let name = files.names[0].clone();
        let key = format!("users/mona/{name}");
        upload(&mona, &files, &[&name], "first description").await?;
        let before = s.env.peek_object("mona", &key)?;
        open_details(&mona, &key).await?;
        // The main bucket keeps no versions: no versions section.
        assert_eq!(mona.count("aside.details .versions-section").await?, 0);

        // Change the description, add a project (non-ASCII both: they travel as encoded words).
        click(&mona, &button_in("aside", "Edit metadata")).await?;
        fill_row(&mona, 0, None, Some("changed — ü")).await?;
        click(&mona, &button_in("aside", "Add entry")).await?;
        fill_row(&mona, 1, Some("project"), Some("Apollo 😀 <b>")).await?;
        click(&mona, &button_in("aside", "Save metadata")).await?;
        mona.wait_text_eq(".toast-title", "Metadata saved").await?;
        // The panel shows the object read again.
        mona.wait_text_eq("aside.details td[data-meta=project]", "Apollo 😀 <b>")
            .await?;
        mona.wait_text_eq("aside.details td[data-meta=description]", "changed — ü")
            .await?;
        let after = s.env.peek_object("mona", &key)?;
        assert_eq!(
            after["metadata_text"],
            json!({"description": "changed — ü", "project": "Apollo 😀 <b>"}),
            "{after}"
        );
        for field in ["content_type", "sha256", "size"] {
            assert_eq!(after[field], before[field], "{field}: {after}");
        }
        assert_eq!(after["content_type"], json!("text/plain"), "{after}");
        assert_ne!(after["etag"], Value::Null);
        // Exactly the system headers the file had: none that the browser adds to a request
        // (fetch's `no-store` adds Cache-Control: no-cache, and S3 stores it from a copy).
        for field in ["cache_control", "content_disposition", "content_encoding"] {
            assert_eq!(after[field], Value::Null, "{field}: {after}");
            assert_eq!(before[field], Value::Null, "{field}: {before}");
        }

        // Remove the description.
        click(&mona, &button_in("aside", "Edit metadata")).await?;
        mona.wait_css("aside.details [data-testid=metadata-row]")
            .await?;
        let removed = mona
            .execute(
                "const rows = [...document.querySelectorAll('aside.details [data-testid=metadata-row]')];
                 const row = rows.find(r => r.querySelector('.metadata-name').value === 'description');
                 if (!row) return false;
                 [...row.querySelectorAll('button')].find(b => b.textContent.trim() === 'Remove').click();
                 return true;",
                vec![],
            )
            .await?;
        assert_eq!(removed, json!(true), "no description row to remove");
        click(&mona, &button_in("aside", "Save metadata")).await?;
        mona.wait_text_eq("aside.details td[data-meta=project]", "Apollo 😀 <b>")
            .await?;
        wait_until(&mona, "the description to be gone", |b| async move {
            Ok(b.count("aside.details td[data-meta=description]").await? == 0)
        })
        .await?;
        let after = s.env.peek_object("mona", &key)?;
        assert_eq!(
            after["metadata_text"],
            json!({"project": "Apollo 😀 <b>"}),
            "{after}"
        );
        assert_eq!(after["content_type"], before["content_type"], "{after}");
        assert_eq!(after["sha256"], before["sha256"], "{after}");

        // Someone else writes the object while the editor is open: the save is refused, with
        // the reason, and their version stays.
        click(&mona, &button_in("aside", "Edit metadata")).await?;
        fill_row(&mona, 0, None, Some("mine")).await?;
        s.env.put_elsewhere("mona", &key, "changed elsewhere")?;
        click(&mona, &button_in("aside", "Save metadata")).await?;
        let refusal = mona
            .wait_text(
                "aside.details .metadata-editor [role=alert]",
                "to explain the refusal",
                |t| t.contains("was changed by someone else"),
            )
            .await?;
        assert!(refusal.contains("Nothing was overwritten"), "{refusal}");
        let after = s.env.peek_object("mona", &key)?;
        assert_eq!(
            after["metadata_text"],
            json!({"description": "changed elsewhere"}),
            "{after}"
        );
        assert_eq!(after["size"], json!("changed elsewhere".len()), "{after}");
        mona.assert_no_script_errors().await
    })
    .await;
}

#[tokio::test]
async fn versions_are_listed_downloaded_and_restored() {
    run("versions", |s| async move {
        Deployment::main(&s.env)
            .with("s3_bucket", &s.env.stack("PAIL_VERSIONED_BUCKET"))
            .with("role_arn", &s.env.stack("PAIL_VERSIONED_ROLE_ARN"))
            .deploy(&s.env)?;
        let (vera, downloads) = s.open_downloading("vera").await?;
        vera.goto_app("/").await?;
        vera.sign_in("vera").await?;
        let files = Files::new(&s, &["plan ü"])?;
        let name = files.names[0].clone();
        let key = format!("users/vera/{name}");
        upload(&vera, &files, &[&name], "first").await?;
        let first_bytes = std::fs::read(files.path(&name))?;
        let first = s.env.peek_versioned("vera", &key)?;
        files.rewrite(&name, "the second version, which is longer\n")?;
        // The name is taken: the app asks, and says a replace can be undone here.
        upload_answering(&vera, &files, &[&name], "second", Some("Replace")).await?;
        let versions = s.env.versions("vera", &key)?;
        assert_eq!(versions.len(), 2, "{versions:?}");
        let (current, older) = (id_of(&versions[0]), id_of(&versions[1]));
        assert_eq!(versions[0]["latest"], json!(true), "{versions:?}");

        open_details(&vera, &key).await?;
        vera.wait_text_eq("aside.details td[data-meta=description]", "second")
            .await?;
        // Both listed, newest first, the current one marked.
        let listed = format!("aside.details ol.versions li[data-version={}]", css_string(&current));
        vera.wait_text(&listed, "to be marked current", |t| t.contains("current"))
            .await?;
        let order = vera
            .execute(
                "return [...document.querySelectorAll('aside.details ol.versions li')].map(li => li.dataset.version);",
                vec![],
            )
            .await?;
        assert_eq!(order, json!([current, older]));

        // The older version downloads as it was, under the file's own name.
        let older_item = format!(
            "//aside//ol[contains(@class, 'versions')]/li[@data-version={}]",
            xpath_literal(&older)
        );
        click(&vera, &format!("{older_item}//button[normalize-space()='Download']")).await?;
        assert_eq!(vera.downloaded(&downloads, &name).await?, first_bytes);
        let got = s.env.counters(&key)?;
        assert_eq!(got["GET"]["0"]["presigned"], json!(1), "{got}");

        // Restore it: it becomes the current version, bytes, type and metadata.
        click(&vera, &format!("{older_item}//button[normalize-space()='Restore']")).await?;
        accept_alert(&vera).await?;
        vera.wait_text(".toast-title", "to confirm the restore", |t| t.starts_with("Restored the version of"))
            .await?;
        vera.wait_text_eq("aside.details td[data-meta=description]", "first")
            .await?;
        let restored = s.env.peek_versioned("vera", &key)?;
        for field in ["sha256", "size", "content_type", "metadata"] {
            assert_eq!(restored[field], first[field], "{field}: {restored}");
        }
        let versions = s.env.versions("vera", &key)?;
        assert_eq!(versions.len(), 3, "{versions:?}");
        assert_eq!(id_of(&versions[0]), restored["version_id"].as_str().unwrap_or_default());
        // The panel lists the new current version too.
        wait_until(&vera, "three versions listed", |b| async move {
            Ok(b.count("aside.details ol.versions li").await? == 3)
        })
        .await?;

        // Deleted elsewhere, then uploaded again: the delete marker is listed as such, between.
        s.env.delete_versioned("vera", &key)?;
        files.rewrite(&name, "the third upload\n")?;
        upload(&vera, &files, &[&name], "again").await?;
        let versions = s.env.versions("vera", &key)?;
        assert_eq!(versions.len(), 5, "{versions:?}");
        assert_eq!(versions[1]["delete_marker"], json!(true), "{versions:?}");
        vera.client.refresh().await?;
        vera.wait_text_eq("aside.details td[data-meta=description]", "again")
            .await?;
        let marker = format!(
            "aside.details ol.versions li[data-version={}]",
            css_string(&id_of(&versions[1]))
        );
        vera.wait_text(&marker, "to be a delete marker", |t| {
            t.contains("deleted (delete marker)") && !t.contains("Download")
        })
        .await?;
        vera.assert_no_script_errors().await
    })
    .await;
}

#[tokio::test]
async fn downloads_of_one_and_of_several_files_are_the_same_bytes() {
    run("downloads", |s| async move {
        let (dana, downloads) = s.open_downloading("dana").await?;
        dana.goto_app("/").await?;
        dana.sign_in("dana").await?;
        let files = Files::new(&s, &["één «1» ü", "two", "three ✓", "four"])?;
        let names: Vec<&str> = files.names.iter().map(String::as_str).collect();
        upload(&dana, &files, &names, "").await?;

        // One, from its details: S3 names it (Content-Disposition), unicode kept.
        let key = format!("users/dana/{}", names[0]);
        open_details(&dana, &key).await?;
        click(&dana, &button_in("aside", "Download")).await?;
        assert_eq!(
            dana.downloaded(&downloads, names[0]).await?,
            std::fs::read(files.path(names[0]))?
        );

        // Several, from the list: one download each, started one after another.
        for name in &names[1..] {
            dana.execute(
                "document.querySelector(arguments[0]).click();",
                vec![json!(format!(
                    "input[aria-label={}]",
                    css_string(&format!("Select {name}"))
                ))],
            )
            .await?;
        }
        click(&dana, "//button[normalize-space()='Download selected (3)']").await?;
        dana.wait_text_eq(".toast-title", "Started 3 downloads")
            .await?;
        for name in &names[1..] {
            assert_eq!(
                dana.downloaded(&downloads, name).await?,
                std::fs::read(files.path(name))?,
                "{name}"
            );
        }
        let saved = std::fs::read_dir(&downloads)?.count();
        assert_eq!(saved, 4, "one file per download, none twice");
        // Each went by presigned link, straight from S3, once: not through the app. The first
        // was opened in the details, whose text preview reads its first 64 KiB itself.
        for (i, name) in names.iter().enumerate() {
            let got = s.env.counters(&format!("users/dana/{name}"))?;
            let previews = u64::from(i == 0);
            assert_eq!(got["GET"]["0"]["presigned"], json!(1), "{name}: {got}");
            assert_eq!(
                got["GET"]["0"]["received"],
                json!(1 + previews),
                "{name}: {got}"
            );
        }
        dana.assert_no_script_errors().await
    })
    .await;
}

#[tokio::test]
async fn several_files_and_a_folder_move_together() {
    run("move_several", |s| async move {
        let milo = s.open("milo").await?;
        milo.goto_app("/").await?;
        milo.sign_in("milo").await?;
        let stamp = s.stamp();
        // A folder of three, written straight into the stack; two files uploaded beside it.
        let folder = format!("box {stamp}");
        s.env.seed(&format!("users/milo/{folder}/"), 3)?;
        let files = Files::new(&s, &["first ü", "second"])?;
        let names: Vec<&str> = files.names.iter().map(String::as_str).collect();
        upload(&milo, &files, &names, "").await?;
        let before = s
            .env
            .peek_object("milo", &format!("users/milo/{}", names[0]))?;

        for name in [names[0], names[1], folder.as_str()] {
            let check = format!(
                "input[aria-label={}]",
                css_string(&format!("Select {name}"))
            );
            milo.wait_css(&check).await?;
            milo.execute(
                "document.querySelector(arguments[0]).click();",
                vec![json!(check)],
            )
            .await?;
        }
        let archive = format!("archive {stamp}");
        click(&milo, "//button[normalize-space()='Move selected (3)']").await?;
        wait_until(&milo, "the destination prompt", |b| async move {
            Ok(b.client.get_alert_text().await.is_ok())
        })
        .await?;
        milo.client.send_alert_text(&format!("/{archive}/")).await?;
        milo.client.accept_alert().await?;
        milo.wait_text_eq(".toast-title", &format!("Moved 5 objects to {archive}/"))
            .await?;

        let mut expected: Vec<String> = vec![
            format!("users/milo/{archive}/{}", names[0]),
            format!("users/milo/{archive}/{}", names[1]),
        ];
        expected.extend((0..3).map(|i| format!("users/milo/{archive}/{folder}/file-{i:06}.txt")));
        expected.sort();
        let mut now = s
            .env
            .keys_under("milo", &format!("users/milo/{archive}/"))?;
        now.sort();
        assert_eq!(now, expected);
        for old in [names[0], names[1]] {
            let gone = s.env.peek_object("milo", &format!("users/milo/{old}"))?;
            assert_eq!(gone["error"], json!("missing"), "{old} is still there");
        }
        assert!(
            s.env
                .keys_under("milo", &format!("users/milo/{folder}/"))?
                .is_empty()
        );
        let after = s
            .env
            .peek_object("milo", &format!("users/milo/{archive}/{}", names[0]))?;
        for field in ["size", "sha256", "content_type", "metadata"] {
            assert_eq!(after[field], before[field], "{field}: {after}");
        }
        milo.assert_no_script_errors().await
    })
    .await;
}

/// Files on disk to upload: names with spaces and non-ASCII, unique per run, known bytes.
struct Files {
    dir: PathBuf,
    names: Vec<String>,
}

impl Files {
    fn new(s: &Sessions, bases: &[&str]) -> Result<Self> {
        let stamp = s.stamp();
        let dir =
            std::env::temp_dir().join(format!("pail-e2e-objects-{stamp}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let names: Vec<String> = bases.iter().map(|b| format!("{b} {stamp}.txt")).collect();
        for name in &names {
            std::fs::write(
                dir.join(name),
                format!("Pail end-to-end test file\n{name}\n"),
            )?;
        }
        Ok(Self { dir, names })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn rewrite(&self, name: &str, body: &str) -> Result {
        Ok(std::fs::write(self.path(name), body)?)
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Chooses `names` at once, types the description, clicks Upload, and waits until each is
/// "Uploaded ✓" (the newest queue entry of each name: a name uploaded before is listed too).
async fn upload(b: &Browser, files: &Files, names: &[&str], description: &str) -> Result {
    upload_answering(b, files, names, description, None).await
}

/// [`upload`], answering the "already in this folder" question with the button `answer`.
async fn upload_answering(
    b: &Browser,
    files: &Files,
    names: &[&str],
    description: &str,
    answer: Option<&str>,
) -> Result {
    let paths: Vec<String> = names
        .iter()
        .map(|n| files.path(n).to_string_lossy().into_owned())
        .collect();
    b.wait_css("#file-input")
        .await?
        .send_keys(&paths.join("\n"))
        .await?;
    let item = |name: &str| {
        format!(
            "//li[contains(@class, 'upload-item')][span[contains(@class, 'upload-name')][.={}]][last()]",
            xpath_literal(name)
        )
    };
    for name in names {
        b.wait_text_eq(
            &format!("{}//*[@data-testid='upload-status']", item(name)),
            "Ready",
        )
        .await?;
    }
    // The description of this batch (the field is empty after each batch).
    b.execute(
        "const input = document.getElementById('upload-description');
         input.value = arguments[0];
         input.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![json!(description)],
    )
    .await?;
    let label = match names.len() {
        1 => "Upload".to_owned(),
        n => format!("Upload {n} files"),
    };
    click(
        b,
        &format!("//button[normalize-space()={}]", xpath_literal(&label)),
    )
    .await?;
    if let Some(answer) = answer {
        b.wait_text(
            "[data-testid=overwrite-dialog] p.muted",
            "the question, saying a replace can be undone",
            |t| t.contains("keeps earlier versions"),
        )
        .await?;
        click(
            b,
            &format!(
                "//dialog[@data-testid='overwrite-dialog']//button[normalize-space()={}]",
                xpath_literal(answer)
            ),
        )
        .await?;
    }
    for name in names {
        let status = format!("{}//*[@data-testid='upload-status']", item(name));
        let outcome = b
            .wait_text(&status, "to finish", |t| t == "Uploaded ✓" || t == "Failed")
            .await?;
        if outcome != "Uploaded ✓" {
            return Err(format!("uploading {name:?} failed").into());
        }
    }
    Ok(())
}

/// Opens `key`'s details from the listing.
async fn open_details(b: &Browser, key: &str) -> Result {
    let link = format!("a[data-key={}]", css_string(key));
    b.wait_css(&link).await?;
    b.execute(
        "document.querySelector(arguments[0]).click();",
        vec![json!(link)],
    )
    .await?;
    b.wait_text_eq("aside.details [data-testid=details-key]", key)
        .await?;
    b.wait_css("aside.details dl.props").await?;
    Ok(())
}

/// The XPath of the button labelled `label` inside the first `scope` element.
fn button_in(scope: &str, label: &str) -> String {
    format!(
        "//{scope}//button[normalize-space()={}]",
        xpath_literal(label)
    )
}

/// Clicks the element at `xpath` once it is there and enabled, in script: a toast may cover
/// it, which a user would move the mouse around but WebDriver calls "click intercepted".
async fn click(b: &Browser, xpath: &str) -> Result {
    let xpath = xpath.to_owned();
    wait_until(b, &format!("{xpath} to be clickable"), move |b| {
        let xpath = xpath.clone();
        async move {
            let clicked = b
                .execute(
                    "const el = document.evaluate(arguments[0], document, null,
                       XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
                     if (!el || el.disabled) return false;
                     // After this script returns: a click that opens confirm() would block it.
                     setTimeout(() => el.click(), 0);
                     return true;",
                    vec![json!(xpath)],
                )
                .await?;
            Ok(clicked == json!(true))
        }
    })
    .await
}

/// Types into row `index` of the open metadata editor, in script (ChromeDriver cannot type
/// characters outside the Basic Multilingual Plane, such as emoji); `None` leaves a field.
async fn fill_row(b: &Browser, index: usize, name: Option<&str>, value: Option<&str>) -> Result {
    let (name, value) = (name.map(str::to_owned), value.map(str::to_owned));
    wait_until(b, &format!("metadata row {index}"), move |b| {
        let (name, value) = (name.clone(), value.clone());
        async move {
            let done = b
                .execute(
                    "const rows = document.querySelectorAll('aside.details [data-testid=metadata-row]');
                     const row = rows[arguments[0]];
                     if (!row) return false;
                     for (const [cls, v] of [['.metadata-name', arguments[1]], ['.metadata-value', arguments[2]]]) {
                       if (v === null) continue;
                       const input = row.querySelector(cls);
                       input.value = v;
                       input.dispatchEvent(new Event('input', { bubbles: true }));
                     }
                     return true;",
                    vec![json!(index), json!(name), json!(value)],
                )
                .await?;
            Ok(done == json!(true))
        }
    })
    .await
}

/// Accepts the confirm() dialog once it is open.
async fn accept_alert(b: &Browser) -> Result {
    wait_until(b, "a confirmation dialog", |b| async move {
        Ok(b.client.accept_alert().await.is_ok())
    })
    .await
}

/// Polls `check` until it holds, for up to the harness's timeout.
async fn wait_until<F, Fut>(b: &Browser, what: &str, check: F) -> Result
where
    F: Fn(Browser) -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let start = std::time::Instant::now();
    loop {
        if check(b.clone()).await? {
            return Ok(());
        }
        if start.elapsed() > pail_e2e::TIMEOUT {
            return Err(format!("waited {:?} for {what}", pail_e2e::TIMEOUT).into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn id_of(version: &Value) -> String {
    version["version_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
