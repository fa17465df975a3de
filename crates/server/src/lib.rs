//! The server: settings, wiring, command line. `main.rs` is a thin shell
//! around [`cli::run`].

pub mod app;
pub mod cli;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod seed;
pub mod settings;
pub mod telemetry;

pub use app::Application;
pub use settings::Settings;
