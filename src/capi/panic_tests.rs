//! Panics never cross into C: `boundary::ffi_call` catches them, which only works while panics
//! unwind. These tests fail if a profile switches to `panic = "abort"` (a panic would then
//! kill the host daemon instead of returning -1/ENOTRECOVERABLE) and show the catch working
//! on a thread that C created, where an escaping panic would abort the whole process.

use super::boundary::{ffi_call, ffi_call_errno};
use super::gnttab::xengnttab_close;
use crate::error::Result;
use crate::sys::errno;
use std::ffi::c_void;
use std::ptr::null_mut;

/// The build profiles (and cargo config, if any) the library is built with.
fn build_settings() -> Vec<(String, String)> {
    let root = env!("CARGO_MANIFEST_DIR");
    ["Cargo.toml", ".cargo/config.toml", ".cargo/config"]
        .iter()
        .filter_map(|name| Some((name.to_string(), std::fs::read_to_string(format!("{root}/{name}")).ok()?)))
        .collect()
}

/// `panic = "..."` keys and `-C panic=...` flags, with the line they are on.
fn panic_strategies(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| {
            let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            compact.starts_with("panic=") || compact.contains("panic=abort")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn this_build_unwinds() {
    const { assert!(cfg!(panic = "unwind"), "built with panic=abort: the C boundary cannot catch panics") };
}

#[test]
fn no_profile_aborts_on_panic() {
    let settings = build_settings();
    assert!(settings.iter().any(|(name, _)| name == "Cargo.toml"), "Cargo.toml not found");
    for (name, text) in settings {
        for line in panic_strategies(&text) {
            assert!(
                line.contains("\"unwind\"") && !line.contains("abort"),
                "{name}: `{line}`: boundary::ffi_call relies on unwinding to keep panics out of C"
            );
        }
    }
}

#[test]
fn the_manifest_scan_sees_an_abort_setting() {
    let found = panic_strategies("[profile.release]\nlto = true\npanic = \"abort\" # smaller\n");
    assert_eq!(found, ["panic = \"abort\""]);
    assert_eq!(panic_strategies("rustflags = [\"-C\", \"panic=abort\"]\n").len(), 1);
    assert!(panic_strategies("[profile.release]\nopt-level = 3\n").is_empty());
}

/// What a C thread saw: the return values of a panicking int call and pointer call, each
/// with the errno it left.
struct Outcome {
    int_call: (i32, i32),
    ptr_call: (*mut c_void, i32),
}

fn panicking_body<T>() -> Result<T> {
    panic!("deliberate panic, testing that the C boundary catches it")
}

/// The start routine of a thread created by pthread_create, as a C daemon's worker would be:
/// no Rust frame below it, so a panic escaping the boundary would abort the process.
extern "C" fn c_thread(arg: *mut c_void) -> *mut c_void {
    errno::set(0);
    let int_result = ffi_call(-1, panicking_body);
    let int_errno = errno::get();
    errno::set(0);
    let ptr_result = ffi_call_errno(null_mut(), || panicking_body().map(|ptr| (ptr, None)));
    let outcome = Outcome { int_call: (int_result, int_errno), ptr_call: (ptr_result, errno::get()) };
    // SAFETY: `arg` is the `Option<Outcome>` the creating test owns until it has joined us.
    unsafe { *arg.cast::<Option<Outcome>>() = Some(outcome) };
    null_mut()
}

#[test]
fn a_panic_on_a_c_thread_is_the_failure_value_with_enotrecoverable() {
    let mut outcome: Option<Outcome> = None;
    let mut thread: libc::pthread_t = 0;
    // SAFETY: `outcome` outlives the thread, which is joined before it is read.
    let created = unsafe { libc::pthread_create(&mut thread, std::ptr::null(), c_thread, (&raw mut outcome).cast()) };
    assert_eq!(created, 0, "pthread_create");
    // SAFETY: a joinable thread created above, joined once.
    assert_eq!(unsafe { libc::pthread_join(thread, null_mut()) }, 0, "pthread_join");

    let outcome = outcome.expect("the C thread ran to its end");
    assert_eq!(outcome.int_call, (-1, libc::ENOTRECOVERABLE));
    assert_eq!(outcome.ptr_call, (null_mut(), libc::ENOTRECOVERABLE));
    // The process, and the library, carry on.
    // SAFETY: NULL is a valid argument.
    assert_eq!(unsafe { xengnttab_close(null_mut()) }, 0);
    assert_eq!(ffi_call(-1, || Ok(7)), 7);
}
