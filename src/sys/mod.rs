//! Every system call, ioctl and foreign (C library) call of the crate, and all of its `unsafe`.
//!
//! The layers above see safe functions and RAII types only. Struct layouts and ioctl numbers
//! mirror the kernel's uapi headers (`<xen/gntdev.h>`, `<xen/gntalloc.h>`, `<xen/evtchn.h>`); `uapi_check.rs`
//! checks them against the installed headers.

#[cfg(feature = "tokio")]
pub mod async_fd;
pub mod caller_array;
pub mod chain;
pub mod device;
pub mod errno;
pub mod evtchn;
pub mod gntalloc;
pub mod gntdev;
mod ioctl;
pub mod mman;
pub mod time;
pub mod toolcore;
pub mod toollog;
#[cfg(test)]
mod uapi_check;
mod var_request;
pub mod volatile;

pub use var_request::{VarRequest, with_output_request, with_request};

/// Xen's grant page size. Upstream hard-codes `XC_PAGE_SIZE` the same way, whatever the OS
/// page size is.
pub const PAGE_SIZE: usize = 4096;
