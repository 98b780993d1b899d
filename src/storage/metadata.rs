//! User metadata (`x-amz-meta-*`) values, carried losslessly.
//!
//! S3 sends metadata as HTTP headers, which carry only printable US-ASCII. Values outside that
//! are sent as an RFC 2047 encoded word (`=?UTF-8?B?…?=`) — the form S3 itself uses when it
//! returns non-ASCII metadata — and decoded on the way back.

use aws_smithy_types::base64;

/// The header-safe form of a metadata value.
pub fn encode_value(value: &str) -> String {
    let plain = value.bytes().all(|b| (0x20..0x7f).contains(&b));
    // A plain value that merely looks like an encoded word is encoded too, so that decoding
    // gives back exactly what the user typed; so is one with spaces at either end, which HTTP
    // strips from a header value (RFC 9110 §5.5).
    if plain && !looks_encoded(value) && value.trim_matches(' ') == value {
        value.to_owned()
    } else {
        format!("=?UTF-8?B?{}?=", base64::encode(value.as_bytes()))
    }
}

/// Every entry in its header-safe form, as the SDK's `metadata` wants it.
pub fn encode_all(
    entries: &std::collections::BTreeMap<String, String>,
) -> std::collections::HashMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| (k.clone(), encode_value(v)))
        .collect()
}

/// The value the user entered, from what S3 returned.
pub fn decode_value(header: &str) -> String {
    decode_word(header).unwrap_or_else(|| header.to_owned())
}

fn looks_encoded(v: &str) -> bool {
    v.starts_with("=?") && v.ends_with("?=")
}

fn decode_word(v: &str) -> Option<String> {
    let inner = v.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let charset = parts.next()?;
    let encoding = parts.next()?;
    let text = parts.next()?;
    if !charset.eq_ignore_ascii_case("UTF-8") {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => base64::decode(text).ok()?,
        "Q" | "q" => decode_q(text)?,
        _ => return None,
    };
    String::from_utf8(bytes).ok()
}

/// RFC 2047 "Q" encoding: `_` is a space, `=XX` a byte.
fn decode_q(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'_' => out.push(b' '),
            b'=' => {
                let hi = char::from(bytes.next()?).to_digit(16)?;
                let lo = char::from(bytes.next()?).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            b => out.push(b),
        }
    }
    Some(out)
}

/// A metadata key as S3 stores it: lowercase (HTTP header names are case-insensitive).
pub fn normalize_key(key: &str) -> Result<String, String> {
    let key = key.trim().to_ascii_lowercase();
    if key.is_empty() {
        return Err("a metadata name cannot be empty".into());
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!(
            "metadata name '{key}' may use only letters, digits, '-' and '_'"
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_passes_through() {
        assert_eq!(
            encode_value("Quarterly report, v2 (final)"),
            "Quarterly report, v2 (final)"
        );
    }

    #[test]
    fn everything_round_trips() {
        for v in [
            "plain",
            "ünïcödé",
            "emoji 😀",
            "עברית RTL",
            "<script>alert(1)</script>",
            "tab\tand\nnewline",
            "=?UTF-8?B?looks-encoded?=",
            "",
            " leading and trailing ",
            "  padded  ",
            "trailing ",
        ] {
            assert_eq!(decode_value(&encode_value(v)), v, "{v:?}");
            let header = encode_value(v);
            assert!(header.bytes().all(|b| (0x20..0x7f).contains(&b)), "{v:?}");
            // What survives HTTP: a header value loses spaces at its ends.
            assert_eq!(decode_value(header.trim()), v, "{v:?}");
        }
    }

    #[test]
    fn decodes_what_s3_sends() {
        assert_eq!(decode_value("=?UTF-8?B?w7xiZXI=?="), "über");
        assert_eq!(
            decode_value("=?utf-8?Q?caf=C3=A9_au_lait?="),
            "café au lait"
        );
        assert_eq!(decode_value("=?ISO-8859-1?Q?x?="), "=?ISO-8859-1?Q?x?=");
    }

    #[test]
    fn metadata_keys() {
        assert_eq!(normalize_key(" Description "), Ok("description".into()));
        assert!(normalize_key("").is_err());
        assert!(normalize_key("has space").is_err());
    }
}
