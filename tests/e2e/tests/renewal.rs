//! A sign-in that outlives its ID token, in the release build against the local stack: ID
//! tokens of 20 s (an IdP knob for the test's own account) and STS sessions of 60 s (the
//! app's minimum), renewed 15 s before they end: the STS exchange at 45 s needs a renewed
//! ID token, and each test waits for it before asking S3 for something. The page is marked at the start;
//! the mark still being there proves the page never reloaded or left for the provider.
//!
//! 1. The provider issues refresh tokens (rotated on every use; a reused one is refused).
//! 2. It does not: the renewal is a `prompt=none` request in a hidden frame.
//! 3. Neither works (the provider session is gone): the page says so and signs in again in a
//!    small window, keeping the open folder.

use std::time::{Duration, Instant};

use pail_e2e::{Browser, Deployment, Result, run};
use serde_json::{Value, json};

/// The ID tokens' lifetime in these tests, and the STS sessions' (the app's minimum).
const TOKEN_SECONDS: u64 = 20;
const STS_SECONDS: &str = "60";

/// Waits until the IdP's counter `what` for `user` reaches `at_least`.
async fn counted(b: &Browser, user: &str, what: &str, at_least: u64) -> Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(3 * TOKEN_SECONDS + 20);
    loop {
        let counters = b.env.idp_counters(user)?;
        if counters[what].as_u64().unwrap_or(0) >= at_least {
            return Ok(counters);
        }
        if Instant::now() > deadline {
            return Err(
                format!("the IdP counted {counters} for {user}, not {at_least} × {what}").into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Signs `user` in with short ID tokens and STS sessions, marks the page and returns once
/// the files are listed.
async fn signed_in_briefly(b: &Browser, user: &str, refresh_tokens: bool) -> Result {
    b.env.idp_account(
        user,
        &json!({"id_token_ttl": TOKEN_SECONDS, "refresh_tokens": refresh_tokens}),
    )?;
    Deployment::main(&b.env)
        .with("session_duration_seconds", STS_SECONDS)
        .deploy(&b.env)?;
    b.goto_app("/").await?;
    b.sign_in(user).await?;
    b.wait_css(".file-table, .listing").await?;
    b.execute(
        "window.__pailMark = 'still this page'; return true;",
        vec![],
    )
    .await?;
    Ok(())
}

/// The header's "AWS access until …" now.
async fn aws_until(b: &Browser) -> Result<String> {
    Ok(b.texts(".session-expiry").await?.concat())
}

/// Waits until the STS credentials have been renewed (the header's expiry moves on from
/// `first`): that exchange used the ID token of that moment.
async fn credentials_renewed(b: &Browser, first: &str) -> Result {
    let deadline = Instant::now() + Duration::from_secs(75);
    loop {
        let now = aws_until(b).await?;
        if !now.is_empty() && now != first {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the credentials were not renewed (still {now:?}): {}",
                b.page_text().await?
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn still_the_same_page(b: &Browser) -> Result {
    let mark = b
        .execute("return window.__pailMark || null;", vec![])
        .await?;
    assert_eq!(mark, json!("still this page"), "the page reloaded or left");
    assert_eq!(b.count("[data-testid=renewal-notice]").await?, 0);
    Ok(())
}

/// After the STS credentials have been renewed past the first ID token's life, a new folder
/// `name` in the open folder `parent` (a key prefix under the user's home) reaches S3.
async fn works_after_renewal(
    b: &Browser,
    user: &str,
    first: &str,
    parent: &str,
    name: &str,
) -> Result {
    credentials_renewed(b, first).await?;
    b.new_folder(name).await?;
    let placeholder = b
        .env
        .peek_object(user, &format!("users/{user}/{parent}{name}/"))?;
    assert_eq!(placeholder["size"], json!(0), "{placeholder}");
    Ok(())
}

/// Signs `user` in briefly and waits for two renewals the IdP counts as `by` and none as
/// `not_by`; then the page is the same one, no renewal frame is left, and S3 answers after the
/// first token's life. The account's knobs are reset however it ends.
async fn renews_itself_twice(
    b: &Browser,
    user: &str,
    refresh_tokens: bool,
    by: &str,
    not_by: &str,
    folder: &str,
) -> Result {
    let outcome = async {
        signed_in_briefly(b, user, refresh_tokens).await?;
        let first_credentials = aws_until(b).await?;
        let before = b.env.idp_counters(user)?;
        let after = counted(b, user, by, before[by].as_u64().unwrap_or(0) + 2).await?;
        assert_eq!(
            after[not_by], before[not_by],
            "no {not_by} was needed: {after}"
        );
        still_the_same_page(b).await?;
        // A silent renewal's frame is gone once it has answered.
        assert_eq!(b.count("iframe").await?, 0);
        works_after_renewal(b, user, &first_credentials, "", folder).await?;
        b.assert_no_script_errors().await
    }
    .await;
    b.env.idp_account(user, &json!({}))?;
    outcome
}

#[tokio::test]
async fn a_sign_in_renews_itself_with_rotated_refresh_tokens_without_leaving_the_page() {
    run("renewal_refresh_token", |s| async move {
        let b = s.open("rena").await?;
        // Two renewals: the second spends the refresh token the first one brought (the IdP
        // refuses a spent one), and by then the first ID token has expired.
        let folder = format!("after renewal {}", s.stamp());
        renews_itself_twice(&b, "rena", true, "refresh", "silent", &folder).await
    })
    .await;
}

#[tokio::test]
async fn without_refresh_tokens_the_sign_in_renews_itself_in_a_hidden_frame() {
    run("renewal_silent_frame", |s| async move {
        let b = s.open("sian").await?;
        let folder = format!("after silent renewal {}", s.stamp());
        renews_itself_twice(&b, "sian", false, "silent_ok", "refresh", &folder).await
    })
    .await;
}

#[tokio::test]
async fn when_the_provider_session_is_gone_a_small_window_signs_in_again_and_the_page_stays() {
    run("renewal_sign_in_window", |s| async move {
        let user = "noel";
        let b = s.open(user).await?;
        let outcome = async {
            signed_in_briefly(&b, user, false).await?;
            let first_credentials = aws_until(&b).await?;
            // Somewhere to be: a folder, open.
            let folder = format!("kept {}", s.stamp());
            b.new_folder(&folder).await?;
            b.open_folder(&folder).await?;
            let place = b.url().await?;

            // The provider forgets the session (its cookie is on 127.0.0.1 like the app).
            b.client.delete_all_cookies().await?;
            let notice = b
                .wait_text(
                    "[data-testid=renewal-notice] .notice-title",
                    "for the page to say the sign-in could not be renewed",
                    |t| t == "Your sign-in could not be renewed in the background.",
                )
                .await?;
            assert!(!notice.is_empty());
            let text = b.page_text().await?;
            assert!(text.contains("It ends at"), "{text}");

            // "Sign in again" opens the small window; signing in there closes it.
            let page = b.client.window().await?;
            b.client
                .find(fantoccini::Locator::Css(
                    "[data-testid=renewal-notice] button",
                ))
                .await?
                .click()
                .await?;
            let deadline = Instant::now() + Duration::from_secs(10);
            let popup = loop {
                let others: Vec<_> = b
                    .client
                    .windows()
                    .await?
                    .into_iter()
                    .filter(|w| *w != page)
                    .collect();
                if let Some(w) = others.into_iter().next() {
                    break w;
                }
                if Instant::now() > deadline {
                    return Err("no sign-in window opened".into());
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            };
            b.client.switch_to_window(popup).await?;
            b.log_in_at_idp(user).await?;
            b.client.switch_to_window(page).await?;
            let deadline = Instant::now() + Duration::from_secs(15);
            while b.count("[data-testid=renewal-notice]").await? > 0 {
                if Instant::now() > deadline {
                    return Err(format!("the notice stayed: {}", b.page_text().await?).into());
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            still_the_same_page(&b).await?;
            assert_eq!(b.url().await?, place, "the open folder was lost");
            // Working again, past the first token's lifetime.
            let inner = format!("inside {}", s.stamp());
            works_after_renewal(&b, user, &first_credentials, &format!("{folder}/"), &inner)
                .await?;
            Ok(())
        }
        .await;
        b.env.idp_account(user, &json!({}))?;
        outcome
    })
    .await;
}
