//! What the page remembers about unfinished multipart uploads, so that after a reload or a
//! crash the same file, offered again, continues instead of starting over.
//!
//! A record names the upload (bucket, key, upload id) and the file it was started with — its
//! name, size and last-modified time, and the CRC32 of its first part once known. S3 itself
//! keeps the parts and their checksums (ListParts); when the upload resumes, every stored part
//! is checked against the offered file before it is kept (`engine`). Records hold no secret:
//! an upload id is useless without credentials for the key.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The browser's description of a file: enough to recognise it when offered again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub name: String,
    pub size: u64,
    /// `File.lastModified`, milliseconds since the epoch.
    pub last_modified_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeRecord {
    pub bucket: String,
    pub key: String,
    pub upload_id: String,
    pub file: Fingerprint,
    pub part_size: u64,
    /// CRC32 of part 1 of the file, once it has been sent.
    #[serde(default)]
    pub first_part_crc32: Option<u32>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The user chose to replace whatever is at the key; otherwise the upload completes only
    /// where no object is (records from before this field: not chosen).
    #[serde(default)]
    pub replace: bool,
    pub started_ms: u64,
}

/// Every record of one user and bucket, as kept in `localStorage` (see [`storage_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Records(pub Vec<ResumeRecord>);

/// The `localStorage` key for a user's records in a bucket: per bucket and home prefix, so
/// two people sharing a browser do not see each other's.
pub fn storage_key(bucket: &str, home: &str) -> String {
    format!("pail.uploads.v1.{bucket}.{home}")
}

impl Records {
    /// Parses what was stored; anything unreadable counts as no records (it is only a
    /// convenience: S3 still lists the uploads, and they can be aborted from there).
    pub fn from_json(json: &str) -> Self {
        Self(serde_json::from_str(json).unwrap_or_default())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".into())
    }

    /// Adds `record`, replacing one for the same upload id.
    pub fn upsert(&mut self, record: ResumeRecord) {
        self.0.retain(|r| r.upload_id != record.upload_id);
        self.0.push(record);
    }

    pub fn remove(&mut self, upload_id: &str) {
        self.0.retain(|r| r.upload_id != upload_id);
    }

    pub fn get(&self, upload_id: &str) -> Option<&ResumeRecord> {
        self.0.iter().find(|r| r.upload_id == upload_id)
    }

    /// The unfinished upload of this file to this key, if there is one: same name, size and
    /// last-modified time. The newest wins if there are several.
    pub fn find(&self, bucket: &str, key: &str, file: &Fingerprint) -> Option<&ResumeRecord> {
        self.0
            .iter()
            .filter(|r| r.bucket == bucket && r.key == key && &r.file == file)
            .max_by_key(|r| r.started_ms)
    }

    /// Forgets records whose upload S3 no longer lists (completed or aborted elsewhere).
    pub fn retain_listed<'a>(&mut self, listed: impl IntoIterator<Item = &'a str>) {
        let listed: std::collections::HashSet<&str> = listed.into_iter().collect();
        self.0.retain(|r| listed.contains(r.upload_id.as_str()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: u64, modified: i64) -> Fingerprint {
        Fingerprint {
            name: name.into(),
            size,
            last_modified_ms: modified,
        }
    }

    fn record(id: &str, key: &str, f: Fingerprint, started: u64) -> ResumeRecord {
        ResumeRecord {
            bucket: "b".into(),
            key: key.into(),
            upload_id: id.into(),
            file: f,
            part_size: 16 << 20,
            first_part_crc32: None,
            content_type: Some("video/mp4".into()),
            metadata: BTreeMap::from([("description".into(), "ünïcode".into())]),
            replace: false,
            started_ms: started,
        }
    }

    #[test]
    fn round_trip_and_junk() {
        let mut r = Records::default();
        r.upsert(record("u1", "users/a/x.mp4", file("x.mp4", 10, 5), 1));
        let back = Records::from_json(&r.to_json());
        assert_eq!(back, r);
        assert_eq!(Records::from_json("{not json"), Records::default());
        assert_eq!(Records::from_json(""), Records::default());
    }

    #[test]
    fn a_file_matches_by_key_name_size_and_modification_time() {
        let f = file("x.mp4", 100, 5);
        let mut r = Records::default();
        r.upsert(record("old", "users/a/x.mp4", f.clone(), 1));
        r.upsert(record("new", "users/a/x.mp4", f.clone(), 2));
        r.upsert(record("elsewhere", "users/a/other/x.mp4", f.clone(), 3));
        assert_eq!(
            r.find("b", "users/a/x.mp4", &f)
                .map(|x| x.upload_id.as_str()),
            Some("new")
        );
        assert!(
            r.find("b", "users/a/x.mp4", &file("x.mp4", 101, 5))
                .is_none()
        );
        assert!(
            r.find("b", "users/a/x.mp4", &file("x.mp4", 100, 6))
                .is_none()
        );
        assert!(
            r.find("b", "users/a/x.mp4", &file("y.mp4", 100, 5))
                .is_none()
        );
        assert!(r.find("other", "users/a/x.mp4", &f).is_none());
    }

    #[test]
    fn upsert_remove_and_forget_what_s3_no_longer_lists() {
        let f = file("x", 1, 1);
        let mut r = Records::default();
        r.upsert(record("u1", "k1", f.clone(), 1));
        r.upsert(record("u2", "k2", f.clone(), 1));
        let mut again = record("u1", "k1", f.clone(), 1);
        again.first_part_crc32 = Some(7);
        r.upsert(again);
        assert_eq!(r.0.len(), 2);
        assert_eq!(r.get("u1").and_then(|x| x.first_part_crc32), Some(7));
        r.retain_listed(["u1"]);
        assert_eq!(r.0.len(), 1);
        r.remove("u1");
        assert!(r.0.is_empty());
        assert_eq!(storage_key("b", "users/a/"), "pail.uploads.v1.b.users/a/");
    }
}
