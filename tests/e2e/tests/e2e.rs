//! The release build in headless Chromium, against the local stack: what a user sees when
//! signing in, uploading, reading details, being refused, and signing out. Run by
//! scripts/test (see `pail_e2e::run` for the environment it needs).

use std::path::PathBuf;

use fantoccini::Locator;
use pail_e2e::{
    Browser, Deployment, Result, Sessions, css_string, get_url, query_value, run, xpath_literal,
};
use serde_json::json;

/// Non-ASCII on purpose: S3 metadata travels in HTTP headers, which are ASCII only. (No CJK:
/// the test machine's Chromium has no font for it, and this ends up in the README screenshot.)
const DESCRIPTION: &str = "Quarterly numbers — naïve café in Zürich, 1 234 €";
const REFUSED: &str = "The sign-in was refused because its ID token is not valid.";

#[tokio::test]
async fn alice_uploads_a_file_and_reads_its_details() {
    run(
        "alice_uploads_a_file_and_reads_its_details",
        |s| async move {
            let alice = s.open("alice").await?;
            alice.goto_app("/").await?;
            alice.sign_in("alice").await?;
            let file = TestFile::new(&s, "report ü 2026")?;
            let key = format!("users/alice/{}", file.name);
            upload(&alice, &file, DESCRIPTION).await?;

            let link = alice
                .wait_css(&format!("a[data-key={}]", css_string(&key)))
                .await?;
            assert_eq!(link.text().await?.trim(), file.name, "the listing's name");
            link.click().await?;
            expect_details(&alice, &key, &file, DESCRIPTION).await?;

            // A reload restores the session (prompt=none at the IdP) and the place: `?key=`.
            alice.client.refresh().await?;
            alice
                .wait_text_eq("[data-testid=user-name]", "alice")
                .await?;
            expect_details(&alice, &key, &file, DESCRIPTION).await?;
            let url = alice.client.current_url().await?;
            let shown = url.query_pairs().find(|(k, _)| k == "key").map(|(_, v)| v);
            assert_eq!(shown.as_deref(), Some(key.as_str()), "the key in {url}");

            alice.screenshot("screenshot.png").await?;
            alice.assert_no_script_errors().await?;
            Ok(())
        },
    )
    .await;
}

#[tokio::test]
async fn bob_cannot_reach_alices_files() {
    run("bob_cannot_reach_alices_files", |s| async move {
        let alice = s.open("alice").await?;
        alice.goto_app("/").await?;
        alice.sign_in("alice").await?;
        let alices = TestFile::new(&s, "alice private")?;
        let alice_key = format!("users/alice/{}", alices.name);
        upload(&alice, &alices, "").await?;
        alice
            .wait_css(&format!("a[data-key={}]", css_string(&alice_key)))
            .await?;
        alice.assert_no_script_errors().await?;
        s.close(alice).await?;

        let bob = s.open("bob").await?;
        bob.goto_app("/").await?;
        bob.sign_in("bob").await?;
        let bobs = TestFile::new(&s, "bob notes")?;
        upload(&bob, &bobs, "").await?;
        let bob_key = format!("users/bob/{}", bobs.name);
        bob.wait_css(&format!("a[data-key={}]", css_string(&bob_key)))
            .await?;
        let keys = bob
            .execute(
                "return Array.from(document.querySelectorAll('a[data-key]'), a => a.dataset.key);",
                vec![],
            )
            .await?;
        let keys: Vec<&str> = keys
            .as_array()
            .map(|a| a.iter().filter_map(|k| k.as_str()).collect())
            .unwrap_or_default();
        assert!(
            keys.iter().all(|k| k.starts_with("users/bob/")),
            "bob's listing shows {keys:?}"
        );

        // A link to alice's object: the details panel says access denied, and shows no metadata.
        bob.goto_app(&format!("/?key={}", query_value(&alice_key)))
            .await?;
        bob.wait_text_eq("[data-testid=user-name]", "bob").await?;
        let denied = bob
            .wait_text("aside.details .notice-title", "to say access denied", |t| {
                t.starts_with("Access denied")
            })
            .await?;
        assert!(denied.contains(&alice_key), "{denied:?} names the key");
        assert_eq!(
            bob.count("aside.details dl.props").await?,
            0,
            "metadata shown"
        );

        // alice's folder: the listing says access denied.
        bob.goto_app("/?path=users%2Falice%2F").await?;
        bob.wait_text_eq("[data-testid=user-name]", "bob").await?;
        bob.wait_text(".listing .notice-title", "to say access denied", |t| {
            t.starts_with("Access denied")
        })
        .await?;
        assert_eq!(bob.count("a[data-key]").await?, 0, "files listed");
        bob.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_user_id_that_would_nest_in_another_folder_gets_none_and_is_told_why() {
    run("a_user_id_that_would_nest", |s| async move {
        // The IdP makes the login name the `sub`: `bob/evil` would be at home in
        // users/bob/evil/, inside bob's folder. The stack's STS refuses it too (trust policy,
        // stack/selftest.py); the page refuses before it asks anything.
        let mallory = s.open("mallory").await?;
        mallory.goto_app("/").await?;
        mallory.button("Sign in").await?.click().await?;
        mallory.log_in_at_idp("bob/evil").await?;
        let shown = mallory
            .wait_text(
                "[role=alert] .notice-title, [data-testid=user-name]",
                "to refuse the user id",
                |_| true,
            )
            .await?;
        assert!(
            shown.starts_with("Pail cannot give you a folder of your own")
                && shown.contains("“bob/evil”"),
            "what the app showed: {shown:?}"
        );
        let action = mallory
            .wait_text("[role=alert] p:nth-of-type(2)", "the remedy", |_| true)
            .await?;
        assert!(action.contains("Tell your administrator"), "{action:?}");
        assert_eq!(mallory.count("[data-testid=user-name]").await?, 0);
        assert_eq!(
            mallory.count(".listing, .file-table, #file-input").await?,
            0
        );
        mallory.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_tampered_id_token_is_refused() {
    run("a_tampered_id_token_is_refused", |s| async move {
        let mallory = s.open("mallory").await?;
        mallory
            .add_script_on_new_document(&tamper_script(&mallory.env.issuer))
            .await?;
        mallory.goto_app("/").await?;
        mallory.button("Sign in").await?.click().await?;
        mallory.log_in_at_idp("mallory").await?;

        // Whichever comes first: the refusal or (the failure) mallory's name in the header.
        let shown = mallory
            .wait_text(
                "[role=alert] .notice-title, [data-testid=user-name]",
                "to show the refusal",
                |_| true,
            )
            .await?;
        assert_eq!(shown, REFUSED, "what the app showed instead of the refusal");
        let tampered = mallory
            .execute("return sessionStorage.getItem('__pailTampered');", vec![])
            .await?;
        assert_eq!(
            tampered,
            json!("1"),
            "the token response was not intercepted"
        );
        mallory
            .wait_for(Locator::XPath(
                "//summary[normalize-space()='Technical details']",
            ))
            .await?
            .click()
            .await?;
        let detail = mallory
            .wait_text(
                "[role=alert] details pre",
                "to mention the signature",
                |t| t.contains("signature"),
            )
            .await?;
        assert!(detail.contains("signature does not verify"), "{detail:?}");

        // Signed out: the way back in, and nothing of a signed-in screen.
        mallory.button("Sign in").await?;
        assert_eq!(
            mallory
                .count("//button[normalize-space()='Sign out']")
                .await?,
            0
        );
        assert_eq!(mallory.count("[data-testid=user-name]").await?, 0);
        assert_eq!(
            mallory.count(".listing, .file-table, #file-input").await?,
            0
        );
        mallory.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    run("sign_out_ends_the_session", |s| async move {
        let carol = s.open("carol").await?;
        carol.goto_app("/").await?;
        carol.sign_in("carol").await?;

        carol.button("Sign out").await?.click().await?;
        let confirm = carol.wait_css("button[name=logout][value=yes]").await?;
        let at = carol.url().await?;
        assert!(
            at.starts_with(&carol.env.issuer),
            "logout confirmation at {at}"
        );
        // The ID token went as a form POST, never in a URL (history, the provider's and
        // proxies' logs).
        assert!(!at.contains("id_token_hint") && !at.contains("eyJ"), "{at}");
        let counters = carol.env.idp_counters("carol")?;
        assert_eq!(counters["end_session_post"], 1, "{counters}");
        assert_eq!(counters["end_session_get"], 0, "{counters}");
        assert_eq!(counters["token_in_url"], 0, "{counters}");
        confirm.click().await?;

        carol.button("Sign in").await?;
        assert_eq!(carol.url().await?, format!("{}/", carol.env.app));
        assert_eq!(carol.count("[data-testid=user-name]").await?, 0);

        carol.client.refresh().await?;
        carol.button("Sign in").await?;
        assert_eq!(carol.count("[data-testid=user-name]").await?, 0);
        carol.assert_no_script_errors().await?;

        // The IdP session is over too: signing in asks for the login again.
        carol.button("Sign in").await?.click().await?;
        carol.wait_css("input[name=login]").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_replayed_callback_signs_nobody_in() {
    run("a_replayed_callback_signs_nobody_in", |s| async move {
        let rita = s.open("rita").await?;
        // Keep the callback address (code and state) as the provider sent it, before the app
        // takes it out of the address bar.
        rita.add_script_on_new_document(
            "if (location.pathname === '/callback') localStorage.setItem('__pailCallback', location.href);",
        )
        .await?;
        rita.goto_app("/").await?;
        rita.sign_in("rita").await?;
        let callback = rita
            .execute("return localStorage.getItem('__pailCallback');", vec![])
            .await?;
        let callback = callback.as_str().ok_or("the callback was not recorded")?.to_owned();
        assert!(callback.contains("code=") && callback.contains("state="), "{callback}");
        assert!(!rita.url().await?.contains("code="), "the code left the address bar");

        // The same address again, in the same tab (a reload of history) and in another
        // browser (a leaked link): the code is not exchanged again, nobody is signed in.
        for b in [&rita, &s.open("eve").await?] {
            b.client.goto(&callback).await?;
            b.wait_text(
                "[role=alert] .notice-title",
                "to refuse the replay",
                |t| t == "This sign-in link has already been used or belongs to another tab.",
            )
            .await?;
            assert_eq!(b.count("[data-testid=user-name]").await?, 0);
            b.button("Sign in").await?;
            assert!(!b.url().await?.contains("code="), "the code is still in the address bar");
        }
        rita.assert_no_script_errors().await
    })
    .await;
}

#[tokio::test]
async fn tabs_share_one_sign_in_and_one_sign_out() {
    run("tabs_share_one_sign_in", |s| async move {
        let tess = s.open("tess").await?;
        tess.goto_app("/").await?;
        tess.sign_in("tess").await?;
        let first = tess.client.window().await?;

        // A second tab: signed in without a click, through the provider's session.
        let second = tess.client.new_window(true).await?.handle;
        tess.client.switch_to_window(second.clone()).await?;
        tess.goto_app("/").await?;
        tess.wait_css("[data-testid=user-name]").await?;
        assert!(!tess.url().await?.contains("code="));

        // Signing out there signs the first tab out too.
        tess.button("Sign out").await?.click().await?;
        tess.wait_css("button[name=logout][value=yes]")
            .await?
            .click()
            .await?;
        tess.button("Sign in").await?;
        tess.client.switch_to_window(first).await?;
        tess.wait_text(
            "[role=alert] .notice-title",
            "to follow the other tab",
            |t| t == "You signed out in another tab, so this one is signed out too.",
        )
        .await?;
        assert_eq!(tess.count("[data-testid=user-name]").await?, 0);
        assert_eq!(tess.count(".listing, .file-table, #file-input").await?, 0);
        tess.assert_no_script_errors().await
    })
    .await;
}

#[tokio::test]
async fn the_app_runs_under_a_content_security_policy_that_stops_injected_script() {
    run("content_security_policy", |s| async move {
        let ivy = s.open("ivy").await?;
        ivy.goto_app("/").await?;
        ivy.sign_in("ivy").await?;
        ivy.wait_css(".file-table, .listing").await?;
        let policy = ivy
            .execute(
                "const m = document.querySelector('meta[http-equiv=Content-Security-Policy]');
                 return m && m.content;",
                vec![],
            )
            .await?;
        let policy = policy
            .as_str()
            .ok_or("no Content-Security-Policy meta")?
            .to_owned();
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval';")
                && !policy.contains("unsafe-inline"),
            "{policy}"
        );
        // Once the provider is known, a second policy names exactly the origins the page
        // talks to (the stack's IdP, STS and S3), so the first one's `https:` and loopback
        // wildcards no longer apply.
        let narrowed = ivy
            .execute(
                "const m = document.querySelector('meta[data-narrowed]');
                 return m && m.content;",
                vec![],
            )
            .await?;
        let origin = |url: &str| {
            let rest = url.trim_start_matches("http://");
            format!("http://{}", rest.split('/').next().unwrap_or_default())
        };
        let expected = format!(
            "connect-src 'self' {idp} {sts} {s3}; frame-src 'self' blob: {idp}; \
             form-action 'self' {idp}",
            idp = origin(&ivy.env.issuer),
            sts = origin(&ivy.env.stack("STS_ENDPOINT")),
            s3 = origin(&ivy.env.stack("S3_ENDPOINT")),
        );
        assert_eq!(narrowed, json!(expected));
        // Signing in, listing, everything so far ran without a violation.
        ivy.assert_no_script_errors().await?;
        // A request to any other origin — loopback included — is now refused by the policy.
        let outcome = ivy
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch('http://127.0.0.1:9/elsewhere').then(() => done('sent'), () => done('refused'));",
                vec![],
            )
            .await?;
        assert_eq!(outcome, json!("refused"));
        let errors = ivy.script_errors().await?;
        assert!(
            errors.iter().any(|e| e.starts_with("csp: connect-src")),
            "the request was not refused by the policy: {errors:?}"
        );

        // Script injected the way an XSS would — an inline script, an inline event handler —
        // does not run. (WebDriver's own scripts are exempt from CSP, so eval cannot be
        // tested from here.)
        let ran = ivy
            .execute(
                "const s = document.createElement('script');
                 s.textContent = 'window.__injected = true';
                 document.head.append(s);
                 const b = document.createElement('button');
                 b.setAttribute('onclick', 'window.__clicked = true');
                 document.body.append(b);
                 b.click();
                 b.remove();
                 return [window.__injected === true, window.__clicked === true];",
                vec![],
            )
            .await?;
        assert_eq!(ran, json!([false, false]), "injected script ran");
        let errors = ivy.script_errors().await?;
        assert!(
            errors.iter().any(|e| e.starts_with("csp: script-src-elem"))
                && errors.iter().any(|e| e.starts_with("csp: script-src-attr")),
            "the violations were not reported: {errors:?}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_share_link_works_without_signing_in_and_ends_with_the_credentials() {
    run("share_link", |s| async move {
        // One-minute STS sessions (the app's shortest): no choice longer than the session is
        // offered, and the page says so before a link is made.
        Deployment::main(&s.env)
            .with("session_duration_seconds", "60")
            .deploy(&s.env)?;
        let shay = s.open("shay").await?;
        shay.goto_app("/").await?;
        shay.sign_in("shay").await?;
        let file = TestFile::new(&s, "shared ü")?;
        let key = format!("users/shay/{}", file.name);
        upload(&shay, &file, "").await?;
        shay.wait_css(&format!("a[data-key={}]", css_string(&key)))
            .await?
            .click()
            .await?;
        shay.wait_css("#share-valid-for").await?;
        let offered = shay.texts("#share-valid-for option").await?;
        assert_eq!(
            offered,
            ["1 min"],
            "only what a one-minute session can keep"
        );
        let limit = shay
            .wait_text(
                "[data-testid=share-limit]",
                "the longest a link lasts",
                |_| true,
            )
            .await?;
        assert!(limit.starts_with("A link works at most 1 min"), "{limit}");
        shay.button("Create link").await?.click().await?;
        let until = shay
            .wait_text("[data-testid=share-until]", "to say until when", |_| true)
            .await?;
        assert!(until.starts_with("Works until "), "{until}");
        let url = shay
            .execute("return document.getElementById('share-url').value;", vec![])
            .await?;
        let url = url.as_str().ok_or("no link")?.to_owned();
        let created = std::time::Instant::now();

        // Anyone with the link gets the file, under its own name, without signing in.
        let (status, head, body) = get_url(&url)?;
        assert_eq!(status, 200, "{head}\n{body}");
        assert_eq!(body, std::fs::read_to_string(&file.path)?);
        assert!(
            head.to_ascii_lowercase()
                .contains("content-disposition: attachment; filename=\"shared _ ")
                && head.contains("filename*=UTF-8''shared%20%C3%BC%20"),
            "{head}"
        );
        // After the session's credentials end, the link stops working (S3's answer, not ours).
        tokio::time::sleep(std::time::Duration::from_secs(61).saturating_sub(created.elapsed()))
            .await;
        let (status, _, body) = get_url(&url)?;
        assert!(
            (400..404).contains(&status) && !body.contains("Pail end-to-end test file"),
            "the link still works after the credentials ended: {status} {body}"
        );
        shay.assert_no_script_errors().await
    })
    .await;
}

#[tokio::test]
async fn a_file_moved_to_another_folder_keeps_its_bytes_and_metadata() {
    run("rename_move", |s| async move {
        let rhys = s.open("rhys").await?;
        rhys.goto_app("/").await?;
        rhys.sign_in("rhys").await?;
        let file = TestFile::new(&s, "draft ü")?;
        let from = format!("users/rhys/{}", file.name);
        upload(&rhys, &file, DESCRIPTION).await?;
        let before = rhys.env.peek_object("rhys", &from)?;
        rhys.wait_css(&format!("a[data-key={}]", css_string(&from)))
            .await?
            .click()
            .await?;
        rhys.wait_text_eq("aside.details [data-testid=details-key]", &from)
            .await?;
        let new_name = format!("final {}/renamed ✓ {}", s.stamp(), file.name);
        let to = format!("users/rhys/{new_name}");
        rhys.button("Rename or move").await?.click().await?;
        rhys.client.send_alert_text(&new_name).await?;
        rhys.client.accept_alert().await?;

        // The panel shows it at its new place; S3 has it there, the same, and not the old key.
        rhys.wait_text_eq("aside.details [data-testid=details-key]", &to)
            .await?;
        let after = rhys.env.peek_object("rhys", &to)?;
        for field in ["size", "sha256", "content_type", "metadata"] {
            assert_eq!(after[field], before[field], "{field}: {after}");
        }
        assert_eq!(
            rhys.env.peek_object("rhys", &from)?["error"],
            json!("missing")
        );
        rhys.assert_no_script_errors().await
    })
    .await;
}

/// A file on disk for `#file-input`: a name with spaces and non-ASCII, unique per run, and
/// known bytes. Removed when dropped.
struct TestFile {
    dir: PathBuf,
    path: PathBuf,
    name: String,
    size: usize,
}

impl TestFile {
    fn new(s: &Sessions, base: &str) -> Result<Self> {
        let stamp = s.stamp();
        let name = format!("{base} {stamp}.txt");
        let dir = std::env::temp_dir().join(format!("pail-e2e-{stamp}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(&name);
        let body = format!("Pail end-to-end test file\n{name}\n");
        std::fs::write(&path, &body)?;
        Ok(Self {
            dir,
            path,
            name,
            size: body.len(),
        })
    }
}

impl Drop for TestFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Chooses `file`, types the description, clicks Upload, and waits for "Uploaded ✓".
async fn upload(b: &Browser, file: &TestFile, description: &str) -> Result {
    let path = file.path.to_str().ok_or("temp path is not UTF-8")?;
    b.wait_css("#file-input").await?.send_keys(path).await?;
    let item = format!(
        "//li[contains(@class, 'upload-item')][span[contains(@class, 'upload-name')][.={}]]",
        xpath_literal(&file.name)
    );
    b.wait_text(&item, "to be queued", |_| true).await?;
    if !description.is_empty() {
        b.wait_css("#upload-description")
            .await?
            .send_keys(description)
            .await?;
    }
    b.button("Upload").await?.click().await?;
    let status = format!("{item}//*[@data-testid='upload-status']");
    let outcome = b
        .wait_text(&status, "to finish", |t| t == "Uploaded ✓" || t == "Failed")
        .await?;
    if outcome != "Uploaded ✓" {
        let why = b.texts(&format!("{item}//*[@role='alert']")).await?;
        return Err(format!("uploading {:?} failed: {why:?}", file.name).into());
    }
    b.wait_text_eq(".toast-title", &format!("Uploaded {}", file.name))
        .await?;
    Ok(())
}

/// The details panel shows `key` with its size, content type and description.
async fn expect_details(b: &Browser, key: &str, file: &TestFile, description: &str) -> Result {
    b.wait_text_eq("aside.details [data-testid=details-key]", key)
        .await?;
    b.wait_text_eq("aside.details .details-title", &file.name)
        .await?;
    b.wait_text_eq(
        "aside.details table.user-metadata th",
        "x-amz-meta-description",
    )
    .await?;
    b.wait_text_eq("aside.details td[data-meta=description]", description)
        .await?;
    let row = |name: &str| {
        format!(
            "//aside[contains(@class, 'details')]//dl[contains(@class, 'props')]/dt[.={}]/following-sibling::dd[1]",
            xpath_literal(name)
        )
    };
    b.wait_text_eq(&row("Size"), &format!("{} bytes", file.size))
        .await?;
    b.wait_text_eq(&row("Content type"), "text/plain").await?;
    Ok(())
}

/// Replaces the `id_token` in the IdP's token response with one whose signature has a
/// character flipped, as an attacker in the middle would; marks `__pailTampered` when done.
fn tamper_script(issuer: &str) -> String {
    let issuer = json!(issuer);
    format!(
        r"(() => {{
  const ISSUER = {issuer};
  const realFetch = window.fetch;
  window.fetch = async function (input, init) {{
    const response = await realFetch.call(window, input, init);
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin !== new URL(ISSUER).origin || !url.pathname.endsWith('/token') || !response.ok) {{
      return response;
    }}
    const body = await response.clone().json();
    if (typeof body.id_token !== 'string') return response;
    const [header, payload, signature] = body.id_token.split('.');
    const i = Math.floor(signature.length / 2);
    const flipped = signature[i] === 'A' ? 'B' : 'A';
    body.id_token = [header, payload, signature.slice(0, i) + flipped + signature.slice(i + 1)].join('.');
    sessionStorage.setItem('__pailTampered', '1');
    return new Response(JSON.stringify(body), {{
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    }});
  }};
}})();"
    )
}
