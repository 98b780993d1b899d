//! Components, named after what the user sees.

mod app_header;
mod delete_dialog;
mod error_notice;
mod file_table;
mod files_view;
mod metadata_panel;
mod new_folder;
mod preview_panel;
mod renewal_notice;
mod setup_doctor;
mod sign_in_card;
mod spinner;
mod unfinished_uploads;
mod upload_panel;
mod upload_queue;

pub use app_header::AppHeader;
pub use delete_dialog::DeleteDialog;
pub use error_notice::ErrorNotice;
pub use file_table::FileTable;
pub use files_view::FilesView;
pub use metadata_panel::MetadataPanel;
pub use new_folder::NewFolderForm;
pub use preview_panel::PreviewPanel;
pub use renewal_notice::RenewalNotice;
pub use setup_doctor::SetupDoctor;
pub use sign_in_card::SignInCard;
pub use spinner::Spinner;
pub use unfinished_uploads::UnfinishedUploads;
pub use upload_panel::UploadPanel;
pub use upload_queue::UploadQueue;
