//! Xen grant tables from Rust and C.
//!
//! A drop-in replacement for Xen's `libxengnttab.so.1`: the C ABI lives in [`capi`], built
//! on a safe Rust API: [`GrantTable`] maps pages other domains granted us
//! (`/dev/xen/gntdev`), [`GrantSharer`] shares our pages with them (`/dev/xen/gntalloc`).
//! Every system call and all `unsafe` code live in the `sys` module.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod capi;
#[deny(unsafe_code)]
mod device;
#[deny(unsafe_code)]
mod error;
#[deny(unsafe_code)]
pub mod gntshr;
#[deny(unsafe_code)]
pub mod gnttab;
#[deny(unsafe_code)]
mod notify;
mod sys;

pub use error::{Error, Result};
pub use gntshr::{GrantSharer, SharedPages};
pub use gnttab::{Domains, GrantMapping, GrantTable, MaxGrants};
pub use notify::UnmapNotify;
pub use sys::gntdev::{CopyBatch, CopyForeign};
