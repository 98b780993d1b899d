//! What every modal dialog of ours does (`DeleteDialog`, `OverwriteDialog`): it opens as a
//! modal `<dialog>` (the page behind is inert), keeps Tab inside, lets Escape reach only itself,
//! and gives focus back to where it was when it goes.

use leptos::html::Dialog;
use leptos::prelude::*;

/// Opens `dialog` as a modal once it is in the page, then focuses `first` (if given), and
/// returns focus to the element that had it when the dialog goes. Call it while building the
/// dialog's view.
pub(super) fn use_modal(dialog: NodeRef<Dialog>, first: Option<NodeRef<leptos::html::Button>>) {
    let opener = document().active_element();
    Effect::new(move |_| {
        if let Some(d) = dialog.get()
            && !d.open()
        {
            let _ = d.show_modal();
            if let Some(b) = first.and_then(|f| f.get()) {
                let _ = b.focus();
            }
        }
    });
    on_cleanup(move || {
        if let Some(el) =
            opener.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            && el.is_connected()
        {
            let _ = el.focus();
        }
    });
}

/// The dialog's keys: Escape is the dialog's alone (the details panel behind it listens on the
/// window), Tab stays inside.
pub(super) fn on_dialog_keydown(dialog: NodeRef<Dialog>, ev: &leptos::ev::KeyboardEvent) {
    match ev.key().as_str() {
        "Escape" => ev.stop_propagation(),
        "Tab" => {
            if let Some(d) = dialog.get_untracked() {
                trap_tab(&d, ev);
            }
        }
        _ => {}
    }
}

/// Keeps Tab inside the dialog: from its last control to its first, and Shift+Tab the other way
/// round. (A modal `<dialog>` makes the page inert, but Tab would still leave for the browser's
/// own interface.)
fn trap_tab(dialog: &web_sys::HtmlDialogElement, ev: &leptos::ev::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let Ok(found) =
        dialog.query_selector_all("button:not([disabled]), a[href], input, select, textarea")
    else {
        return;
    };
    let controls: Vec<web_sys::HtmlElement> = (0..found.length())
        .filter_map(|i| found.item(i)?.dyn_into().ok())
        .collect();
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        ev.prevent_default();
        return;
    };
    let active = document().active_element();
    let at = |el: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    if ev.shift_key() && (at(first) || !inside) {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && (at(last) || !inside) {
        ev.prevent_default();
        let _ = first.focus();
    }
}
