//! What the user sees. Pages are thin (one per route); components are named after what they
//! show. State shared across them: the [`session`] and the [`toast`] region.

pub mod components;
pub mod pages;
pub mod session;
pub mod toast;
pub mod uploads;
