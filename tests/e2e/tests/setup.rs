//! One release build, several deployments: the same `dist/` serves the local stack's two
//! configurations by swapping only `config.json`, a broken `config.json` is an error page, and
//! the setup doctor names what is wrong with deliberately broken setups of the stack (and
//! passes on the good ones). Run by scripts/test (see `pail_e2e::run`).

use std::collections::HashMap;

use pail_e2e::{Browser, Deployment, DoctorLine, Result, Sessions, run};
use serde_json::json;

/// A folder listed: empty, or a table of files.
const LISTED: &str = ".listing .empty, .listing .file-table";

/// Every check passed.
fn all_pass(lines: &HashMap<String, DoctorLine>) -> Result {
    let failed: Vec<_> = lines.iter().filter(|(_, l)| l.status != "pass").collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("not every check passed: {failed:#?}").into())
    }
}

/// The line `check` has `status` and says each of `phrases`.
fn expect_line(
    lines: &HashMap<String, DoctorLine>,
    check: &str,
    status: &str,
    phrases: &[&str],
) -> Result {
    let line = lines
        .get(check)
        .ok_or_else(|| format!("no line {check} in {lines:#?}"))?;
    if line.status != status {
        return Err(format!("{check} is {}, not {status}: {}", line.status, line.text).into());
    }
    for phrase in phrases {
        if !line.text.contains(phrase) {
            return Err(format!("{check} does not say {phrase:?}: {}", line.text).into());
        }
    }
    Ok(())
}

/// Signs in (at IdP 1) under `deployment` and waits for the doctor the app runs by itself when
/// the user's own folder does not list.
async fn doctor_after_failed_listing(
    s: &Sessions,
    deployment: Deployment,
    user: &str,
) -> Result<(Browser, HashMap<String, DoctorLine>)> {
    deployment.deploy(&s.env)?;
    let b = s.open(user).await?;
    b.goto_app("/").await?;
    b.sign_in(user).await?;
    b.wait_css(".listing [role=alert] .notice-title").await?;
    b.wait_css(".listing [data-testid=doctor]").await?;
    let lines = b.doctor_lines().await?;
    Ok((b, lines))
}

#[tokio::test]
async fn one_build_serves_two_configurations() {
    run("one_build_serves_two_configurations", |s| async move {
        // The second setup: another IdP and client, role, bucket and prefix template.
        Deployment::second(&s.env).deploy(&s.env)?;
        let issuer2 = s.env.stack("IDP2_ISSUER");
        let olga = s.open("olga-second").await?;
        olga.goto_app("/").await?;
        olga.wait_text(".card p.muted", "to name the second IdP", |t| {
            t.contains(&issuer2)
        })
        .await?;
        olga.sign_in_at(&issuer2, "olga").await?;
        olga.wait_css(LISTED).await?;
        olga.goto_app("/doctor").await?;
        olga.wait_text_eq("[data-testid=user-name]", "olga").await?;
        let lines = olga.doctor_lines().await?;
        all_pass(&lines)?;
        expect_line(&lines, "settings", "pass", &["config.json"])?;
        expect_line(&lines, "discovery", "pass", &[&issuer2])?;
        expect_line(&lines, "sts", "pass", &["role/pail-second-user"])?;
        expect_line(&lines, "list", "pass", &["home/olga/ of pail-second"])?;
        olga.assert_no_script_errors().await?;
        s.close(olga).await?;

        // The same files, the main setup's config.json.
        Deployment::main(&s.env).deploy(&s.env)?;
        let olga = s.open("olga-main").await?;
        olga.goto_app("/doctor").await?;
        olga.button("Sign in to run every check")
            .await?
            .click()
            .await?;
        olga.log_in_at_idp("olga").await?;
        olga.wait_text_eq("[data-testid=user-name]", "olga").await?;
        let at = olga.url().await?;
        assert_eq!(at, format!("{}/doctor", olga.env.app), "back on the doctor");
        let lines = olga.doctor_lines().await?;
        all_pass(&lines)?;
        expect_line(&lines, "discovery", "pass", &[&olga.env.issuer])?;
        expect_line(&lines, "sts", "pass", &["role/pail-web-user"])?;
        expect_line(&lines, "list", "pass", &["users/olga/ of pail-demo"])?;
        expect_line(
            &lines,
            "exposed-headers",
            "pass",
            &["ETag, x-amz-meta-description readable"],
        )?;
        olga.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_doctor_report_can_be_copied() {
    run("the_doctor_report_can_be_copied", |s| async move {
        let b = s.open("frank").await?;
        b.grant_clipboard().await?;
        b.goto_app("/").await?;
        b.sign_in("frank").await?;
        b.goto_app("/doctor").await?;
        b.wait_text_eq("[data-testid=user-name]", "frank").await?;
        all_pass(&b.doctor_lines().await?)?;
        b.button("Copy report").await?.click().await?;
        b.wait_text(
            ".doctor-actions [role=status]",
            "to confirm the copy",
            |t| t == "Copied to the clipboard.",
        )
        .await?;
        let copied = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 navigator.clipboard.readText().then(done, e => done('error: ' + e));",
                vec![],
            )
            .await?;
        let copied = copied.as_str().unwrap_or_default();
        assert!(
            copied.starts_with(&format!("Pail setup check for {}", b.env.app)),
            "{copied}"
        );
        assert!(
            copied.contains("✓ STS accepts the token for the role:"),
            "{copied}"
        );
        assert!(copied.ends_with("No problems found.\n"), "{copied}");
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_doctor_finds_a_bucket_without_cors() {
    run("the_doctor_finds_a_bucket_without_cors", |s| async move {
        let setup = Deployment::main(&s.env)
            .with("s3_bucket", &s.env.stack("PAIL_NOCORS_BUCKET"))
            .with("role_arn", &s.env.stack("PAIL_NOCORS_ROLE_ARN"));
        let (b, lines) = doctor_after_failed_listing(&s, setup, "gina").await?;
        expect_line(&lines, "sts", "pass", &[])?;
        expect_line(&lines, "endpoint", "pass", &[])?;
        expect_line(
            &lines,
            "bucket-cors",
            "fail",
            &[
                "pail-nocors's CORS rules do not allow this site",
                "put-bucket-cors --bucket pail-nocors",
                &format!("\"{}\"", b.env.app),
            ],
        )?;
        expect_line(&lines, "list", "fail", &["CORS"])?;
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_doctor_finds_an_etag_that_is_not_exposed() {
    run(
        "the_doctor_finds_an_etag_that_is_not_exposed",
        |s| async move {
            Deployment::main(&s.env)
                .with("s3_bucket", &s.env.stack("PAIL_NOETAG_BUCKET"))
                .with("role_arn", &s.env.stack("PAIL_NOETAG_ROLE_ARN"))
                .deploy(&s.env)?;
            let b = s.open("hank").await?;
            b.goto_app("/").await?;
            b.sign_in("hank").await?;
            // Listing works, so nothing runs by itself: the user opens the setup check.
            b.wait_css(LISTED).await?;
            b.goto_app("/doctor").await?;
            b.wait_text_eq("[data-testid=user-name]", "hank").await?;
            let lines = b.doctor_lines().await?;
            expect_line(&lines, "bucket-cors", "pass", &[])?;
            expect_line(&lines, "list", "pass", &[])?;
            expect_line(
                &lines,
                "exposed-headers",
                "fail",
                &[
                    "cannot read ETag from S3's answers",
                    "ExposeHeaders",
                    "multipart uploads cannot complete",
                    "\"ETag\"",
                ],
            )?;
            b.assert_no_script_errors().await?;
            Ok(())
        },
    )
    .await;
}

#[tokio::test]
async fn the_doctor_finds_a_wrong_audience() {
    run("the_doctor_finds_a_wrong_audience", |s| async move {
        let unlisted = s.env.stack("IDP_UNLISTED_CLIENT_ID");
        let setup = Deployment::main(&s.env).with("oidc_client_id", &unlisted);
        let (b, lines) = doctor_after_failed_listing(&s, setup, "ivan").await?;
        expect_line(&lines, "token-endpoint", "pass", &[])?;
        expect_line(
            &lines,
            "sts",
            "fail",
            &[
                &format!("STS refused the token's audience \"{unlisted}\""),
                "aws iam add-client-id-to-open-id-connect-provider",
                &format!("--client-id {unlisted}"),
            ],
        )?;
        expect_line(&lines, "list", "skipped", &["Needs credentials from STS"])?;
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_doctor_finds_a_trust_policy_for_another_role() {
    run(
        "the_doctor_finds_a_trust_policy_for_another_role",
        |s| async move {
            // The second setup's role trusts IdP 2 only; these users come from IdP 1.
            let setup = Deployment::main(&s.env).with("role_arn", &s.env.stack("PAIL_ROLE2_ARN"));
            let (b, lines) = doctor_after_failed_listing(&s, setup, "judy").await?;
            let host = b.env.issuer.trim_start_matches("http://").to_owned();
            expect_line(
                &lines,
                "sts",
                "fail",
                &[
                    "role/pail-second-user does not trust this token (AccessDenied",
                    &format!("oidc-provider/{host}"),
                    &format!("\"{host}:aud\": \"pail-local\""),
                ],
            )?;
            b.assert_no_script_errors().await?;
            Ok(())
        },
    )
    .await;
}

#[tokio::test]
async fn the_doctor_finds_a_missing_list_permission() {
    run(
        "the_doctor_finds_a_missing_list_permission",
        |s| async move {
            let setup =
                Deployment::main(&s.env).with("role_arn", &s.env.stack("PAIL_NOLIST_ROLE_ARN"));
            let (b, lines) = doctor_after_failed_listing(&s, setup, "kate").await?;
            expect_line(&lines, "sts", "pass", &["role/pail-nolist-user"])?;
            expect_line(
                &lines,
                "list",
                "fail",
                &[
                    "may not list users/kate/ in pail-demo (AccessDenied)",
                    "\"Action\": \"s3:ListBucket\"",
                ],
            )?;
            // Writing, reading and deleting are allowed: only listing is the problem.
            expect_line(&lines, "exposed-headers", "pass", &[])?;
            b.execute(
                "document.querySelector('[data-check=list]').scrollIntoView();
                 window.scrollBy(0, -100);",
                vec![],
            )
            .await?;
            b.screenshot("doctor.png").await?;
            b.assert_no_script_errors().await?;
            Ok(())
        },
    )
    .await;
}

#[tokio::test]
async fn the_doctor_finds_an_unreachable_issuer() {
    run("the_doctor_finds_an_unreachable_issuer", |s| async move {
        // A port nothing listens on: bound, then released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let issuer = format!("http://127.0.0.1:{port}");
        Deployment::main(&s.env)
            .with("oidc_issuer", &issuer)
            .deploy(&s.env)?;
        let b = s.open("lena").await?;
        b.goto_app("/").await?;
        b.wait_text(
            "[role=alert] .notice-title",
            "to say sign-in is down",
            |t| t.contains("cannot be reached"),
        )
        .await?;
        b.wait_css("[data-testid=check-setup]")
            .await?
            .click()
            .await?;
        let lines = b.doctor_lines().await?;
        expect_line(
            &lines,
            "discovery",
            "fail",
            &[
                &format!("Nothing answers at {issuer}/.well-known/openid-configuration"),
                &format!("oidc_issuer (now {issuer})"),
            ],
        )?;
        expect_line(&lines, "jwks", "skipped", &[])?;
        expect_line(&lines, "sts", "skipped", &["Sign in"])?;
        // What needs no sign-in is still checked.
        expect_line(&lines, "bucket-cors", "pass", &[])?;
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_broken_config_json_is_named_not_ignored() {
    run(
        "a_broken_config_json_is_named_not_ignored",
        |s| async move {
            let config = s.env.dist.join("config.json");
            std::fs::write(&config, b"{ \"oidc_issuer\": ")?;
            let b = s.open("broken").await?;
            b.goto_app("/").await?;
            let said = b
                .wait_text("[role=alert]", "to name config.json", |t| {
                    t.contains("config.json")
                })
                .await?;
            assert!(said.contains("is not valid JSON"), "{said}");

            let mut wrong = Deployment::main(&s.env).with("s3_bucket", "Not_A_Bucket");
            wrong.settings.insert("role_arm".into(), json!("x"));
            wrong.deploy(&s.env)?;
            b.client.refresh().await?;
            let table = b
                .wait_text("table.config-errors", "to list the settings", |t| {
                    t.contains("s3_bucket")
                })
                .await?;
            assert!(
                table.contains("'Not_A_Bucket' may use only lowercase"),
                "{table}"
            );
            assert!(
                table.contains("role_arm") && table.contains("did you mean role_arn?"),
                "{table}"
            );
            assert!(!table.contains("PAIL_"), "{table}");
            b.assert_no_script_errors().await?;
            Ok(())
        },
    )
    .await;
}
