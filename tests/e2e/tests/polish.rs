//! What people notice, in the release build against the local stack: previews (an image, an
//! SVG with a script that must not run, the start of a long text file, a PDF in the browser's
//! viewer, a type with no preview), the file list worked from the keyboard alone, axe-core on
//! every main screen in the light and the dark theme, and the same screens at phone width
//! with nothing scrolling sideways. Every test runs under the app's Content-Security-Policy:
//! a blocked preview would be a recorded violation, and fails the test.

use std::time::{Duration, Instant};

use pail_e2e::{Browser, Result, css_string, query_value, run};
use serde_json::{Value, json};

/// WebDriver's codes for special keys.
const DOWN: &str = "\u{E015}";
const UP: &str = "\u{E013}";
const HOME: &str = "\u{E011}";
const END: &str = "\u{E010}";
const ENTER: &str = "\u{E007}";
const BACKSPACE: &str = "\u{E003}";
const DELETE: &str = "\u{E017}";
const ESCAPE: &str = "\u{E00C}";
const SPACE: &str = " ";

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x04, 0x00, 0x00, 0x00, 0xb5, 0x1c, 0x0c,
    0x02, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0x00, 0x00,
    0x00, 0x06, 0x00, 0x02, 0x30, 0x81, 0xd0, 0x2f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

/// An SVG whose script would mark the page if it ran (it must not: it is shown as an image).
const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><script>try { window.top.__svgRan = 1 } catch (e) {} document.documentElement.setAttribute('data-ran', '1')</script><rect width="40" height="20" fill="teal"/></svg>"#;

/// A one-page PDF saying `line`, with a correct cross-reference table.
fn pdf(line: &str) -> Vec<u8> {
    let stream = format!("BT /F1 24 Tf 40 100 Td ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

/// Standard base64 (for what Chrome DevTools returns).
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut out, mut acc, mut bits) = (Vec::new(), 0_u32, 0);
    for v in s.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    out
}

/// Opens an object's details from its row (clicked in script: an upload toast may cover it).
async fn open_details(b: &Browser, key: &str) -> Result {
    b.execute(
        "document.querySelector('a[data-key=' + arguments[0] + ']').click();",
        vec![json!(css_string(key))],
    )
    .await?;
    b.wait_text_eq("[data-testid=details-key]", key).await?;
    Ok(())
}

/// Polls `script` (which returns a value) until `ok` accepts it.
async fn wait_value(
    b: &Browser,
    what: &str,
    script: &str,
    ok: impl Fn(&Value) -> bool,
) -> Result<Value> {
    let start = Instant::now();
    loop {
        let v = b.execute(script, vec![]).await?;
        if ok(&v) {
            return Ok(v);
        }
        if start.elapsed() > Duration::from_secs(20) {
            return Err(format!("waited for {what}; last saw {v}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn previews_an_image_an_svg_the_start_of_a_long_text_a_pdf_and_none_for_a_zip() {
    run("previews", |s| async move {
        let user = "petra";
        let b = s.open(user).await?;
        b.goto_app("/").await?;
        b.sign_in(user).await?;
        let stamp = s.stamp();
        let home = format!("users/{user}/");
        // 12-byte lines: 120,000 bytes, of which the preview shows the first 64 KiB.
        let long: String = (0..10_000).map(|i| format!("line {i:06}\n")).collect();
        let pdf_bytes = pdf(&format!("Hello {stamp}"));
        let names = [
            format!("dot-{stamp}.png"),
            format!("logo-{stamp}.svg"),
            format!("long-{stamp}.txt"),
            format!("paper-{stamp}.pdf"),
            format!("bundle-{stamp}.zip"),
        ];
        let files = vec![
            (names[0].clone(), PNG.to_vec()),
            (names[1].clone(), SVG.as_bytes().to_vec()),
            (names[2].clone(), long.clone().into_bytes()),
            (names[3].clone(), pdf_bytes.clone()),
            (names[4].clone(), b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec()),
        ];
        b.upload_into(&home, &files).await?;

        // The PNG: decoded from a blob: URL made by the app.
        open_details(&b, &format!("{home}{}", names[0])).await?;
        let img = wait_value(
            &b,
            "the PNG preview to load",
            "const i = document.querySelector('[data-testid=preview-image]');
             return i && i.complete ? [i.naturalWidth, i.src.slice(0, 5), i.alt] : null;",
            |v| v[0].as_u64().is_some_and(|w| w > 0),
        )
        .await?;
        assert_eq!(img[0], json!(1), "{img}");
        assert_eq!(img[1], json!("blob:"), "{img}");
        assert_eq!(img[2], json!(format!("Preview of {}", names[0])), "{img}");

        // The SVG: drawn, its script never ran.
        open_details(&b, &format!("{home}{}", names[1])).await?;
        let svg = wait_value(
            &b,
            "the SVG preview to load",
            "const i = document.querySelector('[data-testid=preview-image]');
             return i && i.complete && i.alt.includes('.svg') ? [i.naturalWidth, i.src.slice(0, 5)] : null;",
            |v| v[0].as_u64().is_some_and(|w| w > 0),
        )
        .await?;
        assert_eq!(svg, json!([40, "blob:"]));
        let ran = b.execute("return window.__svgRan || null;", vec![]).await?;
        assert_eq!(ran, Value::Null, "the SVG's script ran");

        // The long text: only the first 64 KiB, as text, with a note that says so.
        open_details(&b, &format!("{home}{}", names[2])).await?;
        let shown = wait_value(
            &b,
            "the text preview",
            "const p = document.querySelector('[data-testid=preview-text]');
             const c = document.querySelector('[data-testid=preview-cut]');
             return p ? [p.textContent, c ? c.textContent : null, p.children.length] : null;",
            |v| v.is_array(),
        )
        .await?;
        let text = shown[0].as_str().unwrap_or_default();
        assert_eq!(text.len(), 64 * 1024, "the preview shows the first 64 KiB");
        assert_eq!(text, &long[..64 * 1024]);
        assert_eq!(shown[2], json!(0), "the text is one text node, no markup");
        let note = shown[1].as_str().unwrap_or_default();
        assert!(
            note.contains("Only the first 64 KB of 117 KB"),
            "the cut note says how much: {note:?}"
        );

        // The PDF: a frame whose document is this PDF, in the browser's viewer.
        open_details(&b, &format!("{home}{}", names[3])).await?;
        let src = wait_value(
            &b,
            "the PDF frame",
            "const f = document.querySelector('[data-testid=preview-pdf]');
             return f ? [f.src, f.title] : null;",
            |v| v.is_array(),
        )
        .await?;
        let src = src[0].as_str().unwrap_or_default().to_owned();
        assert!(src.starts_with("blob:"), "{src}");
        let frame = {
            let start = Instant::now();
            loop {
                let tree = b.cdp("Page.getFrameTree", json!({})).await?;
                let child = tree["frameTree"]["childFrames"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| c["frame"].clone())
                    .find(|f| f["url"] == json!(src));
                if let Some(f) = child.filter(|f| f["mimeType"] == json!("application/pdf")) {
                    break f;
                }
                if start.elapsed() > Duration::from_secs(20) {
                    return Err(format!("no PDF frame at {src}: {tree}").into());
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        let content = b
            .cdp(
                "Page.getResourceContent",
                json!({ "frameId": frame["id"], "url": src }),
            )
            .await?;
        let got = if content["base64Encoded"] == json!(true) {
            base64_decode(content["content"].as_str().unwrap_or_default())
        } else {
            content["content"].as_str().unwrap_or_default().as_bytes().to_vec()
        };
        assert!(got == pdf_bytes, "the frame holds another document ({} bytes)", got.len());
        // The browser's viewer runs a PDF's own scripts; the preview says so beside it.
        b.wait_text(
            "[data-testid=preview-pdf-note]",
            "the note on the PDF viewer's scripts",
            |t| t.contains("runs scripts inside the file"),
        )
        .await?;

        // A ZIP: no preview, a download instead.
        open_details(&b, &format!("{home}{}", names[4])).await?;
        b.wait_text("[data-testid=no-preview]", "to say there is no preview", |t| {
            t.starts_with("There is no preview for this kind of file")
        })
        .await?;
        b.button("Download to open").await?;

        // Nothing above was refused by the Content-Security-Policy, nothing failed.
        b.assert_no_script_errors().await?;
        Ok(())
    })
    .await;
}

/// The id of the row the list's keyboard focus is on, and whether the list has DOM focus;
/// the row's name; whether the row is fully inside the scroll area.
async fn grid_state(b: &Browser) -> Result<Value> {
    b.execute(
        "const g = document.querySelector('.file-scroll');
         const id = g && g.getAttribute('aria-activedescendant');
         const row = id && document.getElementById(id);
         let inView = false;
         if (row) {
           const r = row.getBoundingClientRect(), s = g.getBoundingClientRect();
           inView = r.top >= s.top && r.bottom <= s.bottom + 0.5;
         }
         return { focused: document.activeElement === g, row: id,
                  name: row ? row.querySelector('td.name').innerText.trim() : null,
                  inView, selected: row ? row.getAttribute('aria-selected') : null,
                  rowindex: row ? row.getAttribute('aria-rowindex') : null,
                  rowcount: g && g.getAttribute('aria-rowcount') };",
        vec![],
    )
    .await
}

/// Presses keys on whatever has focus (WebDriver's key actions go to the focused element).
async fn press(b: &Browser, keys: &str) -> Result {
    b.client.active_element().await?.send_keys(keys).await?;
    Ok(())
}

#[tokio::test]
async fn the_file_list_works_from_the_keyboard() {
    run("keyboard", |s| async move {
        let user = "kira";
        let stamp = s.stamp();
        let folder = format!("users/{user}/keys-{stamp}/");
        // 300 files and two sub-folders: 302 rows, the folders first.
        s.env.seed(&folder, 300)?;
        s.env.seed(&format!("{folder}sub/"), 2)?;
        s.env.seed(&format!("{folder}zeta/"), 1)?;
        let b = s.open(user).await?;
        b.goto_app(&format!("/?path={}", query_value(&folder))).await?;
        b.sign_in(user).await?;
        b.wait_css(".file-scroll").await?;
        b.wait_text_eq("[data-testid=item-count]", "302 items").await?;

        // Tab reaches the list (one stop); the first row is the focused one.
        b.button("Refresh").await?;
        b.execute(
            "[...document.querySelectorAll('.listing-toolbar button')].find((e) => e.textContent === 'Refresh').focus();",
            vec![],
        )
        .await?;
        press(&b, "\u{E004}").await?; // Tab
        let st = grid_state(&b).await?;
        assert_eq!(st["focused"], json!(true), "Tab from the toolbar lands on the list: {st}");
        assert_eq!(st["name"], json!("sub"), "{st}");
        assert_eq!(st["rowcount"], json!("303"), "{st}");

        // Down 150 times: far past the rows the page first drew; the row is drawn and in view.
        let first_rows = b.count(".file-table tbody tr:not(.spacer)").await?;
        assert!(first_rows < 150, "only a window of rows is drawn ({first_rows})");
        press(&b, &DOWN.repeat(150)).await?;
        let st = grid_state(&b).await?;
        assert_eq!(st["row"], json!("file-row-150"), "{st}");
        assert_eq!(st["name"], json!("file-000148.txt"), "{st}");
        assert_eq!(st["inView"], json!(true), "{st}");
        assert_eq!(st["rowindex"], json!("152"), "{st}");
        assert_eq!(st["focused"], json!(true), "{st}");
        press(&b, END).await?;
        let st = grid_state(&b).await?;
        assert_eq!(st["name"], json!("file-000299.txt"), "{st}");
        assert_eq!(st["inView"], json!(true), "{st}");
        press(&b, &format!("{HOME}{DOWN}{UP}")).await?;
        let st = grid_state(&b).await?;
        assert_eq!(st["name"], json!("sub"), "{st}");
        assert_eq!(st["inView"], json!(true), "{st}");

        // Enter goes into the second folder; the list there has focus; Backspace comes back,
        // with that folder's row focused.
        press(&b, &format!("{DOWN}{ENTER}")).await?;
        b.wait_text_eq("[aria-current=page]", "zeta").await?;
        b.wait_text_eq("[data-testid=item-count]", "1 item").await?;
        let st = wait_value(&b, "focus on the sub-folder's list", "return document.activeElement && document.activeElement.className;", |v| v == &json!("file-scroll")).await?;
        assert_eq!(st, json!("file-scroll"));
        press(&b, BACKSPACE).await?;
        b.wait_text_eq("[data-testid=item-count]", "302 items").await?;
        let st = wait_value(&b, "focus back on the list", "return document.activeElement && document.activeElement.className;", |v| v == &json!("file-scroll")).await?;
        assert_eq!(st, json!("file-scroll"));
        let st = wait_value(&b, "the folder we came from to be focused", "const g = document.querySelector('.file-scroll'); return g.getAttribute('aria-activedescendant');", |v| v == &json!("file-row-1")).await?;
        assert_eq!(st, json!("file-row-1"));
        let st = grid_state(&b).await?;
        assert_eq!(st["name"], json!("zeta"), "the folder we came from: {st}");

        // Space selects two files; Delete asks about exactly those.
        press(&b, &format!("{DOWN}{SPACE}{DOWN}{SPACE}")).await?;
        let st = grid_state(&b).await?;
        assert_eq!(st["selected"], json!("true"), "{st}");
        b.wait_text_eq("button.button-danger", "Delete selected (2)").await?;
        press(&b, DELETE).await?;
        b.wait_text("dialog.delete-dialog h3", "to ask about 2 objects", |t| {
            t == "Delete 2 objects?"
        })
        .await?;
        let modal = b
            .execute(
                "const d = document.querySelector('dialog.delete-dialog');
                 return [d.open, d.matches(':modal'), d.contains(document.activeElement)];",
                vec![],
            )
            .await?;
        assert_eq!(modal, json!([true, true, true]), "a modal dialog with the focus");
        // Tab stays inside the dialog.
        press(&b, "\u{E004}\u{E004}\u{E004}").await?;
        let inside = b
            .execute(
                "return document.querySelector('dialog.delete-dialog').contains(document.activeElement);",
                vec![],
            )
            .await?;
        assert_eq!(inside, json!(true), "Tab left the dialog");
        // Escape closes it, deletes nothing, and focus is back on the list.
        press(&b, ESCAPE).await?;
        wait_value(&b, "the dialog to close", "return !document.querySelector('dialog.delete-dialog');", |v| v == &json!(true)).await?;
        let st = wait_value(&b, "focus back on the list", "return document.activeElement && document.activeElement.className;", |v| v == &json!("file-scroll")).await?;
        assert_eq!(st, json!("file-scroll"));
        assert_eq!(s.env.keys_under(user, &folder)?.len(), 303);

        // Enter on a file opens its details; Escape closes them and focus comes back.
        press(&b, ENTER).await?;
        b.wait_text_eq("[data-testid=details-key]", &format!("{folder}file-000001.txt"))
            .await?;
        press(&b, ESCAPE).await?;
        wait_value(&b, "the details to close", "return !document.querySelector('.details');", |v| v == &json!(true)).await?;
        let st = wait_value(&b, "focus back on the list", "return document.activeElement && document.activeElement.className;", |v| v == &json!("file-scroll")).await?;
        assert_eq!(st, json!("file-scroll"));

        // A check box clicked with the mouse has focus; the arrows still move the list's row
        // (from the clicked one) and bring focus back to the list.
        b.wait_css("#file-row-4 input[type=checkbox]").await?.click().await?;
        press(&b, DOWN).await?;
        let st = grid_state(&b).await?;
        assert_eq!(st["focused"], json!(true), "{st}");
        assert_eq!(st["row"], json!("file-row-5"), "{st}");

        // Scrolled far away without the keys (as a wheel does): the focused row follows into
        // view, so it is still a drawn row, and the arrows go on from there.
        b.execute("document.querySelector('.file-scroll').scrollTop = 200 * 40;", vec![])
            .await?;
        let st = wait_value(
            &b,
            "the focused row to follow the scroll",
            "const g = document.querySelector('.file-scroll');
             const id = g.getAttribute('aria-activedescendant');
             return id && document.getElementById(id) ? id : null;",
            |v| v.as_str().is_some_and(|id| id != "file-row-5"),
        )
        .await?;
        assert_eq!(st, json!("file-row-200"));
        press(&b, DOWN).await?;
        let st = grid_state(&b).await?;
        assert_eq!(st["row"], json!("file-row-201"), "{st}");
        assert_eq!(st["inView"], json!(true), "{st}");

        b.assert_no_script_errors().await?;
        s.env.unseed(&folder)?;
        Ok(())
    })
    .await;
}

/// What a screen is checked for.
#[derive(Clone, Copy, PartialEq)]
enum Check {
    /// axe-core in the light and the dark theme.
    Axe,
    /// At 375×740: nothing wider than the screen, and these controls on it and not covered.
    Phone,
}

/// Checks one screen; returns the problems found (empty: none).
async fn check_screen(
    b: &Browser,
    check: Check,
    screen: &str,
    controls: &[&str],
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    match check {
        Check::Axe => {
            for dark in [false, true] {
                b.color_scheme(dark).await?;
                let theme = if dark { "dark" } else { "light" };
                let applied = b
                    .execute(
                        "return matchMedia('(prefers-color-scheme: dark)').matches;",
                        vec![],
                    )
                    .await?;
                if applied != json!(dark) {
                    problems.push(format!("{screen}: the {theme} theme could not be emulated"));
                }
                for v in b.axe_violations().await? {
                    eprintln!("axe: {screen} ({theme}): {v}");
                    problems.push(format!("{screen} ({theme}): {v}"));
                }
            }
            b.color_scheme(false).await?;
        }
        Check::Phone => {
            let found = b
                .execute(
                    "const out = [];
                     const w = window.innerWidth;
                     if (w !== 375) out.push('the window is ' + w + ' px wide, not 375: no phone emulation');
                     const page = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
                     if (page > w) out.push('the page is ' + page + ' px wide on a ' + w + ' px screen');
                     for (const sel of arguments[0]) {
                       const el = document.querySelector(sel);
                       if (!el) { out.push(sel + ': missing'); continue; }
                       el.scrollIntoView({ block: 'center', inline: 'nearest' });
                       const r = el.getBoundingClientRect();
                       if (r.width === 0 || r.left < 0 || r.right > w + 0.5)
                         out.push(sel + ': at ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + w);
                       const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 20));
                       if (!hit || !(el === hit || el.contains(hit) || hit.contains(el) || (el.labels && [...el.labels].some((l) => l.contains(hit)))))
                         out.push(sel + ': covered by ' + (hit ? hit.outerHTML.slice(0, 80) : 'nothing'));
                     }
                     return out;",
                    vec![json!(controls)],
                )
                .await?;
            for p in found.as_array().into_iter().flatten() {
                let p = p.as_str().unwrap_or_default();
                eprintln!("phone: {screen}: {p}");
                problems.push(format!("{screen}: {p}"));
            }
        }
    }
    Ok(problems)
}

/// The main screens, one after another, each checked with `check`: signed out, a folder with
/// files and folders, the upload panel with a file in it, the details with a preview, the
/// delete confirmation, an empty folder, and an error.
async fn tour(b: &Browser, user: &str, stamp: &str, check: Check) -> Result<Vec<String>> {
    let folder = format!("users/{user}/tour-{stamp}/");
    b.env.seed(&folder, 5)?;
    b.env.seed(&format!("{folder}pictures/"), 2)?;
    let mut problems = Vec::new();
    let go = |path: String| async move { b.goto_app(&path).await };

    go(format!("/?path={}", query_value(&folder))).await?;
    b.button("Sign in").await?;
    problems.extend(check_screen(b, check, "signed out", &["button.button-primary"]).await?);

    b.sign_in(user).await?;
    b.wait_text_eq("[data-testid=item-count]", "6 items")
        .await?;
    let folder_controls = [
        "label[for=file-input]",
        "label[for=folder-input]",
        ".listing-toolbar > button",
        ".filter-input",
        ".file-scroll",
        ".sort-button",
        ".app-header button",
    ];
    problems.extend(check_screen(b, check, "folder", &folder_controls).await?);
    b.screenshot(&format!("tour-{}-folder.png", b.label()))
        .await?;

    let dir = std::env::temp_dir().join(format!("pail-e2e-tour-{user}-{stamp}"));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("notes.txt");
    std::fs::write(&file, "ready to go\n")?;
    b.wait_css("#file-input")
        .await?
        .send_keys(file.to_str().ok_or("temp path is not UTF-8")?)
        .await?;
    b.wait_css(".upload-item").await?;
    let _ = std::fs::remove_dir_all(&dir);
    problems.extend(
        check_screen(
            b,
            check,
            "upload panel",
            &[".upload-actions .button-primary"],
        )
        .await?,
    );

    open_details(b, &format!("{folder}file-000001.txt")).await?;
    b.wait_css("[data-testid=preview-text]").await?;
    b.screenshot(&format!("tour-{}-details.png", b.label()))
        .await?;
    problems.extend(
        check_screen(
            b,
            check,
            "details with preview",
            &[
                ".details .icon-button",
                ".panel-actions button",
                "[data-testid=preview-text]",
            ],
        )
        .await?,
    );

    b.execute("document.querySelector('.file-scroll').focus();", vec![])
        .await?;
    press(b, &format!("{DOWN}{SPACE}{DELETE}")).await?;
    b.wait_css("[data-testid=confirm-delete]").await?;
    problems.extend(
        check_screen(
            b,
            check,
            "delete confirmation",
            &[
                "[data-testid=confirm-delete]",
                "dialog.delete-dialog .dialog-actions button + button",
            ],
        )
        .await?,
    );
    press(b, ESCAPE).await?;

    go(format!(
        "/?path={}",
        query_value(&format!("{folder}nothing-here/"))
    ))
    .await?;
    b.wait_css(".listing .empty").await?;
    let empty = b.texts(".listing .empty").await?.join(" ");
    if !empty.starts_with("No files here yet — drop files") {
        problems.push(format!("the empty folder says {empty:?}"));
    }
    problems.extend(
        check_screen(
            b,
            check,
            "empty folder",
            &[".listing .empty", "label[for=file-input]"],
        )
        .await?,
    );

    go(format!(
        "/?path={}&key={}",
        query_value(&folder),
        query_value(&format!("{folder}missing.txt"))
    ))
    .await?;
    b.wait_css(".details .notice-error").await?;
    problems.extend(
        check_screen(
            b,
            check,
            "error notice",
            &[".details .notice-error", ".details .icon-button"],
        )
        .await?,
    );

    b.assert_no_script_errors().await?;
    b.env.unseed(&folder)?;
    Ok(problems)
}

#[tokio::test]
async fn axe_finds_no_violations_on_the_main_screens_in_either_theme() {
    run("axe", |s| async move {
        let user = "axel";
        let b = s.open(user).await?;
        // First, that axe sees what it must: a faint text and an input without a label, put in
        // the signed-out page for a moment (through the CSSOM, which the policy allows).
        b.goto_app("/").await?;
        b.button("Sign in").await?;
        b.execute(
            "const p = document.createElement('p'); p.id = 'axe-probe'; p.textContent = 'faint';
             p.style.color = '#bbbbbb'; p.style.background = '#ffffff';
             const i = document.createElement('input'); i.id = 'axe-probe-input';
             document.querySelector('main, body').append(p, i);",
            vec![],
        )
        .await?;
        let seen = b.axe_violations().await?;
        for rule in ["color-contrast", "label"] {
            if !seen.iter().any(|v| v.starts_with(&format!("{rule} "))) {
                return Err(
                    format!("axe did not report the planted {rule} problem: {seen:?}").into(),
                );
            }
        }
        let problems = tour(&b, user, &s.stamp(), Check::Axe).await?;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "axe-core found {} violations:\n{}",
                problems.len(),
                problems.join("\n")
            )
            .into())
        }
    })
    .await;
}

#[tokio::test]
async fn at_phone_width_nothing_scrolls_sideways_and_the_main_actions_are_on_screen() {
    run("phone", |s| async move {
        let user = "phoebe";
        let b = s.open(user).await?;
        b.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": true }),
        )
        .await?;
        let problems = tour(&b, user, &s.stamp(), Check::Phone).await?;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("at 375×740 px:\n{}", problems.join("\n")).into())
        }
    })
    .await;
}
