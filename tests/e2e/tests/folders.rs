//! Folders and big listings in the release build, headless Chromium against the local stack:
//! create a folder, upload into it, go in and back with the browser's buttons, sort and
//! filter; a folder of 100,000 objects that opens and scrolls without freezing the page; a
//! folder deleted with everything under it and nothing else, with a key S3 refuses reported. What S3 holds afterwards is read
//! through S3 itself (`stack/peek.py`). Each test has a user of its own.

use std::time::{Duration, Instant};

use pail_e2e::{Browser, Result, css_string, query_value, run, xpath_literal};
use serde_json::json;

/// Records every long task (a main-thread task over 50 ms, the Long Tasks API) from the
/// start of the page, so a test can ask for the longest one in a stretch of time.
const LONG_TASK_RECORDER: &str = "
window.__pailLongTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__pailLongTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
} catch (e) { window.__pailLongTasks = null; }
";

/// The longest main-thread task of a page with 100,000 rows, while it loads them all and while
/// the user scrolls, sorts and filters them. Input is handled between tasks, so this is how
/// long the page can ignore a click or a scroll. RAIL asks for a response within 100 ms; this
/// machine is two cores shared with other builds and tests, and Chromium runs with a
/// WebDriver/CDP client attached, so the same build measured anywhere from 65 to 237 ms here
/// (the tail is other processes taking the CPU mid-task). 300 ms keeps that headroom and still
/// fails a page that freezes for the better part of a second.
const LONGEST_TASK_MS: f64 = 300.0;

async fn row_names(b: &Browser) -> Result<Vec<String>> {
    Ok(b.texts(".file-table tbody td.name a")
        .await?
        .into_iter()
        .map(|t| t.trim().to_owned())
        .collect())
}

async fn wait_rows(b: &Browser, what: &str, expected: &[&str]) -> Result {
    let start = Instant::now();
    loop {
        let names = row_names(b).await?;
        if names == expected {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(20) {
            return Err(format!("rows {what}: expected {expected:?}, saw {names:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count_line(b: &Browser) -> Result<String> {
    Ok(b.texts("[data-testid=item-count]")
        .await?
        .first()
        .map(|t| t.trim().to_owned())
        .unwrap_or_default())
}

/// Clicks a column header (in script: the upload toasts may cover the header for a while).
async fn sort_by(b: &Browser, column: &str) -> Result {
    b.wait_for(fantoccini::Locator::XPath(&format!(
        "//th/button[starts-with(normalize-space(), {})]",
        xpath_literal(column)
    )))
    .await?;
    b.execute(
        "Array.from(document.querySelectorAll('th button.sort-button'))
           .find(x => x.innerText.trim().startsWith(arguments[0])).click();",
        vec![json!(column)],
    )
    .await?;
    Ok(())
}

async fn set_filter(b: &Browser, text: &str) -> Result {
    b.execute(
        "const i = document.querySelector('input.filter-input');
         i.value = arguments[0];
         i.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![json!(text)],
    )
    .await?;
    Ok(())
}

async fn crumb(b: &Browser) -> Result<String> {
    b.wait_text("[aria-current=page]", "to show where we are", |_| true)
        .await
}

async fn longest_task_since(b: &Browser, since_ms: f64) -> Result<(f64, usize)> {
    let v = b
        .execute(
            "const t = window.__pailLongTasks;
             if (t === null) return null;
             const after = t.filter(([s]) => s >= arguments[0]);
             return [after.reduce((m, [, d]) => Math.max(m, d), 0), after.length];",
            vec![json!(since_ms)],
        )
        .await?;
    let v = v
        .as_array()
        .ok_or("this Chromium has no Long Tasks API: cannot measure")?;
    Ok((
        v[0].as_f64().unwrap_or(f64::NAN),
        usize::try_from(v[1].as_u64().unwrap_or(0)).unwrap_or(0),
    ))
}

async fn now_ms(b: &Browser) -> Result<f64> {
    Ok(b.execute("return performance.now();", vec![])
        .await?
        .as_f64()
        .unwrap_or(0.0))
}

async fn dom_rows(b: &Browser) -> Result<usize> {
    b.count(".file-table tbody tr:not(.spacer)").await
}

#[tokio::test]
async fn create_a_folder_upload_into_it_go_back_and_forth_sort_and_filter() {
    run("folders_sort_filter", |s| async move {
        let user = "fiona";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let stamp = s.stamp();
        let folder = format!("trips ü {stamp}");

        // A new folder: a zero-byte "name/" object, listed as a folder.
        b.new_folder(&folder).await?;
        let placeholder = b
            .env
            .peek_object(user, &format!("users/{user}/{folder}/"))?;
        assert_eq!(placeholder["size"], json!(0), "{placeholder}");

        // Into it: the breadcrumbs and the address follow; it is empty.
        b.open_folder(&folder).await?;
        let in_folder = b.url().await?;
        let path = format!("users/{user}/{folder}/");
        assert!(
            in_folder.contains(&format!("path={}", query_value(&path).replace("%20", "+")))
                || in_folder.contains(&format!("path={}", query_value(&path))),
            "{in_folder}"
        );
        b.wait_text(".listing .empty", "to say the folder is empty", |t| {
            t.starts_with("No files here yet")
        })
        .await?;

        // Three files of different sizes, uploaded into the open folder.
        let files = [("alpha.txt", 500), ("Bravo.txt", 3000), ("charlie.log", 10)]
            .map(|(name, len)| (name.to_owned(), vec![b'x'; len]));
        b.upload_into(&path, &files).await?;
        let object = b.env.peek_object(user, &format!("{path}Bravo.txt"))?;
        assert_eq!(object["size"], json!(3000), "{object}");

        // Names A→Z ignoring case; size: biggest first, then smallest first.
        wait_rows(&b, "by name", &["alpha.txt", "Bravo.txt", "charlie.log"]).await?;
        assert_eq!(count_line(&b).await?, "3 items");
        sort_by(&b, "Size").await?;
        wait_rows(
            &b,
            "biggest first",
            &["Bravo.txt", "alpha.txt", "charlie.log"],
        )
        .await?;
        b.wait_text_eq("th[aria-sort=descending] button", "Size ▼")
            .await?;
        sort_by(&b, "Size").await?;
        wait_rows(
            &b,
            "smallest first",
            &["charlie.log", "alpha.txt", "Bravo.txt"],
        )
        .await?;
        // Filter by name within the folder; the count says how many match. Everything is
        // loaded, so there is no "only what is loaded" note.
        set_filter(&b, "TXT").await?;
        wait_rows(&b, "filtered", &["alpha.txt", "Bravo.txt"]).await?;
        assert_eq!(count_line(&b).await?, "2 of 3 items match");
        assert_eq!(b.count("[data-testid=partial-note]").await?, 0);
        set_filter(&b, "nothing like it").await?;
        b.wait_text_eq(
            ".listing .empty",
            "Nothing loaded so far matches the filter.",
        )
        .await?;

        // The browser's back button returns home, forward into the folder again.
        b.client.back().await?;
        b.wait_text_eq("[aria-current=page]", "My files").await?;
        b.wait_text("tr.row-folder a", "to list the folder at home", |t| {
            t == folder
        })
        .await?;
        b.client.forward().await?;
        b.wait_text_eq("[aria-current=page]", &folder).await?;
        assert_eq!(b.url().await?, in_folder);
        // The sort order is a preference: it stayed smallest first.
        wait_rows(
            &b,
            "after forward",
            &["charlie.log", "alpha.txt", "Bravo.txt"],
        )
        .await?;
        // The crumb leads home too.
        b.client
            .find(fantoccini::Locator::XPath(
                "//ol[@class='breadcrumbs']//a[normalize-space()='My files']",
            ))
            .await?
            .click()
            .await?;
        b.wait_text_eq("[aria-current=page]", "My files").await?;
        assert_eq!(crumb(&b).await?, "My files");
        b.assert_no_script_errors().await
    })
    .await;
}

#[tokio::test]
async fn a_folder_of_100000_objects_opens_and_scrolls_without_freezing() {
    run("big_listing", |s| async move {
        let user = "hugo";
        let prefix = format!("users/{user}/big-{}/", s.stamp());
        let t = Instant::now();
        s.env.seed(&prefix, 100_000)?;
        eprintln!("seeded 100,000 objects in {:?}", t.elapsed());
        let b = s.open(user).await?;
        b.add_script_on_new_document(LONG_TASK_RECORDER).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let outcome = big_listing(&b, &prefix).await;
        s.env.unseed(&prefix)?;
        outcome
    })
    .await;
}

async fn big_listing(b: &Browser, prefix: &str) -> Result {
    b.goto_app(&format!("/?path={}", query_value(prefix)))
        .await?;
    let opened = now_ms(b).await?;
    b.wait_text_eq(
        "[data-testid=item-count]",
        "1,000 items loaded; this folder has more",
    )
    .await?;
    assert_eq!(
        row_names(b).await?.first().map(String::as_str),
        Some("file-000000.txt")
    );
    let rows = dom_rows(b).await?;
    assert!(rows <= 60, "{rows} rows in the DOM for a screenful");

    // Scrolling to the end of what is loaded fetches the next pages by itself.
    let scroll_to_end = "const el = document.querySelector('.file-scroll');
                         el.scrollTop = el.scrollHeight; return el.scrollTop;";
    let start = Instant::now();
    loop {
        b.execute(scroll_to_end, vec![]).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let line = count_line(b).await?;
        if line.starts_with("5,000 items loaded") || line.starts_with("6,000 items loaded") {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            return Err(format!("scrolling did not load 5,000 rows in a minute: {line:?}").into());
        }
    }
    // At the end again, the rows on screen are the last ones of the 5,000 (or more) loaded.
    b.execute(scroll_to_end, vec![]).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let names = row_names(b).await?;
    assert!(
        names.iter().any(|n| n.as_str() >= "file-004900.txt"),
        "at the end of 5,000+ rows: {names:?}"
    );

    // Sorting now covers only what is loaded, and says so.
    sort_by(b, "Size").await?;
    b.wait_text(
        "[data-testid=partial-note]",
        "to say the sort covers only what is loaded",
        |t| t.starts_with("Sorting covers only the") && t.contains("Load all"),
    )
    .await?;
    sort_by(b, "Size").await?;
    sort_by(b, "Name").await?; // back to A→Z
    b.wait_text_eq("th[aria-sort=ascending] button", "Name ▲")
        .await?;

    // Load all: 100 pages, the page responsive all along.
    b.button("Load all").await?.click().await?;
    let start = Instant::now();
    loop {
        if count_line(b).await? == "100,000 items" {
            break;
        }
        if start.elapsed() > Duration::from_secs(180) {
            return Err(format!("not all loaded in 3 min: {:?}", count_line(b).await?).into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!("loaded all 100,000 in {:?}", start.elapsed());
    let (loading_longest, loading_count) = longest_task_since(b, opened).await?;

    // Scroll through all of it: jumps and steady steps.
    let scrolling = now_ms(b).await?;
    // 120 jumps across the whole list, then 120 steps of 700 px, one per animation frame.
    b.execute(
        "const el = document.querySelector('.file-scroll');
         window.__pailScrolled = false;
         let i = 0;
         const step = () => {
           if (i < 120) el.scrollTop = (el.scrollHeight * ((i * 37) % 120)) / 120;
           else el.scrollTop += 700;
           if (++i < 240) requestAnimationFrame(step); else window.__pailScrolled = true;
         };
         requestAnimationFrame(step);",
        vec![],
    )
    .await?;
    let start = Instant::now();
    while b.execute("return window.__pailScrolled;", vec![]).await? != json!(true) {
        if start.elapsed() > Duration::from_secs(30) {
            return Err("240 scroll steps did not finish in 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.execute(scroll_to_end, vec![]).await?;
    let start = Instant::now();
    while !row_names(b).await?.contains(&"file-099999.txt".to_owned()) {
        if start.elapsed() > Duration::from_secs(10) {
            return Err(format!(
                "the last row is not shown at the end: {:?}",
                row_names(b).await?
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = dom_rows(b).await?;
    assert!(rows <= 60, "{rows} rows in the DOM after scrolling 100,000");

    // Sort and filter over everything: no note any more.
    sort_by(b, "Size").await?;
    set_filter(b, "file-09999").await?;
    b.wait_text_eq("[data-testid=item-count]", "10 of 100,000 items match")
        .await?;
    assert_eq!(b.count("[data-testid=partial-note]").await?, 0);
    let (scroll_longest, scroll_count) = longest_task_since(b, scrolling).await?;
    eprintln!(
        "longest main-thread task: {loading_longest:.0} ms while opening and loading all \
         ({loading_count} over 50 ms), {scroll_longest:.0} ms while scrolling, sorting and \
         filtering 100,000 ({scroll_count} over 50 ms)"
    );
    assert!(
        loading_longest < LONGEST_TASK_MS && scroll_longest < LONGEST_TASK_MS,
        "the page froze: longest task {loading_longest:.0} ms loading, {scroll_longest:.0} ms \
         scrolling (bound {LONGEST_TASK_MS} ms)"
    );
    b.assert_no_script_errors().await
}

#[tokio::test]
async fn deleting_a_folder_removes_everything_under_it_and_nothing_else() {
    run("folder_delete", |s| async move {
        let user = "dora";
        let name = format!("doomed-{}", s.stamp());
        let home = format!("users/{user}/");
        let doomed = format!("{home}{name}/");
        // 2,500 objects (three DeleteObjects requests of at most 1,000) and a sub-folder; a
        // sibling whose name starts the same must survive.
        s.env.seed(&doomed, 2500)?;
        s.env.seed(&format!("{doomed}sub/"), 3)?;
        let sibling = format!("{home}{name}-keep/");
        s.env.seed(&sibling, 2)?;
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        b.wait_text("tr.row-folder a", "to list the folder", |t| t == name)
            .await?;
        b.wait_css(&format!(
            "input[aria-label={}]",
            css_string(&format!("Select {name}"))
        ))
        .await?
        .click()
        .await?;
        b.button("Delete selected (1)").await?.click().await?;
        b.wait_text_eq(".delete-dialog h3", "Delete 2,503 objects?")
            .await?;
        let body = b.texts(".delete-dialog p").await?.join(" ");
        assert!(body.contains("1 folder with everything in it"), "{body}");
        // Nothing is deleted before the confirmation.
        assert_eq!(b.env.keys_under(user, &doomed)?.len(), 2503);
        // S3 refuses one key of the second batch: the report says so, by key and why.
        let refused = format!("{doomed}file-001500.txt");
        b.env.knob(
            "faults",
            &json!({"key": refused, "operation": "DeleteObjects", "status": 403,
                    "code": "AccessDenied", "message": "Access Denied"}),
        )?;
        b.wait_css("[data-testid=confirm-delete]")
            .await?
            .click()
            .await?;
        b.wait_text_eq(
            "[data-testid=delete-report]",
            "Deleted 2,502 of 2,503 objects. 1 not deleted:",
        )
        .await?;
        let failures = b.texts(".delete-failures li").await?;
        assert_eq!(
            failures,
            [format!("{refused} — AccessDenied: Access Denied")],
            "the report"
        );
        assert_eq!(
            b.env.keys_under(user, &doomed)?,
            std::slice::from_ref(&refused)
        );
        b.button("Close").await?.click().await?;
        // Again: now only that one object is left.
        b.wait_text("tr.row-folder a", "to list what is left", |t| t == name)
            .await?;
        b.wait_css(&format!(
            "input[aria-label={}]",
            css_string(&format!("Select {name}"))
        ))
        .await?
        .click()
        .await?;
        b.button("Delete selected (1)").await?.click().await?;
        b.wait_text_eq(".delete-dialog h3", "Delete 1 object?")
            .await?;
        b.wait_css("[data-testid=confirm-delete]")
            .await?
            .click()
            .await?;
        b.wait_text_eq("[data-testid=delete-report]", "Deleted 1 object.")
            .await?;
        b.button("Close").await?.click().await?;
        b.wait_text("tr.row-folder a", "to list the sibling", |t| {
            t == format!("{name}-keep")
        })
        .await?;
        assert!(
            !b.texts("tr.row-folder a")
                .await?
                .iter()
                .any(|t| t.trim() == name),
            "the deleted folder is still listed"
        );
        assert_eq!(b.env.keys_under(user, &doomed)?, Vec::<String>::new());
        let kept = b.env.keys_under(user, &sibling)?;
        assert_eq!(kept.len(), 2, "{kept:?}");
        s.env.unseed(&sibling)?;
        b.assert_no_script_errors().await
    })
    .await;
}
