//! Operations shared by several commands: finding the store and refs
//! (`resolve`), running a branch's container (`run`), and making snapshots
//! and branches (`create`).

mod create;
pub mod extensions;
pub mod index;
pub mod job;
pub mod load;
pub mod output;
mod resolve;
mod run;
mod secrets;
pub mod undo;

pub use create::*;
pub use resolve::*;
pub(crate) use run::raw_password;
pub use run::*;
pub use secrets::{new_password, password, seal_legacy, store_key};
pub use undo::{Undo, clear_intent, remove_branch_containers};
