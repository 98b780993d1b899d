//! The one place that uses XMLHttpRequest: a PUT whose body is a `Blob` (a slice of the user's
//! file), with upload progress. fetch would send a Blob body just as well, but reports no
//! upload progress; XHR does. The browser streams the Blob from disk: its bytes never enter
//! script or wasm memory. Dropping the future aborts the request.

use futures::channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, ProgressEvent, XmlHttpRequest};

/// What came back, as far as CORS lets the page see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `None` if absent — or not listed in the bucket's `ExposeHeaders`.
    pub etag: Option<String>,
    /// The body, read only for errors (S3's XML).
    pub body: String,
}

/// Headers the browser owns (Fetch standard, "forbidden request-header"); XHR ignores them
/// with a console warning, so they are not even tried.
fn browser_owned(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "host" | "content-length" | "user-agent" | "connection" | "expect" | "transfer-encoding"
    )
}

/// How often a running request is checked for a stall.
const STALL_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// PUTs `body` to `url` with `headers`; `progress` gets the bytes sent so far. `Err` when no
/// HTTP answer came: network down, connection reset, blocked by CORS — the browser does not
/// say which — or stalled: no byte went out and no answer came for `stall` (the request is
/// then aborted; a connection that hangs without closing would otherwise wait forever).
pub async fn put_blob(
    url: &str,
    headers: &[(String, String)],
    body: &Blob,
    progress: &dyn Fn(u64),
    stall: std::time::Duration,
) -> Result<Answer, String> {
    let err = |e: JsValue| format!("{e:?}");
    let xhr = XmlHttpRequest::new().map_err(err)?;
    xhr.open("PUT", url).map_err(err)?;
    for (name, value) in headers {
        if !browser_owned(name) {
            xhr.set_request_header(name, value).map_err(err)?;
        }
    }

    let (tx, rx) = oneshot::channel::<Result<(), String>>();
    let tx = std::rc::Rc::new(std::cell::RefCell::new(Some(tx)));
    let finish = |outcome: Result<(), String>| {
        let tx = tx.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |_| {
            if let Some(tx) = tx.borrow_mut().take() {
                let _ = tx.send(outcome.clone());
            }
        })
    };
    let on_load = finish(Ok(()));
    let on_error = finish(Err(
        "the request failed (network error, or blocked by CORS)".into(),
    ));
    let on_timeout = finish(Err("the request timed out".into()));
    let on_abort = finish(Err("the request was aborted".into()));
    // Progress goes through a channel: the event handler must be `'static`, `progress` is not.
    let (progress_tx, mut progress_rx) = futures::channel::mpsc::unbounded::<f64>();
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        let _ = progress_tx.unbounded_send(e.loaded());
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_ontimeout(Some(on_timeout.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
    let upload = xhr.upload().map_err(err)?;
    upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    // Declared after the handlers, so dropped before them: detach, then free.
    let _guard = AbortOnDrop(xhr.clone());

    xhr.send_with_opt_blob(Some(body)).map_err(err)?;

    // Wait for the end, passing progress on as it comes, and give up on a stalled request.
    use futures::StreamExt;
    use futures::future::{Either, select};
    let mut done = rx;
    let mut last_activity = js_sys::Date::now();
    let mut check = Box::pin(super::clock::timeout(STALL_CHECK));
    let outcome = loop {
        let events = select(&mut done, progress_rx.next());
        match select(events, &mut check).await {
            Either::Left((Either::Left((outcome, _)), _)) => {
                break outcome.unwrap_or_else(|_| Err("the request was dropped".into()));
            }
            Either::Left((Either::Right((Some(loaded), _)), _)) => {
                last_activity = js_sys::Date::now();
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                progress(loaded as u64);
            }
            Either::Left((Either::Right((None, _)), _)) => {
                break (&mut done)
                    .await
                    .unwrap_or_else(|_| Err("the request was dropped".into()));
            }
            Either::Right(((), _)) => {
                if js_sys::Date::now() - last_activity >= stall.as_millis() as f64 {
                    // Dropping the guard below aborts the request.
                    break Err(format!(
                        "the connection stalled: nothing moved for {} s",
                        stall.as_secs()
                    ));
                }
                check = Box::pin(super::clock::timeout(STALL_CHECK));
            }
        }
    };
    outcome?;

    let status = xhr.status().map_err(err)?;
    if status == 0 {
        return Err("the request failed (network error, or blocked by CORS)".into());
    }
    // S3's time, so a part refused for a wrong clock is signed right when retried.
    if let Some(date) = xhr.get_response_header("Date").ok().flatten() {
        super::clock::BrowserClock::observe_date(&date);
    }
    let etag = xhr.get_response_header("ETag").ok().flatten();
    let body = if (200..300).contains(&status) {
        String::new()
    } else {
        xhr.response_text().ok().flatten().unwrap_or_default()
    };
    Ok(Answer { status, etag, body })
}

/// Aborts the request if the future is dropped before it ends; detaches the handlers first,
/// since `abort()` fires events synchronously.
struct AbortOnDrop(XmlHttpRequest);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        let xhr = &self.0;
        xhr.set_onload(None);
        xhr.set_onerror(None);
        xhr.set_ontimeout(None);
        xhr.set_onabort(None);
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(None);
        }
        // Only if it is still running (readyState < DONE).
        if xhr.ready_state() < 4 {
            let _ = xhr.abort();
        }
    }
}
