//! ID-token signatures checked by the browser's WebCrypto (`crypto.subtle`): the provider's JWK
//! is imported as published and the JWS signing input verified with the token's algorithm.
//! The browser's own RSA, ECDSA and Ed25519 code does the work, so the wasm carries none.
//!
//! Algorithms are those `openidconnect` verifies for a public client: RS256/384/512,
//! PS256/384/512, ES256, ES384 and EdDSA (Ed25519). HMAC is not among them (a public client has
//! no secret to check it with; `openidconnect` refuses HS* before asking for a key).

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What WebCrypto said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Valid,
    /// The signature does not match the key and the signed bytes.
    Invalid,
    /// Not a JWS algorithm this module maps to WebCrypto.
    UnsupportedAlg,
    /// WebCrypto refused the key for this algorithm (wrong type or curve, an `alg` or `use`
    /// that forbids it, malformed), or is not available.
    KeyRefused(String),
}

/// WebCrypto's import and verify parameters for a JWS `alg` (RFC 7518 §3, RFC 8037 §3.1).
fn params(alg: &str) -> Option<(Object, Object)> {
    let object = |pairs: &[(&str, JsValue)]| {
        let o = Object::new();
        for (k, v) in pairs {
            let _ = Reflect::set(&o, &JsValue::from_str(k), v);
        }
        o
    };
    let name = |n: &str| ("name", JsValue::from_str(n));
    let hash = |bits: u32| ("hash", JsValue::from_str(&format!("SHA-{bits}")));
    let bits = |suffix: &str| match suffix {
        "256" => Some(256),
        "384" => Some(384),
        "512" => Some(512),
        _ => None,
    };
    let (family, suffix) = alg.split_at(alg.len().min(2));
    Some(match (family, alg) {
        (_, "EdDSA") => (object(&[name("Ed25519")]), object(&[name("Ed25519")])),
        ("RS", _) => {
            let h = hash(bits(suffix)?);
            let n = name("RSASSA-PKCS1-v1_5");
            (object(&[n.clone(), h]), object(&[n]))
        }
        ("PS", _) => {
            let b = bits(suffix)?;
            let n = name("RSA-PSS");
            // The salt is as long as the hash output (RFC 7518 §3.5).
            let salt = ("saltLength", JsValue::from_f64(f64::from(b / 8)));
            (object(&[n.clone(), hash(b)]), object(&[n, salt]))
        }
        ("ES", "ES256" | "ES384") => {
            let b = bits(suffix)?;
            let n = name("ECDSA");
            let curve = ("namedCurve", JsValue::from_str(&format!("P-{b}")));
            (object(&[n.clone(), curve]), object(&[n, hash(b)]))
        }
        _ => return None,
    })
}

/// Verifies `signature` over `signed` with the JWK (its JSON) for the JWS algorithm `alg`.
pub async fn verify(jwk_json: &str, alg: &str, signed: &[u8], signature: &[u8]) -> Verification {
    let Some((import_params, verify_params)) = params(alg) else {
        return Verification::UnsupportedAlg;
    };
    match try_verify(jwk_json, &import_params, &verify_params, signed, signature).await {
        Ok(true) => Verification::Valid,
        Ok(false) => Verification::Invalid,
        Err(e) => Verification::KeyRefused(e),
    }
}

async fn try_verify(
    jwk_json: &str,
    import_params: &Object,
    verify_params: &Object,
    signed: &[u8],
    signature: &[u8],
) -> Result<bool, String> {
    let text = |e: JsValue| {
        e.dyn_ref::<js_sys::Error>()
            .map_or_else(|| format!("{e:?}"), |e| String::from(e.message()))
    };
    let subtle = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|_| "this browser has no WebCrypto (crypto.subtle)")?
        .subtle();
    let jwk: Object = js_sys::JSON::parse(jwk_json)
        .map_err(text)?
        .dyn_into()
        .map_err(|_| "the JWK is not a JSON object")?;
    let usages = Array::of1(&JsValue::from_str("verify"));
    let imported = subtle
        .import_key_with_object("jwk", &jwk, import_params, false, &usages)
        .map_err(text)?;
    let key: web_sys::CryptoKey = JsFuture::from(imported)
        .await
        .map_err(text)?
        .dyn_into()
        .map_err(|_| "importKey did not return a key")?;
    let verified = subtle
        .verify_with_object_and_u8_array_and_u8_array(verify_params, &key, signature, signed)
        .map_err(text)?;
    Ok(JsFuture::from(verified).await.map_err(text)?.as_bool() == Some(true))
}
