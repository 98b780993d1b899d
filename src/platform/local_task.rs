//! Runs a browser future (not `Send`: it holds `JsValue`s) on the page's event loop and hands
//! back a `Send` future for its result — the shape the AWS SDK requires of connectors and
//! sleeps. The only place this bridging happens.
//!
//! Dropping the returned future aborts the task, which drops the browser future; for a fetch
//! that aborts the request (see `http::fetch`), so SDK timeouts and retries leave nothing
//! running.

use std::future::Future;

use futures::channel::oneshot;
use futures::future::{AbortHandle, Abortable};

/// Starts `task` now; the result arrives through the returned future. `None` when the task was
/// dropped before finishing (it panicked or was aborted).
pub fn run_local<T>(
    task: impl Future<Output = T> + 'static,
) -> impl Future<Output = Option<T>> + Send
where
    T: Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    let (abort, registration) = AbortHandle::new_pair();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(value) = Abortable::new(task, registration).await {
            let _ = tx.send(value);
        }
    });
    let guard = AbortOnDrop(abort);
    async move {
        let result = rx.await.ok();
        drop(guard);
        result
    }
}

struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
