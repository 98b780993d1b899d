//! The size floor of the mandated stack (`scripts/size-floor`): Leptos with its router, the
//! S3 client making every call the app makes (presigned ones included), the STS call, and the
//! OpenID Connect sign-in (discovery, code exchange with verification, refresh) — and none of
//! the app's own UI or logic. Built in layers with cargo features, each one measured after
//! the same wasm-bindgen and `wasm-opt -Oz` steps as the app.
//!
//! Nothing here is meant to run: every call sits behind a condition the optimiser cannot
//! decide (`Math.random() > 2`), so the linker keeps all of it, as it keeps the app's.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(feature = "shell")]
    shell::mount();
    if js_sys::Math::random() <= 2.0 {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        #[cfg(feature = "s3")]
        s3::every_call().await;
        #[cfg(feature = "sts")]
        sts::assume().await;
        #[cfg(feature = "oidc")]
        oidc::sign_in().await;
    });
}

#[cfg(feature = "shell")]
mod shell {
    use leptos::prelude::*;
    use leptos_router::components::{Route, Router, Routes};
    use leptos_router::path;

    /// A router with two pages, a signal, an event handler and a list: the shape of the app's
    /// shell without its components.
    pub fn mount() {
        leptos::mount::mount_to_body(|| {
            view! {
                <Router>
                    <Routes fallback=|| "not found">
                        <Route path=path!("/") view=Home/>
                        <Route path=path!("/doctor") view=|| view! { <p>"doctor"</p> }/>
                    </Routes>
                </Router>
            }
        });
    }

    #[component]
    fn Home() -> impl IntoView {
        let count = RwSignal::new(0_u32);
        view! {
            <button on:click=move |_| count.update(|c| *c += 1)>{move || count.get()}</button>
            <ul>{move || (0..count.get()).map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
        }
    }
}

#[cfg(feature = "s3")]
mod s3 {
    use std::hint::black_box;
    use std::time::Duration;

    use aws_sdk_s3::presigning::PresigningConfig;
    use aws_sdk_s3::types::{CompletedMultipartUpload, Delete, ObjectIdentifier};

    fn client() -> aws_sdk_s3::Client {
        let runtime = pail::platform::sdk_runtime();
        let sdk = pail::sdk::sdk_config("us-east-1", &runtime);
        let credentials =
            aws_credential_types::Credentials::new("id", "secret", None, None, "size-floor");
        let config = aws_sdk_s3::config::Builder::from(&sdk)
            .credentials_provider(credentials)
            .endpoint_url("http://127.0.0.1:9000")
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Every S3 operation the app sends, and the three it presigns.
    pub async fn every_call() {
        let c = client();
        let (b, k) = ("bucket", "users/a/key");
        black_box(
            c.list_objects_v2()
                .bucket(b)
                .prefix(k)
                .delimiter("/")
                .send()
                .await
                .is_ok(),
        );
        black_box(
            c.list_object_versions()
                .bucket(b)
                .prefix(k)
                .send()
                .await
                .is_ok(),
        );
        black_box(c.head_object().bucket(b).key(k).send().await.is_ok());
        if let Ok(out) = c.get_object().bucket(b).key(k).send().await {
            black_box(out.body.collect().await.is_ok());
        }
        black_box(
            c.put_object()
                .bucket(b)
                .key(k)
                .body(Vec::new().into())
                .send()
                .await
                .is_ok(),
        );
        black_box(c.delete_object().bucket(b).key(k).send().await.is_ok());
        let delete = Delete::builder()
            .objects(
                ObjectIdentifier::builder()
                    .key(k)
                    .build()
                    .ok()
                    .unwrap_or_else(|| unreachable!()),
            )
            .build()
            .ok();
        black_box(
            c.delete_objects()
                .bucket(b)
                .set_delete(delete)
                .send()
                .await
                .is_ok(),
        );
        black_box(
            c.copy_object()
                .bucket(b)
                .key(k)
                .copy_source("b/k")
                .send()
                .await
                .is_ok(),
        );
        black_box(
            c.create_multipart_upload()
                .bucket(b)
                .key(k)
                .send()
                .await
                .is_ok(),
        );
        black_box(
            c.upload_part_copy()
                .bucket(b)
                .key(k)
                .upload_id("u")
                .part_number(1)
                .copy_source("b/k")
                .send()
                .await
                .is_ok(),
        );
        let done = CompletedMultipartUpload::builder().build();
        black_box(
            c.complete_multipart_upload()
                .bucket(b)
                .key(k)
                .upload_id("u")
                .multipart_upload(done)
                .send()
                .await
                .is_ok(),
        );
        black_box(
            c.abort_multipart_upload()
                .bucket(b)
                .key(k)
                .upload_id("u")
                .send()
                .await
                .is_ok(),
        );
        black_box(
            c.list_multipart_uploads()
                .bucket(b)
                .prefix(k)
                .send()
                .await
                .is_ok(),
        );
        black_box(
            c.list_parts()
                .bucket(b)
                .key(k)
                .upload_id("u")
                .send()
                .await
                .is_ok(),
        );
        let Ok(window) = PresigningConfig::expires_in(Duration::from_secs(900)) else {
            return;
        };
        black_box(
            c.put_object()
                .bucket(b)
                .key(k)
                .presigned(window.clone())
                .await
                .is_ok(),
        );
        black_box(
            c.upload_part()
                .bucket(b)
                .key(k)
                .upload_id("u")
                .part_number(1)
                .presigned(window.clone())
                .await
                .is_ok(),
        );
        black_box(
            c.get_object()
                .bucket(b)
                .key(k)
                .presigned(window)
                .await
                .is_ok(),
        );
    }
}

#[cfg(feature = "sts")]
mod sts {
    use std::hint::black_box;

    pub async fn assume() {
        let runtime = pail::platform::sdk_runtime();
        let sdk = pail::sdk::sdk_config("us-east-1", &runtime);
        let config = aws_sdk_sts::config::Builder::from(&sdk)
            .endpoint_url("http://127.0.0.1:9001")
            .build();
        let out = aws_sdk_sts::Client::from_conf(config)
            .assume_role_with_web_identity()
            .role_arn("arn:aws:iam::123456789012:role/r")
            .role_session_name("s")
            .web_identity_token("t")
            .duration_seconds(900)
            .send()
            .await;
        black_box(
            out.ok()
                .and_then(|o| o.credentials)
                .map(|c| c.access_key_id),
        );
    }
}

#[cfg(feature = "oidc")]
mod oidc {
    use std::hint::black_box;

    use openidconnect::{ClientId, IssuerUrl, RedirectUrl};
    use pail::auth::{Callback, Provider};
    use pail::config::OidcConfig;
    use pail::platform::http::oidc_client;

    /// Discovery, the authorization request, the code exchange with the ID token verified,
    /// and a refresh: what `pail::auth` does with openidconnect.
    pub async fn sign_in() {
        let (Ok(issuer), Ok(redirect), Ok(post_logout)) = (
            IssuerUrl::new("http://127.0.0.1:9090".into()),
            RedirectUrl::new("http://127.0.0.1:8080/callback".into()),
            url::Url::parse("http://127.0.0.1:8080/"),
        ) else {
            return;
        };
        let config = OidcConfig {
            issuer,
            client_id: ClientId::new("pail".into()),
            redirect_uri: redirect,
            post_logout_redirect_uri: post_logout,
            extra_scopes: Vec::new(),
        };
        let Ok(provider) = Provider::discover(&config, &oidc_client).await else {
            return;
        };
        let (url, pending) = provider.begin_login("/", false);
        black_box(url);
        let Some(callback) = Callback::parse("?code=c&state=s") else {
            return;
        };
        if let Ok(first) = provider
            .complete_login(pending, callback, &oidc_client)
            .await
        {
            black_box(provider.refresh(&first, &oidc_client).await.is_ok());
        }
    }
}
