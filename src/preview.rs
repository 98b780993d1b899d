//! What the details panel can preview, in plain Rust: the kind of preview an object gets from
//! its content type (or, when that says nothing, its name), how much of it to fetch, and how
//! the first bytes of a text file become text.
//!
//! Not here: fetching (`crate::storage::Storage::get_range`) or showing
//! (`ui::components::PreviewPanel`). Every preview is inert: images go through `<img>` (an
//! SVG's scripts never run there), text is a text node, and a PDF is a `blob:` document of type
//! `application/pdf` in a frame, which the browser's viewer renders.

/// The first bytes of a text file that are fetched (a Range GET) and shown.
pub const TEXT_PREVIEW_BYTES: u64 = 64 * 1024;
/// Images up to this size are fetched whole and shown; larger ones are offered for download.
pub const IMAGE_PREVIEW_MAX: u64 = 20 * 1024 * 1024;
/// PDFs up to this size are fetched whole (the viewer needs the whole file).
pub const PDF_PREVIEW_MAX: u64 = 32 * 1024 * 1024;

/// How an object is previewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewKind {
    /// Shown through `<img>` from a `blob:` URL of this type.
    Image(&'static str),
    /// The first [`TEXT_PREVIEW_BYTES`], decoded as UTF-8.
    Text,
    Pdf,
    /// No preview: the panel offers a download.
    None,
}

/// Image types every current browser shows in `<img>`, by content type and by extension.
const IMAGES: &[(&str, &[&str])] = &[
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg", "jfif"]),
    ("image/gif", &["gif"]),
    ("image/webp", &["webp"]),
    ("image/svg+xml", &["svg"]),
    ("image/avif", &["avif"]),
    ("image/bmp", &["bmp"]),
    ("image/x-icon", &["ico"]),
];

/// Extensions of text and source code that often arrive as `application/octet-stream` (or a
/// type the browser does not know as text).
const TEXT_EXTENSIONS: &[&str] = &[
    "txt",
    "md",
    "markdown",
    "csv",
    "tsv",
    "log",
    "json",
    "jsonl",
    "ndjson",
    "xml",
    "yaml",
    "yml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "env",
    "html",
    "htm",
    "css",
    "js",
    "mjs",
    "cjs",
    "ts",
    "tsx",
    "jsx",
    "rs",
    "py",
    "rb",
    "go",
    "java",
    "kt",
    "c",
    "h",
    "cc",
    "cpp",
    "hpp",
    "cs",
    "swift",
    "php",
    "pl",
    "sh",
    "bash",
    "zsh",
    "ps1",
    "bat",
    "sql",
    "r",
    "lua",
    "tex",
    "rst",
    "adoc",
    "gitignore",
    "dockerfile",
    "makefile",
    "lock",
    "properties",
    "srt",
    "vtt",
];

/// Content types that are text although they are not `text/*`.
const TEXT_TYPES: &[&str] = &[
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
    "application/x-sh",
    "application/x-yaml",
    "application/yaml",
    "application/toml",
    "application/sql",
    "application/x-ndjson",
    "application/ld+json",
    "application/xhtml+xml",
];

/// The preview for an object of `content_type` (as stored; parameters such as `charset` are
/// ignored) named `key`. A specific content type decides; a missing or generic one
/// (`application/octet-stream`, `binary/octet-stream`) leaves it to the extension.
pub fn kind(content_type: Option<&str>, key: &str) -> PreviewKind {
    let essence = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty());
    let generic = essence.as_deref().is_none_or(|t| {
        matches!(
            t,
            "application/octet-stream" | "binary/octet-stream" | "application/x-download"
        )
    });
    if !generic && let Some(t) = essence.as_deref() {
        if let Some((image, _)) = IMAGES.iter().find(|(i, _)| *i == t) {
            return PreviewKind::Image(image);
        }
        if t == "application/pdf" {
            return PreviewKind::Pdf;
        }
        if t.starts_with("text/") || TEXT_TYPES.contains(&t) || t.ends_with("+json") {
            return PreviewKind::Text;
        }
        if !t.ends_with("+xml") {
            return PreviewKind::None;
        }
        return PreviewKind::Text;
    }
    let name = key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map_or(name.as_str(), |(_, e)| e);
    if let Some((image, _)) = IMAGES.iter().find(|(_, exts)| exts.contains(&ext)) {
        return PreviewKind::Image(image);
    }
    if ext == "pdf" {
        return PreviewKind::Pdf;
    }
    if TEXT_EXTENSIONS.contains(&ext) {
        return PreviewKind::Text;
    }
    PreviewKind::None
}

/// The `Range` header for the first `cap` bytes of an object of `size` bytes, or `None` when
/// the whole object is smaller (a plain GET; a range on an empty object is refused by S3 with
/// 416).
pub fn first_bytes_range(size: u64, cap: u64) -> Option<String> {
    (size > cap && cap > 0).then(|| format!("bytes=0-{}", cap - 1))
}

/// A text preview: what to show, and whether the file goes on beyond it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPreview {
    pub text: String,
    /// Only the start of the file is shown.
    pub cut: bool,
}

/// The first bytes of a file of `size` bytes as text. Invalid UTF-8 becomes U+FFFD (a file in
/// another encoding still shows what it can); a character cut in half at the end of the range
/// is dropped rather than shown as U+FFFD.
pub fn decode_text(bytes: &[u8], size: u64) -> TextPreview {
    let cut = (bytes.len() as u64) < size;
    let mut end = bytes.len();
    if cut {
        // A UTF-8 sequence is at most 4 bytes: look back at most 3 for a lead byte whose
        // sequence runs past the end.
        for back in 1..=end.min(3) {
            let b = bytes[end - back];
            if b & 0xC0 == 0x80 {
                continue; // a continuation byte
            }
            let len = match b {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            if len > back {
                end -= back;
            }
            break;
        }
    }
    TextPreview {
        text: String::from_utf8_lossy(&bytes[..end]).into_owned(),
        cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_type_decides_when_it_says_something() {
        assert_eq!(
            kind(Some("image/png"), "a.bin"),
            PreviewKind::Image("image/png")
        );
        assert_eq!(
            kind(Some("IMAGE/SVG+XML; charset=utf-8"), "x"),
            PreviewKind::Image("image/svg+xml")
        );
        assert_eq!(kind(Some("application/pdf"), "a.txt"), PreviewKind::Pdf);
        assert_eq!(
            kind(Some("text/plain; charset=utf-8"), "a.png"),
            PreviewKind::Text
        );
        assert_eq!(kind(Some("application/json"), "a"), PreviewKind::Text);
        assert_eq!(
            kind(Some("application/vnd.api+json"), "a"),
            PreviewKind::Text
        );
        assert_eq!(kind(Some("application/atom+xml"), "a"), PreviewKind::Text);
        // A type that is something else is not previewed, whatever the name says.
        assert_eq!(kind(Some("application/zip"), "a.txt"), PreviewKind::None);
        assert_eq!(kind(Some("video/mp4"), "clip.png"), PreviewKind::None);
        // TIFF and HEIC are images browsers cannot show in <img>.
        assert_eq!(kind(Some("image/tiff"), "a.tif"), PreviewKind::None);
    }

    #[test]
    fn a_generic_or_missing_type_leaves_it_to_the_extension() {
        for generic in [
            None,
            Some(""),
            Some("application/octet-stream"),
            Some("binary/octet-stream"),
        ] {
            assert_eq!(
                kind(generic, "users/a/Photo.JPG"),
                PreviewKind::Image("image/jpeg")
            );
            assert_eq!(
                kind(generic, "users/a/logo.svg"),
                PreviewKind::Image("image/svg+xml")
            );
            assert_eq!(kind(generic, "users/a/report.pdf"), PreviewKind::Pdf);
            assert_eq!(kind(generic, "users/a/main.rs"), PreviewKind::Text);
            assert_eq!(kind(generic, "users/a/Dockerfile"), PreviewKind::Text);
            assert_eq!(kind(generic, "users/a/archive.tar.gz"), PreviewKind::None);
            assert_eq!(kind(generic, "users/a/noextension"), PreviewKind::None);
        }
        // The folder part of the key does not count.
        assert_eq!(kind(None, "users/a/x.png/data"), PreviewKind::None);
    }

    #[test]
    fn only_a_file_bigger_than_the_cap_is_fetched_with_a_range() {
        assert_eq!(first_bytes_range(0, 65536), None);
        assert_eq!(first_bytes_range(65536, 65536), None);
        assert_eq!(
            first_bytes_range(65537, 65536),
            Some("bytes=0-65535".to_owned())
        );
        assert_eq!(
            first_bytes_range(10 << 30, TEXT_PREVIEW_BYTES),
            Some(format!("bytes=0-{}", TEXT_PREVIEW_BYTES - 1))
        );
    }

    #[test]
    fn text_is_decoded_lossily_and_a_half_character_at_the_cut_is_dropped() {
        let whole = decode_text("grüße".as_bytes(), 7);
        assert_eq!(
            whole,
            TextPreview {
                text: "grüße".into(),
                cut: false
            }
        );
        // "ü" is C3 BC: cut after C3.
        let half = decode_text(&"grü".as_bytes()[..3], 100);
        assert_eq!(
            half,
            TextPreview {
                text: "gr".into(),
                cut: true
            }
        );
        // A 4-byte emoji cut after 3 of its bytes.
        let emoji = "a😀".as_bytes();
        assert_eq!(decode_text(&emoji[..4], 5).text, "a");
        // Cut exactly at a character boundary keeps everything.
        assert_eq!(decode_text(&emoji[..5], 9).text, "a😀");
        // Invalid bytes in the middle stay visible as U+FFFD (Latin-1 "é").
        assert_eq!(decode_text(b"caf\xe9 ok", 7).text, "caf\u{FFFD} ok");
        assert_eq!(
            decode_text(b"", 0),
            TextPreview {
                text: String::new(),
                cut: false
            }
        );
    }
}
