//! The page's upload queue as reactive state: files offered, their progress, the limits the
//! user sets, the records that let an upload resume after a reload, and the driver that runs
//! each file through the upload engine (`crate::storage::upload`).
//!
//! Browser objects (`File`, the engine's state, cancel handles) live in a local store beside
//! the signals; the signals hold only what the components show.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{Either, select};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use web_sys::File;

use crate::error::AppError;
use crate::format;
use crate::platform::blob_io::BlobIo;
use crate::platform::browser::{self, local_storage};
use crate::platform::clock::BrowserClock;
use crate::platform::files::{self, Offered};
use crate::storage::overwrite::{self, Choice, Write};
use crate::storage::upload::progress::RateMeter;
use crate::storage::upload::record::{Records, ResumeRecord, storage_key};
use crate::storage::upload::{
    DEFAULT_PART_SIZE, FinishedPart, Gate, Limiter, ObjectInfo, Observer, Plan, RetryPolicy,
    Transfer, UploadError, UploadState,
};
use crate::storage::{StorageError, keys, versions};
use crate::text;
use crate::ui::session::Account;
use crate::ui::toast::{Toaster, use_toaster};

const SETTINGS_KEY: &str = "pail.upload.settings";

/// The limits the user sets (kept in `localStorage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Parts on the wire at once, all files together.
    pub parts: usize,
    /// Files in progress at once.
    pub files: usize,
}

impl Limits {
    pub const MAX_PARTS: usize = 12;
    pub const MAX_FILES: usize = 6;

    fn load() -> Self {
        local_storage::get(SETTINGS_KEY)
            .and_then(|j| serde_json::from_str::<Self>(&j).ok())
            .map(Self::clamped)
            .unwrap_or_default()
    }

    pub fn clamped(self) -> Self {
        Self {
            parts: self.parts.clamp(1, Self::MAX_PARTS),
            files: self.files.clamp(1, Self::MAX_FILES),
        }
    }
}

impl Default for Limits {
    /// Four parts at once reach the local S3's limit here (bench/README.md, "Uploads"), as
    /// lib-storage's default does; browsers open at most six connections per host over
    /// HTTP/1.1, so more would only queue.
    fn default() -> Self {
        Self { parts: 4, files: 2 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Chosen, not started.
    Ready,
    /// Started, waiting for a free slot ("files at once").
    Waiting,
    /// Checking the parts S3 holds for a resumed upload against the file.
    Checking,
    Uploading,
    Done,
    Failed(AppError),
    Cancelling,
    Cancelled,
    /// Listing the folder for files with the same name, before anything is sent.
    Looking,
    /// Not uploaded: its name was taken and the user chose to skip it.
    Skipped,
}

impl Status {
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            Self::Waiting | Self::Checking | Self::Uploading | Self::Cancelling
        )
    }
}

/// One file in the queue, as the components show it.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: u64,
    /// The path it was offered under (`folder/a.txt` from a dropped folder).
    pub path: String,
    pub key: String,
    pub size: u64,
    pub status: RwSignal<Status>,
    /// Bytes sent or stored.
    pub sent: RwSignal<u64>,
    pub rate: RwSignal<Option<f64>>,
    /// What is going on beyond the status: a retry, a resume.
    pub note: RwSignal<Option<String>>,
    /// The unfinished upload this file continues, if one was found for it.
    pub resumes: RwSignal<Option<String>>,
    /// Part requests that carried bytes, and stored parts kept (for the curious and the tests).
    pub requests: RwSignal<u32>,
}

/// What only the page's thread may hold.
struct Job {
    file: File,
    state: Option<UploadState>,
    cancel: Option<oneshot::Sender<()>>,
    /// The user chose to replace what is at the key.
    replace: bool,
}

/// Files of a batch whose names are taken, waiting for the user's one answer
/// ([`Uploads::answer`]).
#[derive(Debug, Clone)]
pub struct Question {
    /// The batch: every file that was about to start, in order, and its key.
    batch: Vec<(u64, String)>,
    existing: HashSet<String>,
    /// The names (as offered) of the files whose names are taken.
    pub taken: Vec<String>,
    /// The bucket keeps versions: a replaced file can be restored.
    pub versioned: bool,
    description: String,
    content_type: String,
}

struct Local {
    account: Arc<Account>,
    parts: Limiter,
    files: Limiter,
    gate: Gate<UploadError>,
    jobs: HashMap<u64, Job>,
    next_id: u64,
    meter: RateMeter,
}

/// Handle on the queue; `Copy`, from context via [`use_uploads`].
#[derive(Clone, Copy)]
pub struct Uploads {
    pub items: RwSignal<Vec<Item>>,
    pub limits: RwSignal<Limits>,
    /// Set while every upload waits for a new sign-in.
    pub paused: RwSignal<Option<AppError>>,
    /// All files together, bytes per second.
    pub rate: RwSignal<Option<f64>>,
    /// Bumped when a file lands or an unfinished upload is created, completed or aborted.
    pub changed: RwSignal<u32>,
    /// A batch waits for the answer to "replace, keep both or skip?".
    pub question: RwSignal<Option<Question>>,
    local: StoredValue<Rc<RefCell<Local>>, LocalStorage>,
    on_uploaded: StoredValue<Option<Callback<()>>>,
    toaster: Toaster,
}

pub fn provide_uploads(account: Arc<Account>) -> Uploads {
    let limits = Limits::load();
    let uploads = Uploads {
        items: RwSignal::new(Vec::new()),
        limits: RwSignal::new(limits),
        paused: RwSignal::new(None),
        rate: RwSignal::new(None),
        changed: RwSignal::new(0),
        question: RwSignal::new(None),
        local: StoredValue::new_local(Rc::new(RefCell::new(Local {
            account,
            parts: Limiter::new(limits.parts),
            files: Limiter::new(limits.files),
            gate: Gate::default(),
            jobs: HashMap::new(),
            next_id: 0,
            meter: RateMeter::default(),
        }))),
        on_uploaded: StoredValue::new(None),
        toaster: use_toaster(),
    };
    provide_context(uploads);
    uploads
}

pub fn use_uploads() -> Uploads {
    expect_context::<Uploads>()
}

fn now_ms() -> u64 {
    BrowserClock::now_ms()
}

impl Uploads {
    fn local(&self) -> Rc<RefCell<Local>> {
        self.local.get_value()
    }

    fn account(&self) -> Arc<Account> {
        self.local().borrow().account.clone()
    }

    /// Called after each file lands (to list the folder again).
    pub fn on_uploaded(&self, callback: Callback<()>) {
        self.on_uploaded.set_value(Some(callback));
    }

    pub fn set_limits(&self, limits: Limits) {
        let limits = limits.clamped();
        self.limits.set(limits);
        let local = self.local();
        let local = local.borrow();
        local.parts.set_limit(limits.parts);
        local.files.set_limit(limits.files);
        if let Ok(json) = serde_json::to_string(&limits) {
            local_storage::set(SETTINGS_KEY, &json);
        }
    }

    // ------------------------------------------------------------------ resume records

    fn records_key(&self) -> String {
        let account = self.account();
        storage_key(account.storage.bucket(), account.storage.home())
    }

    pub fn records(&self) -> Records {
        local_storage::get(&self.records_key())
            .map(|j| Records::from_json(&j))
            .unwrap_or_default()
    }

    fn update_records(&self, change: impl FnOnce(&mut Records)) {
        let mut records = self.records();
        change(&mut records);
        let key = self.records_key();
        if records.0.is_empty() {
            local_storage::remove(&key);
        } else {
            local_storage::set(&key, &records.to_json());
        }
    }

    /// Forgets an unfinished upload (aborted, or gone from S3).
    pub fn forget(&self, upload_id: &str) {
        self.update_records(|r| r.remove(upload_id));
    }

    /// Upload ids of the uploads running in this page (not "abandoned").
    pub fn active_upload_ids(&self) -> Vec<String> {
        let local = self.local();
        let local = local.borrow();
        let mut ids: Vec<String> = local
            .jobs
            .values()
            .filter_map(|j| j.state.as_ref()?.upload_id.clone())
            .collect();
        ids.extend(
            self.items
                .get_untracked()
                .iter()
                .filter(|i| i.status.get_untracked().is_active())
                .filter_map(|i| i.resumes.get_untracked()),
        );
        ids
    }

    // ------------------------------------------------------------------ the queue

    /// Adds files offered in `folder`. A file that matches an unfinished upload of the same
    /// key (name, size, last-modified time) will continue it.
    pub fn add(&self, offered: Vec<Offered>, folder: &str) -> Vec<AppError> {
        let records = self.records();
        let bucket = self.account().storage.bucket().to_owned();
        let mut errors = Vec::new();
        for Offered { file, path } in offered {
            let key = match keys::upload_key(folder, &path) {
                Ok(key) => key,
                Err(e) => {
                    errors.push(StorageError::from(e).into());
                    continue;
                }
            };
            let resumes = records
                .find(&bucket, &key, &files::fingerprint(&file))
                .map(|r| r.upload_id.clone());
            self.push(file, path, key, resumes);
        }
        errors
    }

    /// Adds a file to continue the unfinished upload `record` (whatever folder is open).
    pub fn add_resume(&self, file: File, record: &ResumeRecord) {
        self.update_records(|r| r.upsert(record.clone()));
        let path = keys::file_name(&record.key).to_owned();
        self.push(
            file,
            path,
            record.key.clone(),
            Some(record.upload_id.clone()),
        );
    }

    fn push(&self, file: File, path: String, key: String, resumes: Option<String>) {
        let local = self.local();
        let mut local = local.borrow_mut();
        let id = local.next_id;
        local.next_id += 1;
        let size = files::size(&file);
        self.items.update(|items| {
            items.push(Item {
                id,
                path,
                key,
                size,
                status: RwSignal::new(Status::Ready),
                sent: RwSignal::new(0),
                rate: RwSignal::new(None),
                note: RwSignal::new(resumes.as_ref().map(|_| text::CONTINUES_UNFINISHED.into())),
                resumes: RwSignal::new(resumes),
                requests: RwSignal::new(0),
            });
        });
        local.jobs.insert(
            id,
            Job {
                file,
                state: None,
                cancel: None,
                replace: false,
            },
        );
    }

    fn item(&self, id: u64) -> Option<Item> {
        self.items
            .with_untracked(|items| items.iter().find(|i| i.id == id).cloned())
    }

    /// Starts every file that is ready, with this description and content type — after
    /// asking once for the batch what to do where a name is taken.
    pub fn start_ready(&self, description: &str, content_type: &str) {
        let ready: Vec<Item> = self.items.with_untracked(|items| {
            items
                .iter()
                .filter(|i| i.status.get_untracked() == Status::Ready)
                .cloned()
                .collect()
        });
        self.check_then_start(ready, description.to_owned(), content_type.to_owned());
    }

    /// Tries a failed file again, from the parts already stored. One refused because its name
    /// was taken meanwhile asks the question again.
    pub fn retry(&self, id: u64) {
        let Some(item) = self.item(id) else { return };
        let taken_meanwhile = matches!(
            item.status.get_untracked(),
            Status::Failed(AppError::Upload(UploadError::Storage(
                StorageError::Exists { .. }
            )))
        );
        if taken_meanwhile {
            self.check_then_start(vec![item], String::new(), String::new());
        } else {
            self.start(&item, "", "");
        }
    }

    /// Lists the folders of `batch` for names that are taken; starts the batch at once when
    /// none is, else asks (`question`) and waits for [`Uploads::answer`].
    fn check_then_start(&self, batch: Vec<Item>, description: String, content_type: String) {
        if batch.is_empty() {
            return;
        }
        for item in &batch {
            item.status.set(Status::Looking);
        }
        let uploads = *self;
        spawn_local(async move {
            let storage = uploads.account().storage.clone();
            let keys: Vec<String> = batch.iter().map(|i| i.key.clone()).collect();
            let existing = match storage.existing_keys(&overwrite::folders_of(&keys)).await {
                Ok(found) => found,
                Err(e) => {
                    let error = AppError::from(e);
                    uploads.toaster.error(&error);
                    for item in &batch {
                        item.status.set(Status::Failed(error.clone()));
                    }
                    return;
                }
            };
            let taken = overwrite::taken(&keys, &existing);
            let Some(&first) = taken.first() else {
                uploads.apply(
                    &batch,
                    &keys,
                    &existing,
                    Choice::Skip,
                    &description,
                    &content_type,
                );
                return;
            };
            // Whether a replace can be undone: the bucket keeps versions when HeadObject
            // names one (no extra permission needed).
            let versioned = storage
                .head(&keys[first])
                .await
                .is_ok_and(|m| versions::is_versioned(m.version_id.as_deref()));
            uploads.question.set(Some(Question {
                batch: batch.iter().map(|i| (i.id, i.key.clone())).collect(),
                taken: taken.iter().map(|&i| batch[i].path.clone()).collect(),
                existing,
                versioned,
                description,
                content_type,
            }));
        });
    }

    /// The user's answer to the question: `None` puts the batch back as it was (nothing is
    /// sent).
    pub fn answer(&self, choice: Option<Choice>) {
        let Some(question) = self.question.get_untracked() else {
            return;
        };
        self.question.set(None);
        let batch: Vec<Item> = question
            .batch
            .iter()
            .filter_map(|(id, _)| self.item(*id))
            .collect();
        let Some(choice) = choice else {
            for item in &batch {
                item.status.set(Status::Ready);
            }
            return;
        };
        let keys: Vec<String> = batch.iter().map(|i| i.key.clone()).collect();
        self.apply(
            &batch,
            &keys,
            &question.existing,
            choice,
            &question.description,
            &question.content_type,
        );
    }

    /// Starts each file of `batch` as `choice` makes of it (see [`overwrite::resolve`]).
    fn apply(
        &self,
        batch: &[Item],
        keys: &[String],
        existing: &HashSet<String>,
        choice: Choice,
        description: &str,
        content_type: &str,
    ) {
        let mut skipped = 0;
        for (item, write) in batch.iter().zip(overwrite::resolve(keys, existing, choice)) {
            match write {
                Write::Skip => {
                    skipped += 1;
                    item.status.set(Status::Skipped);
                    item.note.set(None);
                    let job = self.local().borrow_mut().jobs.remove(&item.id);
                    // A multipart upload refused at its end holds parts: they go.
                    if let Some(mut state) = job.and_then(|j| j.state)
                        && state.upload_id.is_some()
                    {
                        let uploads = *self;
                        spawn_local(async move {
                            let _ = uploads.abort_state(&mut state).await;
                            uploads.changed.update(|n| *n += 1);
                        });
                    }
                }
                Write::To { key, replace } => {
                    let item = self.retarget(item, key, replace);
                    self.start(&item, description, content_type);
                }
            }
        }
        if skipped > 0 {
            self.toaster.success(text::skipped(skipped));
        }
    }

    /// Points `item` at `key` (the same, or a free name for "keep both") and records whether
    /// it may replace what is there. Parts already stored for another key are aborted, and
    /// the file starts again at the new one with the same type and metadata.
    fn retarget(&self, item: &Item, key: String, replace: bool) -> Item {
        let stale = {
            let local = self.local();
            let mut local = local.borrow_mut();
            let Some(job) = local.jobs.get_mut(&item.id) else {
                return item.clone();
            };
            job.replace = replace;
            job.state.as_mut().and_then(|state| {
                state.object.if_absent = !replace;
                if state.object.key == key {
                    return None;
                }
                // Type and metadata stay; parts stored for the old key do not.
                let stale = state.upload_id.is_some().then(|| state.clone());
                state.object.key.clone_from(&key);
                state.upload_id = None;
                state.finished.clear();
                state.stored_unchecked = false;
                stale
            })
        };
        if let Some(mut stale) = stale {
            let uploads = *self;
            spawn_local(async move {
                let _ = uploads.abort_state(&mut stale).await;
                uploads.changed.update(|n| *n += 1);
            });
        }
        if key == item.key {
            return item.clone();
        }
        // Only the last segment changed: the path as offered keeps its folders.
        let old_name = keys::file_name(&item.key);
        let new_name = keys::file_name(&key);
        let path = format!(
            "{}{new_name}",
            item.path.strip_suffix(old_name).unwrap_or_default()
        );
        // A resumed upload belonged to the old key.
        item.resumes.set(None);
        item.note.set(None);
        self.items.update(|items| {
            if let Some(i) = items.iter_mut().find(|i| i.id == item.id) {
                i.key.clone_from(&key);
                i.path.clone_from(&path);
            }
        });
        Item {
            key,
            path,
            ..item.clone()
        }
    }

    /// Stops a file: a running upload is aborted in S3, so nothing is left behind.
    pub fn cancel(&self, id: u64) {
        let Some(item) = self.item(id) else { return };
        let local = self.local();
        let mut local = local.borrow_mut();
        let Some(job) = local.jobs.get_mut(&id) else {
            return;
        };
        if let Some(cancel) = job.cancel.take() {
            // The running task aborts the upload in S3 and reports.
            let _ = cancel.send(());
            return;
        }
        // Not running: abort what a failed attempt left, if anything.
        let state = job.state.take();
        drop(local);
        match state {
            Some(mut state) if state.upload_id.is_some() => {
                item.status.set(Status::Cancelling);
                let uploads = *self;
                spawn_local(async move {
                    let result = uploads.abort_state(&mut state).await;
                    uploads.finish_cancel(&item, &state, result);
                });
            }
            _ => item.status.set(Status::Cancelled),
        }
    }

    /// Removes a finished, failed or cancelled file from the list.
    pub fn remove(&self, id: u64) {
        self.items.update(|items| items.retain(|i| i.id != id));
        self.local().borrow_mut().jobs.remove(&id);
    }

    pub fn clear_finished(&self) {
        let gone: Vec<u64> = self.items.with_untracked(|items| {
            items
                .iter()
                .filter(|i| {
                    matches!(
                        i.status.get_untracked(),
                        Status::Done | Status::Cancelled | Status::Skipped
                    )
                })
                .map(|i| i.id)
                .collect()
        });
        for id in gone {
            self.remove(id);
        }
    }

    /// Lets every paused upload go on, after a new sign-in.
    pub fn resume_after_sign_in(&self) {
        self.paused.set(None);
        self.local().borrow().gate.open();
    }

    fn start(&self, item: &Item, description: &str, content_type: &str) {
        let status = item.status.get_untracked();
        if status.is_active() || status == Status::Done {
            return;
        }
        // Nothing may stay borrowed while the state is built: that reads the records, which
        // borrows the store again.
        let taken = {
            let local = self.local();
            let mut local = local.borrow_mut();
            local
                .jobs
                .get_mut(&item.id)
                .map(|job| (job.file.clone(), job.state.take(), job.replace))
        };
        let Some((file, state, replace)) = taken else {
            return;
        };
        let state = match state {
            Some(state) => Ok(state),
            None => self.new_state(item, &file, description, content_type, replace),
        };
        let mut state = match state {
            Ok(state) => state,
            Err(e) => {
                item.status.set(Status::Failed(e));
                return;
            }
        };
        let (cancel_tx, cancel_rx) = oneshot::channel();
        if let Some(job) = self.local().borrow_mut().jobs.get_mut(&item.id) {
            job.cancel = Some(cancel_tx);
        }

        item.status.set(Status::Waiting);
        item.rate.set(None);
        let uploads = *self;
        let item = item.clone();
        spawn_local(async move {
            let outcome = uploads.run(&item, file, &mut state, cancel_rx).await;
            uploads.finish(&item, state, outcome).await;
        });
    }

    fn new_state(
        &self,
        item: &Item,
        file: &File,
        description: &str,
        content_type: &str,
        replace: bool,
    ) -> Result<UploadState, AppError> {
        if let Some(upload_id) = item.resumes.get_untracked()
            && let Some(record) = self.records().get(&upload_id).cloned()
        {
            // The upload's type and metadata were fixed when it was created.
            let object = ObjectInfo {
                key: record.key.clone(),
                content_type: record.content_type.clone(),
                metadata: record.metadata.clone(),
                if_absent: !(record.replace || replace),
            };
            return Ok(
                UploadState::resume(object, item.size, record.part_size, upload_id)
                    .map_err(UploadError::from)?,
            );
        }
        let content_type = Some(content_type.trim().to_owned())
            .filter(|t| !t.is_empty())
            .or_else(|| Some(file.type_()).filter(|t| !t.is_empty()));
        let mut metadata = std::collections::BTreeMap::new();
        if !description.trim().is_empty() {
            metadata.insert("description".to_owned(), description.trim().to_owned());
        }
        let object = ObjectInfo {
            key: item.key.clone(),
            content_type,
            metadata,
            if_absent: !replace,
        };
        Ok(UploadState::new(object, item.size, DEFAULT_PART_SIZE).map_err(UploadError::from)?)
    }

    /// Runs one file: waits for a slot, uploads; `None` if cancelled meanwhile.
    async fn run(
        &self,
        item: &Item,
        file: File,
        state: &mut UploadState,
        cancel: oneshot::Receiver<()>,
    ) -> Option<Result<crate::storage::upload::Done, UploadError>> {
        let (account, parts, files, gate) = {
            let local = self.local();
            let l = local.borrow();
            (
                l.account.clone(),
                l.parts.clone(),
                l.files.clone(),
                l.gate.clone(),
            )
        };
        let mut cancel = cancel;
        let permit = match select(pin!(files.acquire()), &mut cancel).await {
            Either::Left((permit, _)) => permit,
            Either::Right(_) => return None,
        };
        item.status.set(if state.stored_unchecked {
            Status::Checking
        } else {
            Status::Uploading
        });
        let fingerprint = files::fingerprint(&file);
        let io = match BlobIo::new(file.into()) {
            Ok(io) => io,
            Err(e) => return Some(Err(UploadError::Unreadable(e))),
        };
        let origin = browser::origin();
        let transfer = Transfer {
            origin: &origin,
            storage: &account.storage,
            io: &io,
            parts: &parts,
            gate: &gate,
            retry: RetryPolicy {
                random: fastrand::f64,
                ..RetryPolicy::default()
            },
        };
        let observer = ItemObserver {
            uploads: *self,
            item: item.clone(),
            meter: RefCell::default(),
            object: state.object.clone(),
            file: fingerprint,
            retrying: std::cell::Cell::new(None),
        };
        let result = match select(pin!(transfer.upload(state, &observer)), cancel).await {
            Either::Left((result, _)) => Some(result),
            Either::Right(_) => None,
        };
        drop(permit);
        result
    }

    async fn finish(
        &self,
        item: &Item,
        mut state: UploadState,
        outcome: Option<Result<crate::storage::upload::Done, UploadError>>,
    ) {
        if let Some(job) = self.local().borrow_mut().jobs.get_mut(&item.id) {
            job.cancel = None;
        }
        item.rate.set(None);
        match outcome {
            Some(Ok(done)) => {
                if let Some(id) = item.resumes.get_untracked() {
                    self.forget(&id);
                }
                if let Some(id) = &state.upload_id {
                    self.forget(id);
                }
                item.requests.set(done.requests);
                item.sent.set(item.size);
                item.note
                    .set((done.reused > 0).then(|| text::parts_reused(done.reused)));
                item.status.set(Status::Done);
                self.local().borrow_mut().jobs.remove(&item.id);
                self.changed.update(|n| *n += 1);
                if let Some(cb) = self.on_uploaded.get_value() {
                    cb.run(());
                }
                self.toaster
                    .success(text::uploaded(keys::file_name(&item.key)));
            }
            Some(Err(error)) => {
                if state.upload_id.is_none()
                    && let Some(id) = item.resumes.get_untracked()
                {
                    // The upload it continued is gone; a retry starts over.
                    self.forget(&id);
                    item.resumes.set(None);
                }
                let error = AppError::Upload(error);
                self.toaster.error(&error);
                item.status.set(Status::Failed(error));
                if let Some(job) = self.local().borrow_mut().jobs.get_mut(&item.id) {
                    job.state = Some(state);
                }
            }
            None => {
                item.status.set(Status::Cancelling);
                let result = self.abort_state(&mut state).await;
                self.finish_cancel(item, &state, result);
            }
        }
    }

    async fn abort_state(&self, state: &mut UploadState) -> Result<(), UploadError> {
        let (account, parts, gate) = {
            let local = self.local();
            let l = local.borrow();
            (l.account.clone(), l.parts.clone(), l.gate.clone())
        };
        let origin = browser::origin();
        let io = NoBytes;
        let transfer = Transfer {
            origin: &origin,
            storage: &account.storage,
            io: &io,
            parts: &parts,
            gate: &gate,
            retry: RetryPolicy::default(),
        };
        let upload_id = state.upload_id.clone();
        let result = transfer.cancel(state).await;
        if result.is_ok()
            && let Some(id) = upload_id
        {
            self.forget(&id);
        }
        result
    }

    fn finish_cancel(&self, item: &Item, state: &UploadState, result: Result<(), UploadError>) {
        match result {
            Ok(()) => {
                if let Some(id) = item.resumes.get_untracked() {
                    self.forget(&id);
                }
                item.status.set(Status::Cancelled);
                item.note.set(None);
                self.local().borrow_mut().jobs.remove(&item.id);
            }
            Err(e) => {
                item.status.set(Status::Failed(AppError::Upload(e)));
                if let Some(job) = self.local().borrow_mut().jobs.get_mut(&item.id) {
                    job.state = Some(state.clone());
                }
            }
        }
        self.changed.update(|n| *n += 1);
    }

    fn record_progress(&self) {
        let sent: u64 = self
            .items
            .with_untracked(|items| items.iter().map(|i| i.sent.get_untracked()).sum());
        let rate = {
            let local = self.local();
            let mut l = local.borrow_mut();
            l.meter.record(now_ms(), sent);
            l.meter.bytes_per_sec()
        };
        self.rate.set(rate);
    }
}

/// The byte mover for an abort: no bytes move.
struct NoBytes;

impl crate::storage::upload::PartIo for NoBytes {
    async fn crc32(&self, _range: std::ops::Range<u64>) -> Result<u32, String> {
        Err("nothing to read".into())
    }
    async fn send(
        &self,
        _request: &crate::storage::upload::SignedRequest,
        _range: std::ops::Range<u64>,
        _progress: &dyn Fn(u64),
    ) -> Result<crate::storage::upload::HttpAnswer, String> {
        Err("nothing to send".into())
    }
    async fn sleep(&self, duration: Duration) {
        crate::platform::clock::timeout(duration).await;
    }
}

/// Passes the engine's news to one item's signals and keeps the resume record up to date.
struct ItemObserver {
    uploads: Uploads,
    item: Item,
    meter: RefCell<RateMeter>,
    object: ObjectInfo,
    file: crate::storage::upload::record::Fingerprint,
    /// The part the note says is being retried.
    retrying: std::cell::Cell<Option<u32>>,
}

impl Observer for ItemObserver {
    fn started(&self, upload_id: &str, plan: &Plan) {
        let Plan::Multipart { part_size, .. } = *plan else {
            return;
        };
        let account = self.uploads.account();
        let record = ResumeRecord {
            bucket: account.storage.bucket().to_owned(),
            key: self.object.key.clone(),
            upload_id: upload_id.to_owned(),
            file: self.file.clone(),
            part_size,
            first_part_crc32: None,
            content_type: self.object.content_type.clone(),
            metadata: self.object.metadata.clone(),
            replace: !self.object.if_absent,
            started_ms: now_ms(),
        };
        self.uploads.update_records(|r| r.upsert(record));
        self.item.resumes.set(Some(upload_id.to_owned()));
        self.uploads.changed.update(|n| *n += 1);
    }

    fn progress(&self, bytes: u64) {
        self.item.sent.set(bytes);
        if self.item.status.get_untracked() == Status::Checking {
            self.item.status.set(Status::Uploading);
        }
        let rate = {
            let mut meter = self.meter.borrow_mut();
            meter.record(now_ms(), bytes);
            meter.bytes_per_sec()
        };
        self.item.rate.set(rate);
        self.uploads.record_progress();
    }

    fn part_stored(&self, part: &FinishedPart) {
        self.item.requests.update(|n| *n += 1);
        if self.retrying.get() == Some(part.number) {
            self.retrying.set(None);
            self.item.note.set(None);
        }
        if part.number == 1
            && let Some(upload_id) = self.item.resumes.get_untracked()
        {
            let crc = part.crc32;
            self.uploads.update_records(|records| {
                if let Some(mut r) = records.get(&upload_id).cloned() {
                    r.first_part_crc32 = Some(crc);
                    records.upsert(r);
                }
            });
        }
    }

    fn verified(&self, kept: u32, resend: u32) {
        self.item.status.set(Status::Uploading);
        self.item.note.set(Some(text::continuing(kept, resend)));
    }

    fn retrying(&self, part: u32, attempt: u32, error: &StorageError, wait: Duration) {
        self.retrying.set(Some(part));
        let why = AppError::Storage(error.clone()).explain().title;
        self.item.note.set(Some(text::part_retrying(
            part,
            &why,
            &format::duration_secs(wait.as_secs().max(1)),
            attempt + 1,
            RetryPolicy::default().attempts,
        )));
    }

    fn paused(&self, reason: &UploadError) {
        self.uploads
            .paused
            .set(Some(AppError::Upload(reason.clone())));
    }
}
