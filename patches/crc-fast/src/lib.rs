//! The three CRCs the AWS SDK for Rust computes for S3 checksums — CRC-32/ISO-HDLC (`CRC32`),
//! CRC-32/ISCSI (`CRC32C`) and CRC-64/NVME (`CRC64NVME`) — behind the part of the `crc-fast`
//! 1.10 API that `aws-smithy-checksums` calls: [`CrcAlgorithm`], [`Digest`] and [`checksum`].
//!
//! Why it exists: `crc-fast` links precomputed tables for ~50 CRC variants into every wasm32
//! build (about 600 KB raw, 415 KB brotli of Pail's bundle), because the algorithm arrives as a
//! runtime value and nothing can be proven unused. Here there are three variants and their
//! tables are built on first use, so they cost a few hundred bytes of code instead.
//!
//! How: reflected, table-driven CRC, eight bytes per step ("slicing-by-8"). All three variants
//! are reflected with all-ones init and xorout, so one routine over `u64` serves the 32-bit and
//! the 64-bit ones (a 32-bit CRC simply keeps the upper half zero).

use std::sync::OnceLock;

/// The CRC variants this crate computes (names as in `crc-fast` and the CRC catalogue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrcAlgorithm {
    /// CRC-32/ISO-HDLC: zlib's, Ethernet's, S3's `CRC32`.
    Crc32IsoHdlc,
    /// CRC-32/ISCSI (Castagnoli): S3's `CRC32C`.
    Crc32Iscsi,
    /// CRC-64/NVME: S3's `CRC64NVME`.
    Crc64Nvme,
}

/// Eight lookup tables of 256 entries: `[0]` is the classic byte table, `[k]` advances a byte
/// through `k` further zero bytes.
type Tables = [[u64; 256]; 8];

impl CrcAlgorithm {
    /// The generator polynomial, bit-reversed (the form a reflected CRC shifts right with).
    const fn reflected_poly(self) -> u64 {
        match self {
            Self::Crc32IsoHdlc => 0xEDB8_8320,
            Self::Crc32Iscsi => 0x82F6_3B78,
            Self::Crc64Nvme => 0x9A6C_9329_AC4B_C9B5,
        }
    }

    /// All ones in the CRC's width: its initial value and its final XOR.
    const fn ones(self) -> u64 {
        match self {
            Self::Crc32IsoHdlc | Self::Crc32Iscsi => 0xFFFF_FFFF,
            Self::Crc64Nvme => u64::MAX,
        }
    }

    fn tables(self) -> &'static Tables {
        static CRC32: OnceLock<Box<Tables>> = OnceLock::new();
        static CRC32C: OnceLock<Box<Tables>> = OnceLock::new();
        static CRC64NVME: OnceLock<Box<Tables>> = OnceLock::new();
        let cell = match self {
            Self::Crc32IsoHdlc => &CRC32,
            Self::Crc32Iscsi => &CRC32C,
            Self::Crc64Nvme => &CRC64NVME,
        };
        cell.get_or_init(|| build_tables(self.reflected_poly()))
    }
}

fn build_tables(poly: u64) -> Box<Tables> {
    let mut t: Box<Tables> = Box::new([[0; 256]; 8]);
    for byte in 0..256u64 {
        let mut crc = byte;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ poly
            } else {
                crc >> 1
            };
        }
        t[0][byte as usize] = crc;
    }
    for k in 1..8 {
        for i in 0..256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
        }
    }
    t
}

/// Advances the raw (not yet XORed-out) register `crc` over `data`.
fn advance(t: &Tables, mut crc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = crc ^ u64::from_le_bytes(word);
        crc = t[7][(v & 0xFF) as usize]
            ^ t[6][((v >> 8) & 0xFF) as usize]
            ^ t[5][((v >> 16) & 0xFF) as usize]
            ^ t[4][((v >> 24) & 0xFF) as usize]
            ^ t[3][((v >> 32) & 0xFF) as usize]
            ^ t[2][((v >> 40) & 0xFF) as usize]
            ^ t[1][((v >> 48) & 0xFF) as usize]
            ^ t[0][(v >> 56) as usize];
    }
    for &b in chunks.remainder() {
        crc = (crc >> 8) ^ t[0][((crc ^ u64::from(b)) & 0xFF) as usize];
    }
    crc
}

/// An incremental CRC computation.
#[derive(Debug, Clone, Copy)]
pub struct Digest {
    algorithm: CrcAlgorithm,
    /// The register before the final XOR.
    state: u64,
    /// Bytes fed so far (kept for parity with `crc-fast`'s `Digest::get_amount`).
    amount: u64,
}

impl Digest {
    pub fn new(algorithm: CrcAlgorithm) -> Self {
        Self {
            algorithm,
            state: algorithm.ones(),
            amount: 0,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        self.state = advance(self.algorithm.tables(), self.state, data);
        self.amount += data.len() as u64;
    }

    /// The CRC of everything fed so far; the digest can keep going.
    pub fn finalize(&self) -> u64 {
        self.state ^ self.algorithm.ones()
    }

    pub fn reset(&mut self) {
        *self = Self::new(self.algorithm);
    }

    pub fn finalize_reset(&mut self) -> u64 {
        let crc = self.finalize();
        self.reset();
        crc
    }

    pub fn get_amount(&self) -> u64 {
        self.amount
    }
}

/// The CRC of `data` in one call.
pub fn checksum(algorithm: CrcAlgorithm, data: &[u8]) -> u64 {
    let mut digest = Digest::new(algorithm);
    digest.update(data);
    digest.finalize()
}
