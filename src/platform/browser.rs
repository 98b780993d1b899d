//! Page state: `sessionStorage`, the address bar, and performance marks.

use wasm_bindgen::{JsCast, JsValue};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// This tab's `sessionStorage` (per tab, cleared when the tab closes).
pub mod session_storage {
    pub fn get(key: &str) -> Option<String> {
        super::window()?
            .session_storage()
            .ok()??
            .get_item(key)
            .ok()?
    }

    pub fn set(key: &str, value: &str) -> bool {
        let Some(storage) = super::window().and_then(|w| w.session_storage().ok().flatten()) else {
            return false;
        };
        storage.set_item(key, value).is_ok()
    }

    /// Reads and deletes, so a value is used once.
    pub fn take(key: &str) -> Option<String> {
        let value = get(key);
        remove(key);
        value
    }

    pub fn remove(key: &str) {
        if let Some(storage) = super::window().and_then(|w| w.session_storage().ok().flatten()) {
            let _ = storage.remove_item(key);
        }
    }
}

/// This origin's `localStorage` (kept across reloads, crashes and tabs): unfinished uploads
/// and upload settings, never secrets.
pub mod local_storage {
    fn storage() -> Option<web_sys::Storage> {
        super::window()?.local_storage().ok()?
    }

    pub fn get(key: &str) -> Option<String> {
        storage()?.get_item(key).ok()?
    }

    pub fn set(key: &str, value: &str) -> bool {
        storage().is_some_and(|s| s.set_item(key, value).is_ok())
    }

    pub fn remove(key: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(key);
        }
    }

    /// Calls `f` with the new value (`None`: removed) whenever *another tab* of this origin
    /// changes `key` (the `storage` event never fires in the tab that made the change). For
    /// the page's lifetime.
    pub fn on_change_elsewhere(key: &'static str, f: impl Fn(Option<String>) + 'static) {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::prelude::*;
        let Some(window) = super::window() else {
            return;
        };
        let field = |e: &web_sys::Event, name: &str| {
            js_sys::Reflect::get(e, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_string())
        };
        let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            // `key` is null when another tab cleared all of localStorage.
            let changed = field(&e, "key");
            if changed.is_none() || changed.as_deref() == Some(key) {
                f(field(&e, "newValue"));
            }
        });
        let _ =
            window.add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
        listener.forget();
    }
}

/// Signing in again without leaving the page, so that the page — and the uploads running in
/// it, whose `File`s a reload would lose — stays: in a small window the user sees ([`popup`]),
/// or silently in a hidden frame ([`frame`], `prompt=none`). Either lands on the app's
/// `/callback`, which hands the callback's query to this page ([`hand_over`]) instead of
/// signing in itself.
pub mod popup {
    use std::time::Duration;

    use web_sys::Window;

    /// The sign-in window's name: the app on `/callback` in a window of this name, opened by
    /// a page of its own origin, hands over instead of signing in itself.
    pub const NAME: &str = "pail-sign-in";

    /// Opens `url` in the sign-in window; `None` when the browser blocked it.
    pub fn open(url: &str) -> Option<Window> {
        super::window()?
            .open_with_url_and_target_and_features(url, NAME, "popup,width=520,height=700")
            .ok()
            .flatten()
    }

    /// The callback query (`?code=…&state=…`) the sign-in window sends; `None` if the user
    /// closed it first.
    pub async fn callback_from(popup: &Window) -> Option<String> {
        let closed = {
            let popup = popup.clone();
            async move {
                while !popup.closed().unwrap_or(true) {
                    super::super::clock::timeout(Duration::from_millis(500)).await;
                }
                // A last message may still be queued behind the close.
                super::super::clock::timeout(Duration::from_millis(300)).await;
            }
        };
        super::callback_message(popup, closed).await
    }
}

/// Silent renewal: the provider's authorization endpoint with `prompt=none` in a hidden frame.
/// The provider answers from its own session cookie with a redirect to `/callback` in the
/// frame. A provider that refuses to be framed, or a browser that withholds the provider's
/// cookies inside another site, gives no answer: the caller then asks the user.
pub mod frame {
    use std::time::Duration;

    use wasm_bindgen::JsCast;
    use web_sys::HtmlIFrameElement;

    /// The frame's name: the app on `/callback` in a frame of this name hands over to its
    /// parent (which is of the same origin: the app's policy allows only itself as a framer).
    pub const NAME: &str = "pail-silent-renewal";

    /// Loads `url` in a hidden frame and returns the callback query it hands over, or `None`
    /// when nothing came within `wait`.
    pub async fn authorize(url: &str, wait: Duration) -> Option<String> {
        let document = super::window()?.document()?;
        let frame: HtmlIFrameElement = document.create_element("iframe").ok()?.dyn_into().ok()?;
        frame.set_name(NAME);
        frame.set_title(NAME);
        frame.set_hidden(true);
        let _ = frame.set_attribute("aria-hidden", "true");
        let _ = frame.set_attribute("tabindex", "-1");
        document.body()?.append_child(&frame).ok()?;
        frame.set_src(url);
        let answer = match frame.content_window() {
            Some(source) => {
                super::callback_message(&source, super::super::clock::timeout(wait)).await
            }
            None => None,
        };
        frame.remove();
        answer
    }
}

const CALLBACK_FIELD: &str = "pailCallback";

/// The callback query `source` (a sign-in window or frame) posts to this page, or `None` once
/// `give_up` completes first. Only messages of this origin from that window count.
async fn callback_message(
    source: &web_sys::Window,
    give_up: impl std::future::Future<Output = ()>,
) -> Option<String> {
    use std::cell::RefCell;
    use std::rc::Rc;

    use futures::channel::oneshot;
    use wasm_bindgen::prelude::*;
    use web_sys::MessageEvent;

    let origin = origin();
    let (tx, rx) = oneshot::channel::<String>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let on_message = {
        let source = source.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            // Compared as objects: a window of another realm (a frame, a popup) is no
            // `instanceof` this page's `Window`, so it cannot be cast to one.
            let from_source = e
                .source()
                .is_some_and(|s| js_sys::Object::is(&s, source.as_ref()));
            if e.origin() != origin || !from_source {
                return;
            }
            let query = js_sys::Reflect::get(&e.data(), &CALLBACK_FIELD.into())
                .ok()
                .and_then(|v| v.as_string());
            if let (Some(query), Some(tx)) = (query, tx.borrow_mut().take()) {
                let _ = tx.send(query);
            }
        })
    };
    let window = window()?;
    window
        .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref())
        .ok()?;
    let answer = match futures::future::select(rx, Box::pin(give_up)).await {
        futures::future::Either::Left((query, _)) => query.ok(),
        futures::future::Either::Right(((), _)) => None,
    };
    let _ =
        window.remove_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    answer
}

/// On `/callback` in the sign-in window or the silent-renewal frame: gives the query to the
/// page that opened it (or holds the frame) and closes the window. `false` when this is
/// neither (the sign-in then happens here).
pub fn hand_over() -> bool {
    let Some(window) = window() else {
        return false;
    };
    let name = window.name().unwrap_or_default();
    let target = if name == popup::NAME {
        // The opener is a window of another realm: not `instanceof` this one's `Window`, so
        // it is taken as one unchecked (a null opener is no object).
        window
            .opener()
            .ok()
            .filter(JsValue::is_object)
            .map(JsCast::unchecked_into::<web_sys::Window>)
    } else if name == frame::NAME {
        window.parent().ok().flatten().filter(|p| *p != window)
    } else {
        None
    };
    let Some(target) = target else {
        return false;
    };
    let message = js_sys::Object::new();
    if js_sys::Reflect::set(&message, &CALLBACK_FIELD.into(), &search().into()).is_err() {
        return false;
    }
    // Only a page of this origin receives it.
    if target.post_message(&message, &origin()).is_err() {
        return false;
    }
    if name == popup::NAME {
        let _ = window.close();
    }
    true
}

/// Adds `policy` as a second Content-Security-Policy (`crate::csp`), when the page has the
/// build's policy (release builds; `trunk serve` pages have none and get none). Returns
/// whether it was added.
pub fn narrow_content_security_policy(policy: &str) -> bool {
    const SELECTOR: &str = "meta[http-equiv=\"Content-Security-Policy\"]";
    let Some(document) = window().and_then(|w| w.document()) else {
        return false;
    };
    let Ok(Some(built)) = document.query_selector(SELECTOR) else {
        return false;
    };
    let Ok(meta) = document.create_element("meta") else {
        return false;
    };
    let _ = meta.set_attribute("http-equiv", "Content-Security-Policy");
    let _ = meta.set_attribute("content", policy);
    let _ = meta.set_attribute("data-narrowed", "");
    built.after_with_node_1(&meta).is_ok()
}

/// The page's origin, e.g. `http://127.0.0.1:8080`.
pub fn origin() -> String {
    window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Path and query of the current URL (what a sign-in should return to).
pub fn path_and_query() -> String {
    let Some(location) = window().map(|w| w.location()) else {
        return "/".into();
    };
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let search = location.search().unwrap_or_default();
    format!("{path}{search}")
}

pub fn pathname() -> String {
    window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default()
}

pub fn search() -> String {
    window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Leaves the app for `url` (the provider's authorization or logout endpoint).
pub fn go_to(url: &str) -> Result<(), String> {
    let location = window().ok_or("no window")?.location();
    location.assign(url).map_err(|e| format!("{e:?}"))
}

/// Leaves the app by submitting a form (method POST) to `action` with `fields`, so what they
/// hold stays out of the address bar, history and access logs.
pub fn post_form(action: &str, fields: &[(String, String)]) -> Result<(), String> {
    let err = |e: JsValue| format!("{e:?}");
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let form: web_sys::HtmlFormElement = document
        .create_element("form")
        .map_err(err)?
        .unchecked_into();
    form.set_method("post");
    form.set_action(action);
    form.set_hidden(true);
    for (name, value) in fields {
        let input: web_sys::HtmlInputElement = document
            .create_element("input")
            .map_err(err)?
            .unchecked_into();
        input.set_type("hidden");
        input.set_name(name);
        input.set_value(value);
        form.append_child(&input).map_err(err)?;
    }
    document
        .body()
        .ok_or("no body")?
        .append_child(&form)
        .map_err(err)?;
    form.submit().map_err(err)
}

/// Records a named moment on the page's performance timeline (read by the benchmark).
pub fn mark(name: &str) {
    if let Some(perf) = window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
}

/// A `blob:` URL of `bytes` with the given type; revoke it with [`revoke_object_url`] when it
/// is no longer shown.
pub fn object_url(bytes: &[u8], content_type: Option<&str>) -> Result<String, String> {
    let err = |e: JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    if let Some(t) = content_type {
        options.set_type(t);
    }
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(err)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(err)
}

pub fn revoke_object_url(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// Opens `url` — a presigned GET answered with `Content-Disposition: attachment` — so the browser
/// downloads it straight to disk; the page stays where it is. (A cross-origin link ignores the
/// `download` attribute: the response header is what makes it a download, and names the file.)
pub fn start_download(url: &str) -> Result<(), String> {
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    a.set_href(url);
    a.set_rel("noopener noreferrer");
    a.click();
    Ok(())
}

/// A file's bytes (the whole file: callers bound the size).
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("the browser could not read the file: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Puts `text` on the clipboard (the setup doctor's "Copy report").
pub async fn copy_text(text: &str) -> Result<(), String> {
    let clipboard = window().ok_or("no window")?.navigator().clipboard();
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text))
        .await
        .map(drop)
        .map_err(|e| {
            e.dyn_ref::<js_sys::Error>()
                .map_or_else(|| format!("{e:?}"), |e| String::from(e.message()))
        })
}

/// A timestamp in the user's locale and time zone.
pub fn local_datetime(epoch_ms: i64) -> String {
    #[allow(clippy::cast_precision_loss)] // ms timestamps are far below 2^53
    let date = js_sys::Date::new(&JsValue::from_f64(epoch_ms as f64));
    String::from(date.to_locale_string("default", &JsValue::UNDEFINED))
}
