//! The core flows on a store we did not write: Ceph RGW (Debian 12's radosgw 16.2, `stack/rgw/`)
//! with its own STS validating our IdP's tokens, one role per user, and the CORS front its STS
//! needs. The same release build as every other test, pointed at RGW by `config.json`. What the
//! app did is read back through RGW's own S3 API with the user's own role (`stack/rgw/peek.py`).

use pail_e2e::{Deployment, Result, css_string, run, xpath_literal};
use serde_json::{Value, json};

/// A file's bytes, the same every run for a given length.
fn bytes(len: usize, seed: u32) -> Vec<u8> {
    let mut x = 0x9e37_79b9u32 ^ seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[1]
        })
        .collect()
}

/// Clicks what `xpath` finds, in script (a toast may cover it).
async fn click(b: &pail_e2e::Browser, xpath: &str) -> Result {
    b.wait_for(fantoccini::Locator::XPath(xpath)).await?;
    b.execute(
        "document.evaluate(arguments[0], document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null)
           .singleNodeValue.click();",
        vec![json!(xpath)],
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn on_ceph_rgw_files_go_up_in_one_piece_and_in_parts_come_back_and_stay_private() {
    run("rgw_core", |s| async move {
        Deployment::rgw(&s.env).deploy(&s.env)?;
        let home = "users/alice/";
        let (alice, downloads) = s.open_downloading("alice").await?;
        alice.goto_app("/").await?;
        alice.sign_in("alice").await?;
        // The list is there, and no error under it (RGW refuses to list unfinished uploads
        // under a prefix; that list stays away).
        alice
            .wait_text("[aria-current=page]", "the home folder", |t| {
                t == "My files"
            })
            .await?;
        assert_eq!(alice.count("[role=alert]").await?, 0, "an error is shown");

        let folder = format!("rgw {}", s.stamp());
        alice.new_folder(&folder).await?;
        alice.open_folder(&folder).await?;
        let prefix = format!("{home}{folder}/");
        // One PUT (RGW refused the preflight of a query-signed one) and a multipart upload.
        let small = ("notes ü.txt".to_owned(), bytes(3000, 1));
        let large = ("video.bin".to_owned(), bytes(17 * 1024 * 1024 + 5, 2));
        alice
            .upload_into(&prefix, &[small.clone(), large.clone()])
            .await?;
        for (name, data) in [&small, &large] {
            let object = s.env.peek_rgw("alice", &format!("{prefix}{name}"))?;
            assert_eq!(object["size"], json!(data.len()), "{name}: {object}");
            assert_eq!(
                object["sha256"],
                json!(sha256_hex(data)),
                "{name}: bytes differ"
            );
            assert_eq!(object["cache_control"], Value::Null, "{name}: {object}");
        }

        // Download from the details: the same bytes, under the file's name.
        let key = format!("{prefix}{}", small.0);
        alice
            .execute(
                "document.querySelector(arguments[0]).click();",
                vec![json!(format!("a[data-key={}]", css_string(&key)))],
            )
            .await?;
        alice
            .wait_text_eq("aside.details [data-testid=details-key]", &key)
            .await?;
        click(
            &alice,
            &format!(
                "//aside//button[normalize-space()={}]",
                xpath_literal("Download")
            ),
        )
        .await?;
        assert_eq!(alice.downloaded(&downloads, &small.0).await?, small.1);

        // Bob (his own role) is refused alice's file, by RGW.
        let bob = s.open("bob").await?;
        bob.goto_app(&format!(
            "/?path={}&key={}",
            url_encode(&prefix),
            url_encode(&key)
        ))
        .await?;
        bob.sign_in("bob").await?;
        bob.wait_text("[role=alert] .notice-title", "to be refused", |t| {
            t.starts_with("Access denied")
        })
        .await?;

        // Delete the folder with both files: RGW refuses DeleteObjects for a prefix-confined
        // user, the app deletes them one by one, and nothing is left.
        alice.goto_app("/").await?;
        alice
            .wait_css(&format!(
                "input[aria-label={}]",
                css_string(&format!("Select {folder}"))
            ))
            .await?
            .click()
            .await?;
        alice.button("Delete selected (1)").await?.click().await?;
        alice
            .wait_text_eq(".delete-dialog h3", "Delete 3 objects?")
            .await?;
        alice
            .wait_css("[data-testid=confirm-delete]")
            .await?
            .click()
            .await?;
        alice
            .wait_text_eq("[data-testid=delete-report]", "Deleted 3 objects.")
            .await?;
        let left = s.env.peek_rgw("alice", &key)?;
        assert!(left["error"].is_string(), "still there: {left}");
        alice.assert_no_script_errors().await?;
        bob.assert_no_script_errors().await
    })
    .await;
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// SHA-256 in hex, by the system's `sha256sum` (not the code under test).
fn sha256_hex(data: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(data)
        .expect("write");
    let out = child.wait_with_output().expect("sha256sum output");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}
