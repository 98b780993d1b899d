use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::{AppHeader, FileTable, MetadataPanel, UnfinishedUploads, UploadPanel};
use crate::routes::{breadcrumbs, files_href};
use crate::text;
use crate::ui::session::Account;
use crate::ui::uploads::provide_uploads;

/// The signed-in screen: header, where we are, uploads, the listing, and the details of the
/// selected object. The folder and the selected key live in the URL (`?path=…&key=…`), so
/// back/forward, reload and shared links all land in the same place.
#[component]
pub fn FilesView(
    /// The signed-in account.
    account: Arc<Account>,
) -> impl IntoView {
    let query = use_query_map();
    let home = account.storage.home().to_owned();
    let folder = Memo::new({
        let home = home.clone();
        move |_| {
            query
                .read()
                .get("path")
                .filter(|p| p.ends_with('/'))
                .unwrap_or_else(|| home.clone())
        }
    });
    let selected = Memo::new(move |_| query.read().get("key"));
    let refresh = RwSignal::new(0u32);
    let bump = Callback::new(move |()| refresh.update(|n| *n += 1));
    // The upload queue lives as long as the signed-in screen: browsing folders leaves it
    // running.
    provide_uploads(account.clone()).on_uploaded(bump);

    let crumbs = move || {
        let trail = breadcrumbs(&home, &folder.get());
        let last = trail.len().saturating_sub(1);
        trail
            .into_iter()
            .enumerate()
            .map(|(i, (label, prefix))| {
                let href = files_href(Some(&prefix), None);
                view! {
                    <li>
                        {if i == last {
                            view! { <span aria-current="page">{label}</span> }.into_any()
                        } else {
                            view! { <A href=href>{label}</A> }.into_any()
                        }}
                    </li>
                }
            })
            .collect_view()
    };

    let folder_title = {
        let home = account.storage.home().to_owned();
        move || {
            breadcrumbs(&home, &folder.get())
                .pop()
                .map(|(label, _)| label)
                .unwrap_or_default()
        }
    };

    view! {
        <AppHeader account=account.clone()/>
        <main class="files" class:files-with-details=move || selected.get().is_some()>
            <section class="files-main" aria-label=text::FILES>
                // The page's heading, for screen readers: the folder the breadcrumbs show.
                <h1 class="visually-hidden">{move || text::folder_heading(&folder_title())}</h1>
                <nav aria-label=text::FOLDER_PATH><ol class="breadcrumbs">{crumbs}</ol></nav>
                <UploadPanel folder/>
                <UnfinishedUploads account=account.clone()/>
                <FileTable account=account.clone() folder refresh selected/>
            </section>
            {move || selected.get().map(|key| view! {
                <MetadataPanel account=account.clone() key folder on_deleted=bump/>
            })}
        </main>
    }
}
