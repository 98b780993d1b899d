//! The signed-in session as reactive state: discovery at start-up, the redirect to the
//! provider and back, restoring the session after a reload, sign-out.
//!
//! Only the pending-login record (verifier, state, nonce) touches `sessionStorage`, and a
//! "signed in" flag `localStorage`; tokens stay in memory. A reload — or another tab — restores
//! the session with a `prompt=none` round trip to the provider, which answers from its own
//! session cookie. Tabs share that sign-in and nothing else: each has its own tokens (refresh
//! token included) and STS credentials and renews them itself ([`renewal`]), so renewals
//! cannot race. Signing out in one tab ends the session in every other tab too.

mod renewal;

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::auth::pending::STORAGE_KEY as PENDING_KEY;
use crate::auth::provider::Logout;
use crate::auth::{AuthError, Callback, IdTokenJwt, Identity, PendingLogin, Provider, SignIn};
use crate::config::AppConfig;
use crate::credentials::{self, WebIdentityCredentials};
use crate::error::AppError;
use crate::platform::browser::{self, local_storage, popup, session_storage};
use crate::platform::{self, http::oidc_client};
use crate::routes;
use crate::sdk;
use crate::storage::{Storage, StorageError, keys};

/// `localStorage` flag: this browser is signed in, so a reload or a new tab should restore the
/// session with a silent round trip. Not a secret.
const SIGNED_IN_KEY: &str = "pail.session.active";
/// `localStorage`: when the user last signed out; other tabs follow a change of it. A tab
/// whose own silent sign-in fails does not touch it, so it never signs the others out.
const SIGNED_OUT_KEY: &str = "pail.session.signed-out";

/// A signed-in user's handles on AWS.
#[derive(Debug)]
pub struct Account {
    /// Who signed in (from the first ID token; renewals must name the same subject).
    pub identity: Identity,
    pub storage: Storage,
    pub credentials: WebIdentityCredentials,
    /// The latest sign-in: its ID token, refresh token and nonce; each renewal replaces it.
    current: std::sync::Mutex<Current>,
}

#[derive(Debug)]
struct Current {
    sign_in: SignIn,
    /// When it arrived (AWS's time as far as known): the renewal margin follows from how
    /// long the ID token was valid for.
    received_ms: u64,
}

impl Account {
    /// The ID token in use (for STS, the setup doctor and the logout hint).
    pub fn id_token(&self) -> IdTokenJwt {
        self.with_current(|c| c.sign_in.id_token.clone())
    }

    /// When the ID token in use expires, in milliseconds since the epoch.
    pub fn expires_at_ms(&self) -> u64 {
        self.with_current(|c| c.sign_in.identity.expires_at_ms)
    }

    fn with_current<T>(&self, f: impl FnOnce(&Current) -> T) -> T {
        // A poisoned lock only means a panic elsewhere; the value is still whole.
        let current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&current)
    }

    /// Takes a renewed sign-in of the same user: STS gets its ID token from now on.
    fn renewed(&self, sign_in: SignIn) {
        self.credentials
            .set_token(sign_in.id_token.clone(), &self.identity.sub);
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *current = Current {
            sign_in,
            received_ms: platform::clock::BrowserClock::now_ms(),
        };
    }
}

#[derive(Debug, Clone)]
pub enum Phase {
    /// Discovering the provider / finishing a sign-in.
    Starting,
    /// On the way to the provider.
    Redirecting,
    /// Not signed in; `notice` says why, when it was not the user's choice.
    SignedOut {
        notice: Option<AppError>,
    },
    SignedIn(Arc<Account>),
}

/// Built once per page: settings and the SDK runtime.
#[derive(Debug)]
struct Services {
    config: AppConfig,
    sdk: aws_config::SdkConfig,
    runtime: sdk::Runtime,
}

/// Handle to the session; `Copy`, from context via [`use_session`].
#[derive(Clone, Copy)]
pub struct Session {
    phase: RwSignal<Phase>,
    provider: RwSignal<Option<Arc<Provider>>>,
    services: StoredValue<Arc<Services>>,
    /// Why the sign-in could not be renewed without the user (`None` while all is well): the
    /// page then offers to sign in again in a small window before it ends.
    renewal: RwSignal<Option<AppError>>,
}

pub fn provide_session(config: AppConfig) {
    let runtime = platform::sdk_runtime();
    let sdk = sdk::sdk_config(&config.aws.region, &runtime);
    provide_context(Session {
        phase: RwSignal::new(Phase::Starting),
        provider: RwSignal::new(None),
        renewal: RwSignal::new(None),
        services: StoredValue::new(Arc::new(Services {
            config,
            sdk,
            runtime,
        })),
    });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

impl Session {
    pub fn phase(&self) -> Phase {
        self.phase.get()
    }

    /// Why the sign-in could not be renewed in the background, while that is so.
    pub fn renewal_problem(&self) -> Option<AppError> {
        self.renewal.get()
    }

    pub fn config(&self) -> AppConfig {
        self.services.with_value(|s| s.config.clone())
    }

    /// The SDK configuration STS and S3 clients are built from (the setup doctor builds its
    /// own, to ask STS afresh).
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        self.services.with_value(|s| s.sdk.clone())
    }

    pub fn time_source(&self) -> aws_smithy_async::time::SharedTimeSource {
        self.services.with_value(|s| s.runtime.time_source.clone())
    }

    /// Sends the browser to the provider. `silent` restores an existing provider session
    /// without showing anything (prompt=none).
    pub fn sign_in(&self, return_to: &str, silent: bool) {
        let Some(provider) = self.provider.get_untracked() else {
            // Discovery failed; retrying it is what "sign in" means now.
            self.phase.set(Phase::Starting);
            let session = *self;
            let return_to = return_to.to_owned();
            spawn_local(async move {
                if session.discover().await.is_ok() {
                    session.sign_in(&return_to, silent);
                }
            });
            return;
        };
        let (url, pending) = provider.begin_login(return_to, silent);
        if !session_storage::set(PENDING_KEY, &pending.to_json()) {
            self.phase.set(Phase::SignedOut {
                notice: Some(AppError::Auth(AuthError::ProviderUnreachable {
                    issuer: provider.issuer().to_owned(),
                    detail: "this browser does not allow session storage for this site".into(),
                })),
            });
            return;
        }
        self.phase.set(Phase::Redirecting);
        if let Err(e) = browser::go_to(url.as_str()) {
            leptos::logging::warn!("could not leave for the provider: {e}");
        }
    }

    /// Forgets everything and ends the provider session when it supports RP-initiated logout.
    pub fn sign_out(&self) {
        local_storage::remove(SIGNED_IN_KEY);
        local_storage::set(SIGNED_OUT_KEY, &js_sys::Date::now().to_string());
        session_storage::remove(PENDING_KEY);
        let account = match self.phase.get_untracked() {
            Phase::SignedIn(account) => Some(account),
            _ => None,
        };
        self.phase.set(Phase::SignedOut { notice: None });
        let Some(account) = account else { return };
        account.credentials.clear();
        let logout = self.provider.get_untracked().and_then(|p| {
            let post = self
                .services
                .with_value(|s| s.config.oidc.post_logout_redirect_uri.clone());
            p.logout(&account.id_token(), &post)
        });
        let Some(logout) = logout else { return };
        self.phase.set(Phase::Redirecting);
        let left = match logout {
            Logout::Post { action, fields } => browser::post_form(action.as_str(), &fields),
            Logout::Get(url) => browser::go_to(url.as_str()),
        };
        if let Err(e) = left {
            leptos::logging::warn!("could not leave for the provider's sign-out: {e}");
        }
    }

    /// Signs in again in a small window: the page and everything in it (the open folder,
    /// uploads waiting for a sign-in) stay, and the account gets the new tokens. It must be
    /// the same user. `done` hears how it went; a window the user closed is not an answer.
    pub fn sign_in_again_in_window(&self, done: impl FnOnce(Result<(), AppError>) + 'static) {
        let Phase::SignedIn(account) = self.phase.get_untracked() else {
            return;
        };
        let Some(provider) = self.provider.get_untracked() else {
            // Discovery failed earlier: only the full-page sign-in can retry it.
            self.sign_in(&browser::path_and_query(), false);
            return;
        };
        // No `prompt`: a provider session that is still alive answers at once.
        let (url, pending) = provider.begin_login(&browser::path_and_query(), false);
        let Some(window) = popup::open(url.as_str()) else {
            done(Err(AppError::Auth(AuthError::Refused {
                error: "popup_blocked".into(),
                description: Some(
                    "the browser blocked the sign-in window; allow pop-ups for this site and \
                     choose \"Sign in again\" once more"
                        .into(),
                ),
            })));
            return;
        };
        let session = *self;
        spawn_local(async move {
            let Some(query) = popup::callback_from(&window).await else {
                return; // closed by the user: nothing changed, the button is still there
            };
            let Some(callback) = Callback::parse(&query) else {
                return;
            };
            let outcome = provider
                .complete_login(pending, callback, &oidc_client)
                .await
                .map_err(AppError::from)
                .and_then(|sign_in| renewal::same_user(&account, sign_in));
            match outcome {
                Ok(sign_in) => {
                    account.renewed(sign_in);
                    session.renewal.set(None);
                    done(Ok(()));
                }
                Err(e) => done(Err(e)),
            }
        });
    }

    async fn discover(&self) -> Result<Arc<Provider>, AppError> {
        let oidc = self.services.with_value(|s| s.config.oidc.clone());
        match Provider::discover(&oidc, &oidc_client).await {
            Ok(p) => {
                let p = Arc::new(p);
                let policy = self.services.with_value(|s| {
                    crate::csp::narrowed(
                        &s.config,
                        &p.fetched_urls(),
                        p.authorization_url(),
                        p.end_session_url(),
                    )
                });
                browser::narrow_content_security_policy(&policy);
                self.provider.set(Some(p.clone()));
                Ok(p)
            }
            Err(e) => {
                let e = AppError::Auth(e);
                self.phase.set(Phase::SignedOut {
                    notice: Some(e.clone()),
                });
                Err(e)
            }
        }
    }

    fn open_account(&self, sign_in: SignIn) -> Result<Account, AppError> {
        let services = self.services.get_value();
        let cfg = &services.config;
        let home = keys::home_prefix(&cfg.s3.prefix_template, &sign_in.identity.sub)
            .map_err(StorageError::from)?;
        let sts = credentials::sts_client(&services.sdk, &cfg.aws);
        let creds =
            WebIdentityCredentials::new(sts, &cfg.aws, services.runtime.time_source.clone());
        creds.set_token(sign_in.id_token.clone(), &sign_in.identity.sub);
        Ok(Account {
            identity: sign_in.identity.clone(),
            storage: Storage::connect(&services.sdk, &cfg.s3, &cfg.aws.region, home, creds.clone()),
            credentials: creds,
            current: std::sync::Mutex::new(Current {
                sign_in,
                received_ms: platform::clock::BrowserClock::now_ms(),
            }),
        })
    }
}

/// Runs once under the router: discovery, then finish a sign-in (on `/callback`), restore a
/// session (after a reload) or show the sign-in page.
#[component]
pub fn SessionBootstrap() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let replace = move |to: &str| {
        navigate(
            to,
            NavigateOptions {
                replace: true,
                ..NavigateOptions::default()
            },
        );
    };
    let on_callback = browser::pathname() == routes::CALLBACK;
    // The sign-in window or the silent-renewal frame: the page that opened it finishes the
    // sign-in.
    if on_callback && browser::hand_over() {
        return;
    }
    // Signed out in another tab: this one ends its session too (the provider session is
    // already over, or ending).
    local_storage::on_change_elsewhere(SIGNED_OUT_KEY, move |value| {
        if value.is_some()
            && let Phase::SignedIn(account) = session.phase.get_untracked()
        {
            account.credentials.clear();
            session.phase.set(Phase::SignedOut {
                notice: Some(AuthError::SignedOutElsewhere.into()),
            });
        }
    });
    spawn_local(async move {
        let Ok(provider) = session.discover().await else {
            if on_callback {
                session_storage::remove(PENDING_KEY);
                replace("/");
            }
            return;
        };
        if !on_callback {
            if local_storage::get(SIGNED_IN_KEY).is_some() {
                session.sign_in(&browser::path_and_query(), true);
            } else {
                session.phase.set(Phase::SignedOut { notice: None });
            }
            return;
        }

        // The code and state leave the address bar whatever happens next.
        let callback = Callback::parse(&browser::search());
        let pending = session_storage::take(PENDING_KEY).and_then(|j| PendingLogin::from_json(&j));
        let (Some(callback), Some(pending)) = (callback, pending) else {
            session.phase.set(Phase::SignedOut {
                notice: Some(AuthError::NoPendingLogin.into()),
            });
            replace("/");
            return;
        };
        let return_to = pending.return_to.clone();
        let outcome = provider
            .complete_login(pending, callback, &oidc_client)
            .await
            .map_err(AppError::from)
            .and_then(|sign_in| session.open_account(sign_in));
        match outcome {
            Ok(account) => {
                local_storage::set(SIGNED_IN_KEY, "1");
                let account = Arc::new(account);
                session.phase.set(Phase::SignedIn(account.clone()));
                session.keep_renewed(account);
            }
            Err(AppError::Auth(AuthError::LoginRequired)) => {
                local_storage::remove(SIGNED_IN_KEY);
                session.phase.set(Phase::SignedOut { notice: None });
            }
            Err(e) => {
                local_storage::remove(SIGNED_IN_KEY);
                session.phase.set(Phase::SignedOut { notice: Some(e) });
            }
        }
        replace(&return_to);
    });
}
