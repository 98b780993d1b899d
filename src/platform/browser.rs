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

/// Signing in again in a small window, so that the page — and the uploads running in it,
/// whose `File`s a reload would lose — stays. The window lands on the app's `/callback`, hands
/// the callback's query to this page ([`hand_to_opener`]) and closes.
pub mod popup {
    use std::cell::RefCell;
    use std::rc::Rc;

    use futures::channel::oneshot;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{MessageEvent, Window};

    /// The sign-in window's name: the app on `/callback` in a window of this name, opened by
    /// a page of its own origin, hands over instead of signing in itself.
    pub const NAME: &str = "pail-sign-in";
    const FIELD: &str = "pailCallback";

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
        let origin = super::origin();
        let (tx, rx) = oneshot::channel::<Option<String>>();
        let tx = Rc::new(RefCell::new(Some(tx)));
        let on_message = {
            let tx = tx.clone();
            let popup = popup.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                // Only our own origin, only that window.
                let from_popup = e
                    .source()
                    .and_then(|s| s.dyn_into::<Window>().ok())
                    .is_some_and(|w| w == popup);
                if e.origin() != origin || !from_popup {
                    return;
                }
                let query = js_sys::Reflect::get(&e.data(), &FIELD.into())
                    .ok()
                    .and_then(|v| v.as_string());
                if let (Some(query), Some(tx)) = (query, tx.borrow_mut().take()) {
                    let _ = tx.send(Some(query));
                }
            })
        };
        let window = super::window()?;
        window
            .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref())
            .ok()?;
        // Closed without an answer: stop waiting.
        let closed_check = {
            let tx = tx.clone();
            let popup = popup.clone();
            async move {
                loop {
                    super::super::clock::timeout(std::time::Duration::from_millis(500)).await;
                    if tx.borrow().is_none() {
                        return;
                    }
                    if popup.closed().unwrap_or(true) {
                        // A last message may still be queued behind the close.
                        super::super::clock::timeout(std::time::Duration::from_millis(300)).await;
                        if let Some(tx) = tx.borrow_mut().take() {
                            let _ = tx.send(None);
                        }
                        return;
                    }
                }
            }
        };
        wasm_bindgen_futures::spawn_local(closed_check);
        let answer = rx.await.ok().flatten();
        let _ = window
            .remove_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        answer
    }

    /// On `/callback` in the sign-in window: gives the query to the page that opened it and
    /// closes. `false` when this is not such a window (the sign-in then happens here).
    pub fn hand_to_opener() -> bool {
        let Some(window) = super::window() else {
            return false;
        };
        if window.name().ok().as_deref() != Some(NAME) {
            return false;
        }
        let Ok(opener) = window.opener() else {
            return false;
        };
        let Ok(opener) = opener.dyn_into::<Window>() else {
            return false;
        };
        let message = js_sys::Object::new();
        let query = super::search();
        if js_sys::Reflect::set(&message, &FIELD.into(), &query.into()).is_err() {
            return false;
        }
        // Only a page of this origin receives it.
        if opener.post_message(&message, &super::origin()).is_err() {
            return false;
        }
        let _ = window.close();
        true
    }
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

/// Saves `bytes` as a download named `file_name`.
pub fn save_bytes(bytes: &[u8], file_name: &str, content_type: Option<&str>) -> Result<(), String> {
    let err = |e: JsValue| format!("{e:?}");
    let url = object_url(bytes, content_type)?;
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(err)?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // Revoking at once can cancel the download in some browsers; a minute is plenty.
    wasm_bindgen_futures::spawn_local(async move {
        super::clock::timeout(std::time::Duration::from_secs(60)).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
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
