//! Opening the grant devices, with a message that says what to check when they are missing.

use crate::failure::{Failure, failed};
use std::io::ErrorKind;
use xengnttab::{Error, EventChannels, GrantSharer, GrantTable};

pub const GNTDEV: &str = "/dev/xen/gntdev";
pub const GNTALLOC: &str = "/dev/xen/gntalloc";
pub const EVTCHN: &str = "/dev/xen/evtchn";

/// The failure to report when `path` could not be opened.
pub fn open_failure(path: &str, module: &str, error: Error) -> Failure {
    let hint = match error.kind() {
        ErrorKind::NotFound => format!(" (is this a Xen domain with the {module} module loaded?)"),
        ErrorKind::PermissionDenied => " (run as root)".to_string(),
        _ => String::new(),
    };
    failed!("cannot open {path}: {error}{hint}")
}

pub fn table(opened: &Result<GrantTable, Error>) -> Result<&GrantTable, Failure> {
    opened.as_ref().map_err(|&e| open_failure(GNTDEV, "xen_gntdev", e))
}

pub fn sharer(opened: &Result<GrantSharer, Error>) -> Result<&GrantSharer, Failure> {
    opened.as_ref().map_err(|&e| open_failure(GNTALLOC, "xen_gntalloc", e))
}

pub fn channels(opened: &Result<EventChannels, Error>) -> Result<&EventChannels, Failure> {
    opened.as_ref().map_err(|&e| open_failure(EVTCHN, "xen_evtchn", e))
}
