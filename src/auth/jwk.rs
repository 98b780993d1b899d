//! The provider's signing keys (its JWKS), and where an ID token's signature is checked.
//!
//! `openidconnect` verifies an ID token synchronously: it picks the key (by `kid` and algorithm),
//! refuses algorithms the provider does not list, checks the signature through
//! [`JsonWebKey::verify_signature`], then the claims. In the browser the signature is checked by
//! WebCrypto instead (`crate::platform::webcrypto`), which is asynchronous and keeps RSA, ECDSA
//! and Ed25519 code out of the wasm. So [`ProviderKey::check`] runs first, with the key
//! `openidconnect` selects, and records its verdict for exactly that algorithm, signed input and
//! signature; `openidconnect`'s own verification then runs unchanged, and `verify_signature`
//! answers from the record. A signature that was not checked this way never verifies.
//!
//! On the host (tests) the check is `openidconnect`'s own RustCrypto verification.

use std::sync::{Arc, Mutex};

use openidconnect::core::{
    CoreJsonWebKey, CoreJsonWebKeyType, CoreJsonWebKeyUse, CoreJwsSigningAlgorithm,
};
use openidconnect::{JsonWebKey, JsonWebKeyAlgorithm, JsonWebKeyId, SignatureVerificationError};
use serde::{Deserialize, Serialize};

/// How many verdicts a key remembers: one per sign-in is needed, a few more are harmless.
const REMEMBERED: usize = 8;

/// One signature check: what was checked and what came out.
#[derive(Debug, Clone)]
struct Verdict {
    alg: CoreJwsSigningAlgorithm,
    signed: Vec<u8>,
    signature: Vec<u8>,
    result: Result<(), SignatureVerificationError>,
}

/// A key from the provider's JWKS. Clones share their verdicts (the verifier works on a copy
/// of the client's key set).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "CoreJsonWebKey", into = "CoreJsonWebKey")]
pub struct ProviderKey {
    jwk: CoreJsonWebKey,
    verdicts: Arc<Mutex<Vec<Verdict>>>,
}

impl From<CoreJsonWebKey> for ProviderKey {
    fn from(jwk: CoreJsonWebKey) -> Self {
        Self {
            jwk,
            verdicts: Arc::default(),
        }
    }
}

impl From<ProviderKey> for CoreJsonWebKey {
    fn from(key: ProviderKey) -> Self {
        key.jwk
    }
}

impl ProviderKey {
    /// Checks `signature` over `signed` (the JWS signing input) with this key and `alg`, and
    /// records the verdict for [`JsonWebKey::verify_signature`].
    pub async fn check(&self, alg: &CoreJwsSigningAlgorithm, signed: &[u8], signature: &[u8]) {
        let result = self.verify_now(alg, signed, signature).await;
        let Ok(mut verdicts) = self.verdicts.lock() else {
            return;
        };
        if verdicts.len() >= REMEMBERED {
            verdicts.remove(0);
        }
        verdicts.push(Verdict {
            alg: alg.clone(),
            signed: signed.to_vec(),
            signature: signature.to_vec(),
            result,
        });
    }

    #[cfg(target_arch = "wasm32")]
    async fn verify_now(
        &self,
        alg: &CoreJwsSigningAlgorithm,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureVerificationError> {
        use crate::platform::webcrypto::{self, Verification};
        let jwk = serde_json::to_string(&self.jwk)
            .map_err(|e| SignatureVerificationError::InvalidKey(e.to_string()))?;
        let alg_name = serde_json::to_value(alg)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        match webcrypto::verify(&jwk, &alg_name, signed, signature).await {
            Verification::Valid => Ok(()),
            Verification::Invalid => Err(SignatureVerificationError::CryptoError(
                "bad signature".into(),
            )),
            Verification::UnsupportedAlg => {
                Err(SignatureVerificationError::UnsupportedAlg(alg_name))
            }
            Verification::KeyRefused(detail) => Err(SignatureVerificationError::InvalidKey(detail)),
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[allow(clippy::unused_async)] // the browser's check is asynchronous
    async fn verify_now(
        &self,
        alg: &CoreJwsSigningAlgorithm,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureVerificationError> {
        self.jwk.verify_signature(alg, signed, signature)
    }
}

impl JsonWebKey for ProviderKey {
    type KeyUse = CoreJsonWebKeyUse;
    type SigningAlgorithm = CoreJwsSigningAlgorithm;

    fn key_id(&self) -> Option<&JsonWebKeyId> {
        self.jwk.key_id()
    }

    fn key_type(&self) -> &CoreJsonWebKeyType {
        self.jwk.key_type()
    }

    fn key_use(&self) -> Option<&CoreJsonWebKeyUse> {
        self.jwk.key_use()
    }

    fn signing_alg(&self) -> JsonWebKeyAlgorithm<&CoreJwsSigningAlgorithm> {
        self.jwk.signing_alg()
    }

    fn new_symmetric(key: Vec<u8>) -> Self {
        CoreJsonWebKey::new_symmetric(key).into()
    }

    /// The verdict [`ProviderKey::check`] recorded for exactly this input; anything not checked
    /// does not verify.
    fn verify_signature(
        &self,
        alg: &CoreJwsSigningAlgorithm,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureVerificationError> {
        let verdicts = self
            .verdicts
            .lock()
            .map_err(|_| SignatureVerificationError::Other("key state poisoned".into()))?;
        verdicts
            .iter()
            .rev()
            .find(|v| v.alg == *alg && v.signed == signed && v.signature == signature)
            .map_or_else(
                || {
                    Err(SignatureVerificationError::Other(
                        "the signature was not checked before verification".into(),
                    ))
                },
                |v| v.result.clone(),
            )
    }

    fn hash_bytes(&self, bytes: &[u8], alg: &CoreJwsSigningAlgorithm) -> Result<Vec<u8>, String> {
        self.jwk.hash_bytes(bytes, alg)
    }
}

// The browser's check (WebCrypto) is tested in tests/browser.rs.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use openidconnect::PrivateSigningKey;
    use openidconnect::core::CoreRsaPrivateSigningKey;

    const RS256: CoreJwsSigningAlgorithm = CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256;

    /// The replay tests' test-only key (signs nothing outside the tests).
    #[allow(clippy::expect_used)] // a test helper: the panic is the failure report
    fn signer() -> CoreRsaPrivateSigningKey {
        CoreRsaPrivateSigningKey::from_pem(
            include_str!("../../tests/fixtures/test-only-rsa-key.pem"),
            Some(JsonWebKeyId::new("k".into())),
        )
        .expect("test key")
    }

    fn key() -> ProviderKey {
        signer().as_verification_key().into()
    }

    #[test]
    fn a_signature_that_was_not_checked_does_not_verify() {
        let signature = signer().sign(&RS256, b"a.b").expect("sign");
        let err = key()
            .verify_signature(&RS256, b"a.b", &signature)
            .expect_err("not checked");
        assert!(
            matches!(err, SignatureVerificationError::Other(_)),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn the_verdict_covers_exactly_what_was_checked_and_clones_share_it() {
        let key = key();
        let copy = key.clone();
        let good = signer().sign(&RS256, b"a.b").expect("sign");
        key.check(&RS256, b"a.b", &good).await;
        key.check(&RS256, b"a.c", &good).await;
        assert_eq!(copy.verify_signature(&RS256, b"a.b", &good), Ok(()));
        // Checked and refused: the refusal is what verification reports.
        let err = copy
            .verify_signature(&RS256, b"a.c", &good)
            .expect_err("other input");
        assert!(
            matches!(err, SignatureVerificationError::CryptoError(_)),
            "{err:?}"
        );
        // Anything else was not checked.
        let pss = CoreJwsSigningAlgorithm::RsaSsaPssSha256;
        for (alg, signed) in [(&pss, &b"a.b"[..]), (&RS256, b"a.d")] {
            let err = copy
                .verify_signature(alg, signed, &good)
                .expect_err("unchecked");
            assert!(
                matches!(err, SignatureVerificationError::Other(_)),
                "{err:?}"
            );
        }
    }

    #[test]
    fn the_jwk_round_trips_unchanged() {
        let jwk = signer().as_verification_key();
        let key: ProviderKey =
            serde_json::from_value(serde_json::to_value(&jwk).expect("jwk")).expect("deserialize");
        let json = serde_json::to_value(&key).expect("serialize");
        assert_eq!(json, serde_json::to_value(&jwk).expect("jwk"));
        assert_eq!(json["kty"], "RSA");
        assert_eq!(key.key_id().map(|k| k.as_str()), Some("k"));
    }
}
