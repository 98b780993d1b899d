//! CRC32 of `Blob` slices in Web Workers (`crc32_worker.js`), so summing a large file never
//! blocks the page and never copies it into wasm memory.
//!
//! The worker script is compiled into the app and started from a `blob:` URL: nothing extra
//! to build or serve (Trunk 0.21 has no worker pipeline for plain scripts), and it works the
//! same in the wasm-bindgen test runner. A site with a Content-Security-Policy must allow
//! `worker-src blob:`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker};

const SOURCE: &str = include_str!("crc32_worker.js");

/// Workers in the pool: parts are summed while others upload, and two cover the rate the
/// network reaches here (bench/README.md); more would only compete for the same cores.
const WORKERS: usize = 2;

type Reply = Result<u32, String>;

struct Inner {
    workers: Vec<Worker>,
    busy: Vec<Cell<usize>>,
    pending: RefCell<HashMap<u32, (usize, oneshot::Sender<Reply>)>>,
    next_id: Cell<u32>,
    // Kept alive as long as the workers: they call it.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

/// A handle on the page's CRC workers; cheap to clone.
#[derive(Clone)]
pub struct CrcPool(Rc<Inner>);

impl std::fmt::Debug for CrcPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrcPool")
            .field("workers", &self.0.workers.len())
            .finish_non_exhaustive()
    }
}

thread_local! {
    static POOL: RefCell<Option<CrcPool>> = const { RefCell::new(None) };
}

impl CrcPool {
    /// The page's pool, started on first use.
    pub fn shared() -> Result<Self, String> {
        if let Some(pool) = POOL.with_borrow(Clone::clone) {
            return Ok(pool);
        }
        let pool = Self::start(WORKERS)?;
        POOL.set(Some(pool.clone()));
        Ok(pool)
    }

    fn start(count: usize) -> Result<Self, String> {
        let err = |e: JsValue| format!("cannot start the checksum worker: {e:?}");
        let options = BlobPropertyBag::new();
        options.set_type("text/javascript");
        let script = Blob::new_with_str_sequence_and_options(
            &js_sys::Array::of1(&JsValue::from_str(SOURCE)),
            &options,
        )
        .map_err(err)?;
        let url = Url::create_object_url_with_blob(&script).map_err(err)?;
        let workers = (0..count)
            .map(|_| Worker::new(&url).map_err(err))
            .collect::<Result<Vec<_>, _>>()?;
        // The URL is not revoked: a worker fetches its script asynchronously after `new`.

        let inner = Rc::new_cyclic(|weak: &std::rc::Weak<Inner>| {
            let weak = weak.clone();
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                if let Some(inner) = weak.upgrade() {
                    inner.answer(&e.data());
                }
            });
            for w in &workers {
                w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            }
            Inner {
                busy: workers.iter().map(|_| Cell::new(0)).collect(),
                workers,
                pending: RefCell::default(),
                next_id: Cell::new(0),
                _on_message: on_message,
            }
        });
        Ok(Self(inner))
    }

    /// The CRC32 of bytes `range` of `blob`, computed by the least busy worker.
    pub async fn crc32(&self, blob: &Blob, range: Range<u64>) -> Result<u32, String> {
        let inner = &self.0;
        let id = inner.next_id.get();
        inner.next_id.set(id.wrapping_add(1));
        let (index, worker) = inner
            .workers
            .iter()
            .enumerate()
            .min_by_key(|(i, _)| inner.busy[*i].get())
            .ok_or("no checksum worker")?;
        let (tx, rx) = oneshot::channel();
        inner.pending.borrow_mut().insert(id, (index, tx));
        inner.busy[index].set(inner.busy[index].get() + 1);
        let _forget = Forget(inner.clone(), id);

        let message = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&message, &k.into(), v);
        #[allow(clippy::cast_precision_loss)] // file offsets are far below 2^53
        let posted = set("id", &id.into())
            .and_then(|_| set("blob", blob))
            .and_then(|_| set("start", &(range.start as f64).into()))
            .and_then(|_| set("end", &(range.end as f64).into()))
            .and_then(|_| worker.post_message(&message));
        posted.map_err(|e| format!("cannot reach the checksum worker: {e:?}"))?;
        rx.await
            .map_err(|_| "the checksum worker stopped".to_owned())?
    }
}

impl Inner {
    fn answer(&self, data: &JsValue) {
        let get = |k: &str| js_sys::Reflect::get(data, &k.into()).unwrap_or(JsValue::UNDEFINED);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // ids and CRCs are u32
        let id = get("id").as_f64().map(|n| n as u32);
        let Some((index, tx)) = id.and_then(|id| self.pending.borrow_mut().remove(&id)) else {
            return;
        };
        self.busy[index].set(self.busy[index].get().saturating_sub(1));
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let reply = match (get("crc").as_f64(), get("error").as_string()) {
            (Some(crc), _) => Ok(crc as u32),
            (None, Some(error)) => Err(error),
            (None, None) => Err("the checksum worker answered nonsense".into()),
        };
        let _ = tx.send(reply);
    }
}

/// Forgets a request whose caller stopped waiting (its upload was cancelled): the worker's
/// answer is then dropped, and the worker counts as free again.
struct Forget(Rc<Inner>, u32);

impl Drop for Forget {
    fn drop(&mut self) {
        if let Some((index, _)) = self.0.pending.borrow_mut().remove(&self.1) {
            self.0.busy[index].set(self.0.busy[index].get().saturating_sub(1));
        }
    }
}
