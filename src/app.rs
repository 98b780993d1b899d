//! `<App/>`: reads the settings once, provides the session and the toaster, and routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::config::source::{self, Fetched, LoadError, Source};
use crate::config::{AppConfig, build_time_lookup};
use crate::platform::{browser, http};
use crate::ui::pages::{CallbackPage, ConfigErrorPage, DoctorPage, HomePage, NotFoundPage};
use crate::ui::session::{SessionBootstrap, provide_session};
use crate::ui::toast::{ToastRegion, provide_toaster};

/// Reads the settings (`config.json` beside the app, else the build's) and mounts the app, or
/// a page saying what is wrong with them.
pub fn start() {
    // wasm-bindgen's executor: Leptos's own is set up by mounting, which comes after this.
    wasm_bindgen_futures::spawn_local(async {
        match read_settings().await {
            Ok((config, source)) => {
                leptos::logging::log!("pail: settings {}", source.describe());
                leptos::mount::mount_to_body(move || view! { <App config source/> });
            }
            Err(error) => {
                leptos::mount::mount_to_body(move || view! { <ConfigErrorPage error/> });
            }
        }
    });
}

/// The settings for this page: `config.json` beside the app (fetched with `no-store`, so a
/// changed file applies at the next page load), else the values built in.
pub async fn read_settings() -> Result<(AppConfig, Source), LoadError> {
    let origin = browser::origin();
    let url = source::config_json_url(&origin);
    let fetched = fetch_config_json(&url).await;
    source::load(fetched, &url, &origin, build_time_lookup)
}

async fn fetch_config_json(url: &str) -> Fetched {
    let request = http::Request {
        method: "GET",
        url,
        headers: vec![("accept".into(), "application/json".into())],
        body: None,
    };
    match http::fetch(request).await {
        Ok(r) => Fetched::Answer {
            status: r.status,
            content_type: r
                .headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                .map(|(_, value)| value.clone()),
            body: r.body,
        },
        Err(e) => Fetched::Failed(e.to_string()),
    }
}

#[component]
pub fn App(
    /// The validated settings.
    config: AppConfig,
    /// Where they came from (the setup doctor shows it).
    source: Source,
) -> impl IntoView {
    provide_context(source);
    provide_session(config);
    provide_toaster();
    view! {
        <Router>
            <SessionBootstrap/>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/callback") view=CallbackPage/>
                <Route path=path!("/doctor") view=DoctorPage/>
            </Routes>
        </Router>
        <ToastRegion/>
    }
}
