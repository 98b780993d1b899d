//! The conversation with the OpenID provider: discovery (+ JWKS), the authorization request,
//! the code exchange and the ID-token verification.
//!
//! Generic over `openidconnect`'s [`AsyncHttpClient`], so the browser passes its fetch client
//! and the host tests pass recorded responses.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::CoreJwsSigningAlgorithm;
use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGenderClaim,
    CoreGrantType, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreRevocableToken, CoreRevocationErrorResponse, CoreSubjectIdentifierType,
    CoreTokenIntrospectionResponse, CoreTokenResponse,
};
use openidconnect::{
    AccessTokenHash, AsyncHttpClient, AuthenticationFlow, AuthorizationCode, Client, CsrfToken,
    EmptyAdditionalClaims, EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenVerifier, LogoutRequest, Nonce, NonceVerifier, OAuth2TokenResponse, PkceCodeChallenge,
    PostLogoutRedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    core::{CoreAuthPrompt, CoreErrorResponseType, CoreIdToken, CoreResponseType},
};
use openidconnect::{
    AuthUrl, EmptyAdditionalProviderMetadata, IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl,
    ProviderMetadata, ResponseTypes, TokenUrl, UserInfoUrl,
};
use openidconnect::{ClaimsVerificationError, DiscoveryError};
use openidconnect::{IdTokenClaims, StandardErrorResponse, TokenResponse};
use serde::Deserialize;
use url::Url;

use super::jwk::ProviderKey;
use super::{AuthError, Callback, IdTokenJwt, Identity, PendingLogin, SignIn};
use crate::config::OidcConfig;

/// openidconnect's `CoreClient` with the provider's keys as [`ProviderKey`]s (see `super::jwk`:
/// signatures are checked by the browser's WebCrypto).
type OidcClient = Client<
    EmptyAdditionalClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    ProviderKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    CoreTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,      // authorization endpoint: always in discovery
    EndpointNotSet,   // device authorization
    EndpointNotSet,   // introspection
    EndpointNotSet,   // revocation
    EndpointMaybeSet, // token endpoint
    EndpointMaybeSet, // userinfo
>;

/// The discovery document's fields the sign-in uses (OpenID Connect Discovery 1.0 §3; those
/// the spec requires are required here). Read here rather than as openidconnect's
/// `ProviderMetadata`, whose parser for every field of the spec cost 48 KB of wasm (8 KB
/// brotli, scripts/size); the client is then built from a `ProviderMetadata` holding these
/// fields, as `discover_async` would have built it.
#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: IssuerUrl,
    authorization_endpoint: AuthUrl,
    token_endpoint: Option<TokenUrl>,
    userinfo_endpoint: Option<UserInfoUrl>,
    jwks_uri: JsonWebKeySetUrl,
    response_types_supported: Vec<ResponseTypes<CoreResponseType>>,
    subject_types_supported: Vec<CoreSubjectIdentifierType>,
    /// The algorithms ID tokens may be signed with (the verifier allows these only).
    #[serde(deserialize_with = "known_algorithms")]
    id_token_signing_alg_values_supported: Vec<CoreJwsSigningAlgorithm>,
    /// OpenID Connect RP-Initiated Logout 1.0.
    end_session_endpoint: Option<EndSessionUrl>,
    /// RFC 9207: the provider puts `iss` in every authorization response.
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}

type Metadata = ProviderMetadata<
    EmptyAdditionalProviderMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    ProviderKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The entries of a list of JWS algorithms that openidconnect knows, the others skipped, as its
/// own parser does (`VecSkipError`): a provider that also lists a newer algorithm stays usable.
fn known_algorithms<'de, D>(deserializer: D) -> Result<Vec<CoreJwsSigningAlgorithm>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let entries = Vec::<serde_json::Value>::deserialize(deserializer)?;
    Ok(entries
        .into_iter()
        .filter_map(|entry| CoreJwsSigningAlgorithm::deserialize(entry).ok())
        .collect())
}

/// GETs the discovery document, answered 200 with JSON (as `ProviderMetadata::discover_async`
/// requires), and checks that its `issuer` is exactly the configured one (OIDC Discovery §4.3).
async fn fetch_discovery<C>(config: &OidcConfig, http: &C) -> Result<Discovery, AuthError>
where
    C: for<'c> AsyncHttpClient<'c>,
{
    let issuer = config.issuer.as_str();
    let invalid = |detail: String| AuthError::DiscoveryInvalid {
        issuer: issuer.to_owned(),
        detail,
    };
    let url = config
        .issuer
        .join(".well-known/openid-configuration")
        .map_err(|e| invalid(e.to_string()))?;
    let request = http::Request::get(url.as_str())
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| invalid(e.to_string()))?;
    let response = http
        .call(request)
        .await
        .map_err(|e| AuthError::ProviderUnreachable {
            issuer: issuer.to_owned(),
            detail: e.to_string(),
        })?;
    if response.status() != http::StatusCode::OK {
        return Err(invalid(format!(
            "HTTP {} for the discovery document or the JWKS",
            response.status()
        )));
    }
    // RFC 9110 §8.3.1: the type is case-insensitive and may carry parameters (charset).
    if let Some(content_type) = response.headers().get(http::header::CONTENT_TYPE) {
        let text = content_type.to_str().unwrap_or_default();
        let essence = text.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(invalid(format!(
                "the discovery document is `{text}`, not `application/json`"
            )));
        }
    }
    let doc: Discovery = serde_json::from_slice(response.body())
        .map_err(|e| invalid(format!("unreadable discovery document: {e}")))?;
    if doc.issuer != config.issuer {
        return Err(invalid(format!(
            "unexpected issuer URI `{}` (expected `{issuer}`)",
            doc.issuer.as_str()
        )));
    }
    Ok(doc)
}

/// A discovered provider, ready to start and finish sign-ins.
#[derive(Debug, Clone)]
pub struct Provider {
    client: OidcClient,
    issuer: String,
    /// For key rotation: the JWKS is fetched once more when a token names a `kid` it lacks.
    issuer_url: IssuerUrl,
    jwks_uri: JsonWebKeySetUrl,
    signing_algs: Vec<CoreJwsSigningAlgorithm>,
    end_session: Option<EndSessionUrl>,
    /// RFC 9207 §2.4: when the provider says it sends `iss`, a response without it is refused.
    requires_iss: bool,
    extra_scopes: Vec<String>,
}

impl Provider {
    /// Fetches the discovery document (its `issuer` must be exactly the configured one, OIDC
    /// Discovery §4.3) and the JWKS.
    pub async fn discover<C>(config: &OidcConfig, http: &C) -> Result<Self, AuthError>
    where
        C: for<'c> AsyncHttpClient<'c>,
    {
        let issuer = config.issuer.to_string();
        let doc = fetch_discovery(config, http).await?;
        let jwks = JsonWebKeySet::fetch_async(&doc.jwks_uri, http)
            .await
            .map_err(|e| discovery_error(&issuer, e))?;
        let issuer_url = doc.issuer.clone();
        let jwks_uri = doc.jwks_uri.clone();
        let signing_algs = doc.id_token_signing_alg_values_supported.clone();
        let metadata = Metadata::new(
            doc.issuer,
            doc.authorization_endpoint,
            doc.jwks_uri,
            doc.response_types_supported,
            doc.subject_types_supported,
            doc.id_token_signing_alg_values_supported,
            EmptyAdditionalProviderMetadata {},
        )
        .set_token_endpoint(doc.token_endpoint)
        .set_userinfo_endpoint(doc.userinfo_endpoint)
        .set_jwks(jwks);
        let client = OidcClient::from_provider_metadata(metadata, config.client_id.clone(), None)
            .set_redirect_uri(config.redirect_uri.clone());
        Ok(Self {
            client,
            issuer,
            issuer_url,
            jwks_uri,
            signing_algs,
            end_session: doc.end_session_endpoint,
            requires_iss: doc.authorization_response_iss_parameter_supported,
            extra_scopes: config.extra_scopes.clone(),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The provider URLs the page fetches: discovery (under the issuer), the token endpoint
    /// and the JWKS (for the page's Content-Security-Policy, `connect-src`).
    pub fn fetched_urls(&self) -> Vec<&str> {
        let mut urls = vec![self.issuer.as_str(), self.jwks_uri.as_str()];
        urls.extend(self.client.token_uri().map(|u| u.as_str()));
        urls
    }

    /// The authorization endpoint, which the silent renewal loads in a frame (`frame-src`).
    pub fn authorization_url(&self) -> &str {
        self.client.auth_uri().as_str()
    }

    /// The end-session endpoint, where sign-out submits its form (`form-action`).
    pub fn end_session_url(&self) -> Option<&str> {
        self.end_session.as_ref().map(|u| u.url().as_str())
    }

    /// The authorization URL to send the browser to, and the record to keep until it returns.
    /// `silent` asks for `prompt=none` (restore an existing provider session, no UI).
    pub fn begin_login(&self, return_to: &str, silent: bool) -> (Url, PendingLogin) {
        let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge)
            .add_scopes(self.extra_scopes.iter().cloned().map(Scope::new));
        if silent {
            request = request.add_prompt(CoreAuthPrompt::None);
        }
        let (url, state, nonce) = request.url();
        let pending = PendingLogin {
            state,
            nonce,
            pkce_verifier,
            return_to: super::pending::safe_return_path(return_to),
            silent,
        };
        (url, pending)
    }

    /// Finishes a sign-in: checks `state` (and `iss` when sent), exchanges the code with the PKCE
    /// verifier, and verifies the ID token (signature against the JWKS, `iss`, `aud`, `exp`,
    /// `nonce`, and `at_hash` when present).
    pub async fn complete_login<C>(
        &self,
        pending: PendingLogin,
        callback: Callback,
        http: &C,
    ) -> Result<SignIn, AuthError>
    where
        C: for<'c> AsyncHttpClient<'c>,
    {
        // Every response is checked against this tab's sign-in first (CSRF defence), errors
        // included: an error for another sign-in says nothing about ours.
        let returned_state = match &callback {
            Callback::Code { state, .. } => Some(state.as_str()),
            Callback::Error { state, .. } => state.as_deref(),
        };
        if returned_state.is_some_and(|s| !pending.state_matches(s)) {
            return Err(AuthError::StateMismatch);
        }
        let (code, iss) = match callback {
            Callback::Error { error, .. } if pending.silent && is_interaction_needed(&error) => {
                return Err(AuthError::LoginRequired);
            }
            Callback::Error {
                error, description, ..
            } => {
                return Err(AuthError::Refused { error, description });
            }
            Callback::Code { code, iss, .. } => (code, iss),
        };
        // RFC 9207 mix-up defence.
        match iss {
            Some(got) if got != self.issuer => {
                return Err(AuthError::IssuerMismatch {
                    expected: self.issuer.clone(),
                    got,
                });
            }
            None if self.requires_iss => {
                return Err(AuthError::IssuerMismatch {
                    expected: self.issuer.clone(),
                    got: "no iss parameter".into(),
                });
            }
            _ => {}
        }

        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| AuthError::DiscoveryInvalid {
                issuer: self.issuer.clone(),
                detail: e.to_string(),
            })?
            .set_pkce_verifier(pending.pkce_verifier)
            .request_async(http)
            .await
            .map_err(token_error)?;
        let (id_token, identity) = self.verify(&response, &pending.nonce, http).await?;
        Ok(SignIn {
            id_token,
            identity,
            return_to: pending.return_to,
            refresh_token: response.refresh_token().cloned(),
            nonce: pending.nonce,
        })
    }

    /// Renews a sign-in with its refresh token (RFC 6749 §6), before its ID token expires. The
    /// new ID token is verified like the first one and must describe the same sign-in (OIDC
    /// Core §12.2): same issuer, audience and subject, and the first sign-in's nonce if it
    /// carries one. The provider may rotate the refresh token: the answer's one replaces it
    /// (the old one is spent); a provider that does not rotate keeps the old one valid.
    pub async fn refresh<C>(&self, previous: &SignIn, http: &C) -> Result<SignIn, AuthError>
    where
        C: for<'c> AsyncHttpClient<'c>,
    {
        let refresh_token = previous
            .refresh_token
            .as_ref()
            .ok_or(AuthError::NoRefreshToken)?;
        let response = self
            .client
            .exchange_refresh_token(refresh_token)
            .map_err(|e| AuthError::DiscoveryInvalid {
                issuer: self.issuer.clone(),
                detail: e.to_string(),
            })?
            .request_async(http)
            .await
            .map_err(token_error)?;
        let first_nonce = &previous.nonce;
        let same_nonce = |nonce: Option<&Nonce>| match nonce {
            Some(n) if n.secret() != first_nonce.secret() => {
                Err("its nonce is not the first sign-in's".to_owned())
            }
            _ => Ok(()),
        };
        let (id_token, identity) = self.verify(&response, same_nonce, http).await?;
        if identity.sub != previous.identity.sub {
            return Err(rejected(format!(
                "the renewed token names another user ({}, not {})",
                identity.sub, previous.identity.sub
            )));
        }
        Ok(SignIn {
            id_token,
            identity,
            return_to: previous.return_to.clone(),
            refresh_token: response
                .refresh_token()
                .or(previous.refresh_token.as_ref())
                .cloned(),
            nonce: previous.nonce.clone(),
        })
    }

    /// Verifies the ID token of a token response: signature against the JWKS (fetched once
    /// more for a `kid` it lacks), `iss`, `aud`, `exp`, the nonce as `nonce` checks it, and
    /// `at_hash` when present.
    async fn verify<C>(
        &self,
        response: &CoreTokenResponse,
        nonce: impl NonceVerifier,
        http: &C,
    ) -> Result<(IdTokenJwt, Identity), AuthError>
    where
        C: for<'c> AsyncHttpClient<'c>,
    {
        let id_token = response.id_token().ok_or(AuthError::NoIdToken)?;
        let mut verifier = self.client.id_token_verifier();
        // Key rotation (OIDC Core §10.1.1): a `kid` the JWKS fetched at start-up lacks may be a
        // key the provider has published since. Fetch the JWKS once more and verify with it;
        // a kid it lacks too is refused below, as before.
        if matches!(
            id_token.signing_key(&verifier),
            Err(SignatureVerificationError::NoMatchingKey)
        ) && let Ok(jwks) = JsonWebKeySet::fetch_async(&self.jwks_uri, http).await
        {
            verifier = IdTokenVerifier::new_public_client(
                self.client.client_id().clone(),
                self.issuer_url.clone(),
                jwks,
            )
            .set_allowed_algs(self.signing_algs.clone());
        }
        check_signature(id_token, &verifier).await;
        let claims = id_token.claims(&verifier, nonce).map_err(claims_error)?;
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(|e| rejected(e.to_string()))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| rejected(e.to_string()))?;
            let actual = AccessTokenHash::from_token(response.access_token(), alg, key)
                .map_err(|e| rejected(e.to_string()))?;
            if actual != *expected {
                return Err(rejected("at_hash does not match the access token".into()));
            }
        }
        Ok((IdTokenJwt::new(id_token.to_string()), identity_from(claims)))
    }

    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), when the provider has an
    /// `end_session_endpoint`. A form POST (§2: the provider must accept POST), so the ID token
    /// given as `id_token_hint` travels in the body and never in a URL, where history, the
    /// provider's access log and any proxy would keep it. Amazon Cognito's `/logout` answers
    /// GET only and reads neither the hint nor `post_logout_redirect_uri`: it gets a GET with
    /// `client_id` and `logout_uri`, no token.
    pub fn logout(&self, id_token: &IdTokenJwt, post_logout: &Url) -> Option<Logout> {
        let endpoint = self.end_session.clone()?;
        let action = endpoint.url().clone();
        let request = LogoutRequest::from(endpoint)
            .set_client_id(self.client.client_id().clone())
            .set_post_logout_redirect_uri(PostLogoutRedirectUrl::from_url(post_logout.clone()));
        if is_cognito(&action) {
            let mut url = request.http_get_url();
            url.query_pairs_mut()
                .append_pair("logout_uri", post_logout.as_str());
            return Some(Logout::Get(url));
        }
        // The hint lets the provider skip "which account?"; it is the same token STS saw.
        let request = match id_token.secret().parse::<CoreIdToken>() {
            Ok(hint) => request.set_id_token_hint(&hint),
            Err(_) => request,
        };
        // The crate builds the parameters as a query; they move to the form, and whatever
        // query the endpoint itself carries stays on the action.
        let own: Vec<(String, String)> = action.query_pairs().into_owned().collect();
        let fields = request
            .http_get_url()
            .query_pairs()
            .into_owned()
            .filter(|pair| !own.contains(pair))
            .collect();
        Some(Logout::Post { action, fields })
    }
}

/// How the browser leaves for the provider's end-session endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logout {
    /// Submit a form with these fields to `action` (method POST).
    Post {
        action: Url,
        fields: Vec<(String, String)>,
    },
    /// Go to this URL; it holds no token.
    Get(Url),
}

/// Amazon Cognito's hosted domain (`<domain>.auth.<region>.amazoncognito.com`). A custom
/// domain does not show it is Cognito's, so it gets the POST like any other provider.
fn is_cognito(url: &Url) -> bool {
    url.host_str()
        .is_some_and(|h| h.ends_with(".amazoncognito.com"))
}

/// Checks the token's signature with the key and algorithm openidconnect will verify it with
/// (the JWKS key named by `kid`, for the header's `alg`), ahead of openidconnect's synchronous
/// verification, which then reads the verdict (see `super::jwk`). When no key or algorithm can
/// be picked (`alg: none`, an unknown `kid`, …) there is nothing to check, and the
/// verification that follows says why the token is refused.
async fn check_signature(id_token: &CoreIdToken, verifier: &IdTokenVerifier<'_, ProviderKey>) {
    let (Ok(alg), Ok(key)) = (id_token.signing_alg(), id_token.signing_key(verifier)) else {
        return;
    };
    // Compact JWS: the signature covers `header.payload` (RFC 7515 §5.2).
    let jws = id_token.to_string();
    let Some((signed, signature)) = jws.rsplit_once('.') else {
        return;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return;
    };
    key.check(alg, signed.as_bytes(), &signature).await;
}

fn identity_from<AC, GC>(claims: &IdTokenClaims<AC, GC>) -> Identity
where
    AC: openidconnect::AdditionalClaims,
    GC: openidconnect::GenderClaim,
{
    let exp_ms = claims.expiration().timestamp_millis();
    Identity {
        issuer: claims.issuer().to_string(),
        sub: claims.subject().to_string(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string())
            .or_else(|| claims.preferred_username().map(|u| u.to_string())),
        email: claims.email().map(|e| e.to_string()),
        expires_at_ms: u64::try_from(exp_ms).unwrap_or(0),
    }
}

/// `prompt=none` answers that mean "the user must interact" (OIDC Core §3.1.2.6).
fn is_interaction_needed(error: &str) -> bool {
    matches!(
        error,
        "login_required"
            | "interaction_required"
            | "consent_required"
            | "account_selection_required"
    )
}

fn rejected(reason: String) -> AuthError {
    AuthError::IdTokenRejected { reason }
}

fn discovery_error<E: std::error::Error>(issuer: &str, e: DiscoveryError<E>) -> AuthError {
    let issuer = issuer.to_owned();
    match e {
        DiscoveryError::Request(e) => AuthError::ProviderUnreachable {
            issuer,
            detail: e.to_string(),
        },
        DiscoveryError::Response(status, _, _) => AuthError::DiscoveryInvalid {
            issuer,
            detail: format!("HTTP {status} for the discovery document or the JWKS"),
        },
        DiscoveryError::Validation(detail) => AuthError::DiscoveryInvalid { issuer, detail },
        other => AuthError::DiscoveryInvalid {
            issuer,
            detail: other.to_string(),
        },
    }
}

fn token_error<E: std::error::Error>(
    e: RequestTokenError<E, StandardErrorResponse<CoreErrorResponseType>>,
) -> AuthError {
    match e {
        RequestTokenError::ServerResponse(r) => AuthError::TokenRefused {
            detail: match r.error_description() {
                Some(d) => format!("{} ({d})", r.error()),
                None => r.error().to_string(),
            },
        },
        RequestTokenError::Request(e) => AuthError::TokenEndpointUnreachable {
            detail: e.to_string(),
        },
        RequestTokenError::Parse(e, _) => AuthError::TokenRefused {
            detail: e.to_string(),
        },
        RequestTokenError::Other(d) => AuthError::TokenRefused { detail: d },
    }
}

fn claims_error(e: ClaimsVerificationError) -> AuthError {
    use ClaimsVerificationError as C;
    use SignatureVerificationError as S;
    let reason = match e {
        C::Expired(_) => "it has expired".to_owned(),
        C::InvalidAudience(_) => "it was issued for another client (aud)".to_owned(),
        C::InvalidIssuer(_) => "it was issued by another issuer (iss)".to_owned(),
        C::InvalidNonce(_) => "its nonce does not match this sign-in (replay?)".to_owned(),
        C::SignatureVerification(S::NoMatchingKey) => {
            "it is signed with a key the provider does not publish (kid not in JWKS)".to_owned()
        }
        C::SignatureVerification(S::NoSignature) => "it is not signed (alg none)".to_owned(),
        C::SignatureVerification(S::DisallowedAlg(a) | S::UnsupportedAlg(a)) => {
            format!("it is signed with an algorithm that is not allowed ({a})")
        }
        C::SignatureVerification(S::CryptoError(_)) => {
            "its signature does not verify (tampered or forged)".to_owned()
        }
        other => other.to_string(),
    };
    AuthError::IdTokenRejected { reason }
}
