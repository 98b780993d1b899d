//! How a file of a given size is cut into parts: one PutObject, or a multipart upload whose
//! part size respects S3's limits (S3 User Guide, "Amazon S3 multipart upload limits"):
//! at most 10,000 parts, each 5 MiB to 5 GiB except the last, objects up to 5 TiB.

use std::ops::Range;

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub const GIB: u64 = 1024 * MIB;
pub const TIB: u64 = 1024 * GIB;

/// Smallest part S3 accepts, except for the last part.
pub const MIN_PART_SIZE: u64 = 5 * MIB;
/// Largest part S3 accepts.
pub const MAX_PART_SIZE: u64 = 5 * GIB;
/// Most parts one multipart upload may have.
pub const MAX_PARTS: u64 = 10_000;
/// Largest object S3 stores.
pub const MAX_OBJECT_SIZE: u64 = 5 * TIB;

/// The part size used unless a file is so large that 10,000 parts of it would not hold it.
/// Chosen by measurement (bench/README.md, "Uploads"): larger parts mean fewer requests and
/// CORS preflights; smaller ones smoother progress and less to resend after a failure.
pub const DEFAULT_PART_SIZE: u64 = 16 * MIB;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// One PutObject (also for empty files, which multipart upload cannot send).
    Single { size: u64 },
    /// CreateMultipartUpload, `parts` UploadParts of `part_size` bytes (the last one shorter
    /// or equal), CompleteMultipartUpload.
    Multipart {
        size: u64,
        part_size: u64,
        parts: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the file is {size} bytes; S3 objects can be at most 5 TiB")]
    TooLarge { size: u64 },
    #[error(
        "a part size of {part_size} bytes cannot upload {size} bytes (5 MiB to 5 GiB per part, \
         at most 10,000 parts)"
    )]
    BadPartSize { size: u64, part_size: u64 },
}

impl Plan {
    /// The plan for a file of `size` bytes, with parts of `preferred` bytes when that is
    /// allowed: a part size below 5 MiB is raised to 5 MiB, and a file that would need more
    /// than 10,000 parts gets larger parts (a whole number of MiB). A file that fits in one
    /// part is sent in one request.
    pub fn new(size: u64, preferred: u64) -> Result<Self, PlanError> {
        if size > MAX_OBJECT_SIZE {
            return Err(PlanError::TooLarge { size });
        }
        let preferred = preferred.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
        if size <= preferred {
            return Ok(Self::Single { size });
        }
        let smallest_that_fits = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
        Self::multipart(size, preferred.max(smallest_that_fits))
    }

    /// A multipart plan with exactly this part size, as a resumed upload needs (its stored
    /// parts fix the size). Refused when S3's limits do not allow it.
    pub fn multipart(size: u64, part_size: u64) -> Result<Self, PlanError> {
        if size > MAX_OBJECT_SIZE {
            return Err(PlanError::TooLarge { size });
        }
        let bad = PlanError::BadPartSize { size, part_size };
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part_size) || size == 0 {
            return Err(bad);
        }
        let parts = size.div_ceil(part_size);
        if parts > MAX_PARTS {
            return Err(bad);
        }
        let parts = u32::try_from(parts).map_err(|_| bad)?;
        Ok(Self::Multipart {
            size,
            part_size,
            parts,
        })
    }

    pub fn size(&self) -> u64 {
        match *self {
            Self::Single { size } | Self::Multipart { size, .. } => size,
        }
    }

    /// How many requests carry the bytes (1 for a single PutObject).
    pub fn parts(&self) -> u32 {
        match *self {
            Self::Single { .. } => 1,
            Self::Multipart { parts, .. } => parts,
        }
    }

    /// The bytes of part `number` (1-based, as S3 numbers them); empty when out of range.
    pub fn part_range(&self, number: u32) -> Range<u64> {
        match *self {
            Self::Single { size } if number == 1 => 0..size,
            Self::Multipart {
                size,
                part_size,
                parts,
            } if (1..=parts).contains(&number) => {
                let start = u64::from(number - 1) * part_size;
                start..(start + part_size).min(size)
            }
            _ => 0..0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multipart(size: u64, preferred: u64) -> (u64, u32) {
        match Plan::new(size, preferred) {
            Ok(Plan::Multipart {
                part_size, parts, ..
            }) => (part_size, parts),
            other => panic!("expected multipart for {size}, got {other:?}"),
        }
    }

    /// Every byte in exactly one part, in order; every part but the last within limits.
    fn assert_covers(plan: &Plan) {
        let mut next = 0;
        for n in 1..=plan.parts() {
            let r = plan.part_range(n);
            assert_eq!(r.start, next, "part {n} of {plan:?}");
            if n < plan.parts() {
                assert!(r.end - r.start >= MIN_PART_SIZE, "part {n} of {plan:?}");
            }
            assert!(r.end - r.start <= MAX_PART_SIZE, "part {n} of {plan:?}");
            next = r.end;
        }
        assert_eq!(next, plan.size());
        assert!(u64::from(plan.parts()) <= MAX_PARTS);
        assert_eq!(plan.part_range(0), 0..0);
        assert_eq!(plan.part_range(plan.parts() + 1), 0..0);
    }

    #[test]
    fn empty_and_small_files_go_in_one_request() {
        for size in [0, 1, MIB, MIN_PART_SIZE, DEFAULT_PART_SIZE] {
            let plan = Plan::new(size, DEFAULT_PART_SIZE).unwrap();
            assert_eq!(plan, Plan::Single { size });
            assert_eq!(plan.parts(), 1);
            assert_eq!(plan.part_range(1), 0..size);
            assert_covers(&plan);
        }
    }

    #[test]
    fn exactly_five_mib() {
        // With 5 MiB parts, a 5 MiB file is one request; one byte more is two parts, the
        // second a single byte (the last part may be smaller than 5 MiB).
        assert_eq!(
            Plan::new(MIN_PART_SIZE, MIN_PART_SIZE),
            Ok(Plan::Single {
                size: MIN_PART_SIZE
            })
        );
        let plan = Plan::new(MIN_PART_SIZE + 1, MIN_PART_SIZE).unwrap();
        assert_eq!(
            multipart(MIN_PART_SIZE + 1, MIN_PART_SIZE),
            (MIN_PART_SIZE, 2)
        );
        assert_eq!(plan.part_range(2), MIN_PART_SIZE..MIN_PART_SIZE + 1);
        assert_covers(&plan);
    }

    #[test]
    fn parts_never_below_five_mib() {
        assert_eq!(multipart(11 * MIB, MIB), (MIN_PART_SIZE, 3));
        assert_eq!(multipart(11 * MIB, 0), (MIN_PART_SIZE, 3));
    }

    #[test]
    fn the_ten_thousand_part_boundary() {
        let part = DEFAULT_PART_SIZE;
        let at_limit = MAX_PARTS * part;
        assert_eq!(multipart(at_limit, part), (part, 10_000));
        // One byte more and the part size grows (to a whole MiB) instead of a 10,001st part.
        let (grown, parts) = multipart(at_limit + 1, part);
        assert_eq!(grown, part + MIB);
        assert!(u64::from(parts) <= MAX_PARTS);
        assert_covers(&Plan::new(at_limit + 1, part).unwrap());
        // The same with the smallest part size.
        assert_eq!(
            multipart(MAX_PARTS * MIN_PART_SIZE, MIN_PART_SIZE),
            (MIN_PART_SIZE, 10_000)
        );
        assert_eq!(
            multipart(MAX_PARTS * MIN_PART_SIZE + 1, MIN_PART_SIZE).0,
            6 * MIB
        );
    }

    #[test]
    fn five_tib_is_the_largest_object() {
        let plan = Plan::new(MAX_OBJECT_SIZE, DEFAULT_PART_SIZE).unwrap();
        let Plan::Multipart {
            part_size, parts, ..
        } = plan
        else {
            panic!("{plan:?}")
        };
        assert_eq!(part_size, 525 * MIB);
        assert_eq!(parts, 9_987);
        assert_covers(&plan);
        assert_eq!(
            Plan::new(MAX_OBJECT_SIZE + 1, DEFAULT_PART_SIZE),
            Err(PlanError::TooLarge {
                size: MAX_OBJECT_SIZE + 1
            })
        );
    }

    #[test]
    fn huge_preferred_parts_are_capped_at_five_gib() {
        let (part, parts) = multipart(12 * GIB, 64 * GIB);
        assert_eq!((part, parts), (MAX_PART_SIZE, 3));
    }

    #[test]
    fn resumed_uploads_keep_their_part_size_or_are_refused() {
        assert_eq!(
            Plan::multipart(20 * MIB, 8 * MIB),
            Ok(Plan::Multipart {
                size: 20 * MIB,
                part_size: 8 * MIB,
                parts: 3
            })
        );
        for (size, part) in [
            (20 * MIB, MIB),
            (20 * MIB, 6 * GIB),
            (0, 8 * MIB),
            (MAX_PARTS * MIN_PART_SIZE + 1, MIN_PART_SIZE),
        ] {
            assert!(Plan::multipart(size, part).is_err(), "{size} / {part}");
        }
    }

    #[test]
    fn ranges_cover_odd_sizes() {
        for size in [
            DEFAULT_PART_SIZE + 1,
            3 * DEFAULT_PART_SIZE,
            3 * DEFAULT_PART_SIZE - 1,
            1_000_000_007,
        ] {
            assert_covers(&Plan::new(size, DEFAULT_PART_SIZE).unwrap());
        }
    }
}
