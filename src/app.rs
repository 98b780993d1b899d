//! `<App/>`: reads the settings once, provides the session and the toaster, and routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::config::{AppConfig, build_time_lookup};
use crate::platform::browser;
use crate::ui::pages::{CallbackPage, ConfigErrorPage, HomePage, NotFoundPage};
use crate::ui::session::{SessionBootstrap, provide_session};
use crate::ui::toast::{ToastRegion, provide_toaster};

/// Parses the settings and mounts the app, or a page naming every bad setting.
pub fn start() {
    match AppConfig::from_lookup(build_time_lookup, &browser::origin()) {
        Ok(config) => leptos::mount::mount_to_body(move || view! { <App config/> }),
        Err(errors) => leptos::mount::mount_to_body(move || view! { <ConfigErrorPage errors/> }),
    }
}

#[component]
pub fn App(
    /// The validated settings.
    config: AppConfig,
) -> impl IntoView {
    provide_session(config);
    provide_toaster();
    view! {
        <Router>
            <SessionBootstrap/>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/callback") view=CallbackPage/>
            </Routes>
        </Router>
        <ToastRegion/>
    }
}
