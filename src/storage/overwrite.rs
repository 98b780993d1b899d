//! No silent overwrite: before a batch of files is written, which of their names are taken
//! already, and what the user's one answer for the batch makes of each file. The write itself
//! then carries `If-None-Match: *` unless the user chose to replace (`upload::ObjectInfo`), so
//! a file that someone else creates meanwhile is not replaced either.

use std::collections::{BTreeSet, HashSet};

use super::{Storage, StorageError};

/// The user's answer for every file of a batch whose name is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Write over the existing file.
    Replace,
    /// Write beside it, under the next free name (`report (1).pdf`).
    KeepBoth,
    /// Leave the existing file and do not upload this one.
    Skip,
}

/// What becomes of one file of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Write to `key`; `replace`: whatever is there may be replaced (else only where nothing is).
    To {
        key: String,
        replace: bool,
    },
    Skip,
}

/// The indexes of `keys` that name an existing object.
pub fn taken(keys: &[String], existing: &HashSet<String>) -> Vec<usize> {
    keys.iter()
        .enumerate()
        .filter(|(_, k)| existing.contains(*k))
        .map(|(i, _)| i)
        .collect()
}

/// Applies `choice` to the files of a batch (`keys`, in order) whose names `existing` holds;
/// the others are written where they were meant to go, only where nothing is. "Keep both"
/// picks names free both in the store and in the batch itself.
pub fn resolve(keys: &[String], existing: &HashSet<String>, choice: Choice) -> Vec<Write> {
    let mut used: HashSet<&str> = keys.iter().map(String::as_str).collect();
    used.extend(existing.iter().map(String::as_str));
    let mut assigned: HashSet<String> = HashSet::new();
    keys.iter()
        .map(|key| {
            if !existing.contains(key) {
                return Write::To {
                    key: key.clone(),
                    replace: false,
                };
            }
            match choice {
                Choice::Replace => Write::To {
                    key: key.clone(),
                    replace: true,
                },
                Choice::Skip => Write::Skip,
                Choice::KeepBoth => {
                    let free =
                        super::keys::free_name(key, |k| used.contains(k) || assigned.contains(k));
                    assigned.insert(free.clone());
                    Write::To {
                        key: free,
                        replace: false,
                    }
                }
            }
        })
        .collect()
}

/// The folders (prefixes ending in `/`) that hold `keys`, each once.
pub fn folders_of(keys: &[String]) -> BTreeSet<String> {
    keys.iter()
        .map(|k| k.rfind('/').map_or(String::new(), |i| k[..=i].to_owned()))
        .collect()
}

impl Storage {
    /// Every object key directly in each of `folders` (all pages of each listing): what a
    /// batch written there could replace. A listing, not a HeadObject per file: the user's
    /// policy allows it, and a HEAD of a missing key answers 403, not 404, without an
    /// unconditioned `s3:ListBucket` (AWS's rule).
    pub async fn existing_keys(
        &self,
        folders: &BTreeSet<String>,
    ) -> Result<HashSet<String>, StorageError> {
        let mut found = HashSet::new();
        for folder in folders {
            let mut page = None;
            loop {
                let listing = self.list(folder, page.take()).await?;
                found.extend(listing.objects.into_iter().map(|o| o.key));
                match listing.next_page {
                    Some(next) => page = Some(next),
                    None => break,
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| format!("users/alice/{n}")).collect()
    }

    fn set(names: &[&str]) -> HashSet<String> {
        keys(names).into_iter().collect()
    }

    fn to(name: &str, replace: bool) -> Write {
        Write::To {
            key: format!("users/alice/{name}"),
            replace,
        }
    }

    #[test]
    fn only_taken_names_are_asked_about() {
        let batch = keys(&["a.txt", "b.txt", "c/d.txt"]);
        let existing = set(&["b.txt", "c/d.txt", "other.txt"]);
        assert_eq!(taken(&batch, &existing), vec![1, 2]);
        assert!(taken(&batch, &HashSet::new()).is_empty());
    }

    #[test]
    fn each_choice_applies_to_the_taken_names_only() {
        let batch = keys(&["a.txt", "b.txt"]);
        let existing = set(&["b.txt"]);
        assert_eq!(
            resolve(&batch, &existing, Choice::Replace),
            vec![to("a.txt", false), to("b.txt", true)]
        );
        assert_eq!(
            resolve(&batch, &existing, Choice::Skip),
            vec![to("a.txt", false), Write::Skip]
        );
        assert_eq!(
            resolve(&batch, &existing, Choice::KeepBoth),
            vec![to("a.txt", false), to("b (1).txt", false)]
        );
    }

    #[test]
    fn keep_both_avoids_names_in_the_store_and_in_the_batch() {
        // b (1).txt exists; the batch itself brings a b (2).txt.
        let batch = keys(&["b.txt", "b (2).txt", "x/b.txt"]);
        let existing = set(&["b.txt", "b (1).txt", "x/b.txt"]);
        assert_eq!(
            resolve(&batch, &existing, Choice::KeepBoth),
            vec![
                to("b (3).txt", false),
                to("b (2).txt", false),
                to("x/b (1).txt", false)
            ]
        );
    }

    #[test]
    fn the_folders_of_a_batch_each_once() {
        let batch = keys(&["a.txt", "b.txt", "p/q/r.txt", "p/s.txt"]);
        let folders: Vec<String> = folders_of(&batch).into_iter().collect();
        assert_eq!(
            folders,
            vec!["users/alice/", "users/alice/p/", "users/alice/p/q/"]
        );
    }
}
