//! CRC32 (the ISO-HDLC polynomial S3 calls `CRC32`) as S3's flexible checksums carry it, and
//! the whole-object checksum of a multipart upload computed from its parts' checksums.
//!
//! The bytes themselves are summed off the main thread (`crate::platform::crc`), a part at a
//! time; here is only the arithmetic on the results. S3 supports a *full-object* CRC32 for
//! multipart uploads (User Guide, "Checking object integrity": checksum type `FULL_OBJECT`):
//! the CRC32 of the whole object, which S3 recomputes from the parts and compares with the one
//! sent on CompleteMultipartUpload. CRCs combine without the data (`crc32_combine`, as zlib's),
//! so the browser never reads a byte twice for it.

use aws_smithy_types::base64;

/// The reflected CRC-32 polynomial (ISO-HDLC, zlib's and S3's `CRC32`).
const POLY: u32 = 0xedb8_8320;

/// `a * b mod P` in GF(2) with reflected bit order (zlib's `multmodp`).
const fn multmodp(a: u32, mut b: u32) -> u32 {
    let mut m: u32 = 1 << 31;
    let mut p = 0;
    loop {
        if a & m != 0 {
            p ^= b;
            if a & (m - 1) == 0 {
                return p;
            }
        }
        m >>= 1;
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
    }
}

/// `X2N[k]` = x^(2^k) mod P.
const X2N: [u32; 32] = {
    let mut table = [0u32; 32];
    let mut p: u32 = 1 << 30; // x^1
    table[0] = p;
    let mut k = 1;
    while k < 32 {
        p = multmodp(p, p);
        table[k] = p;
        k += 1;
    }
    table
};

/// x^(n * 2^k) mod P.
fn x2nmodp(mut n: u64, mut k: usize) -> u32 {
    let mut p: u32 = 1 << 31; // x^0
    while n != 0 {
        if n & 1 != 0 {
            p = multmodp(X2N[k & 31], p);
        }
        n >>= 1;
        k += 1;
    }
    p
}

/// The CRC32 of `A ++ B` from the CRC32 of `A`, the CRC32 of `B` and the length of `B`.
pub fn crc32_combine(crc_a: u32, crc_b: u32, len_b: u64) -> u32 {
    multmodp(x2nmodp(len_b, 3), crc_a) ^ crc_b
}

/// The CRC32 of consecutive pieces, from `(crc, length)` of each in order.
pub fn crc32_of_parts(parts: impl IntoIterator<Item = (u32, u64)>) -> u32 {
    parts
        .into_iter()
        .fold(0, |acc, (crc, len)| crc32_combine(acc, crc, len))
}

/// The form S3 sends and expects in `x-amz-checksum-crc32`: base64 of the big-endian bytes.
pub fn crc32_base64(crc: u32) -> String {
    base64::encode(crc.to_be_bytes())
}

/// The CRC32 in an `x-amz-checksum-crc32` value. A composite checksum's `-<parts>` suffix
/// (as HeadObject may show it) is not a CRC of the bytes and gives `None`.
pub fn parse_crc32_base64(value: &str) -> Option<u32> {
    let bytes = base64::decode(value.trim()).ok()?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit by bit, straight from the definition: the reference the fast paths are held to.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ POLY
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn sample(len: usize, seed: u32) -> Vec<u8> {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                x.to_be_bytes()[0]
            })
            .collect()
    }

    #[test]
    fn reference_values() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn combining_equals_summing_the_whole() {
        let data = sample(70_001, 7);
        for cut in [0, 1, 3, 4096, 35_000, 70_000, 70_001] {
            let (a, b) = data.split_at(cut);
            assert_eq!(
                crc32_combine(crc32(a), crc32(b), b.len() as u64),
                crc32(&data),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn parts_of_uneven_sizes_combine_to_the_object() {
        let data = sample(50_000, 42);
        let sizes = [16_384usize, 16_384, 16_384, 848];
        let mut start = 0;
        let parts: Vec<(u32, u64)> = sizes
            .iter()
            .map(|&n| {
                let part = &data[start..start + n];
                start += n;
                (crc32(part), n as u64)
            })
            .collect();
        assert_eq!(crc32_of_parts(parts), crc32(&data));
        assert_eq!(crc32_of_parts([]), 0);
    }

    #[test]
    fn lengths_of_four_gib_and_more_combine() {
        // 8 GiB of zeros two ways: 8,192 pieces of 1 MiB one after the other, and 1 MiB doubled
        // 13 times (the last doubling appends 4 GiB, a length beyond u32).
        let one_mib = crc32(&vec![0u8; 1 << 20]);
        let mut appended = 0;
        for _ in 0..8192 {
            appended = crc32_combine(appended, one_mib, 1 << 20);
        }
        let (mut doubled, mut len) = (one_mib, 1u64 << 20);
        while len < 8 << 30 {
            doubled = crc32_combine(doubled, doubled, len);
            len *= 2;
        }
        assert_eq!(doubled, appended);
    }

    #[test]
    fn base64_forms() {
        // Big-endian bytes, base64: CB F4 39 26 -> "y/Q5Jg==".
        assert_eq!(crc32_base64(0xcbf4_3926), "y/Q5Jg==");
        assert_eq!(parse_crc32_base64("y/Q5Jg=="), Some(0xcbf4_3926));
        assert_eq!(parse_crc32_base64("y/Q5Jg==-3"), None);
        assert_eq!(parse_crc32_base64("AAAA"), None);
    }
}
