//! The one sleep of the library, straight to nanosleep(2): std's `thread::sleep` would bring
//! its Duration arithmetic (and the panic paths in it) into the C library.

/// Sleeps about 1 ms (upstream's `usleep(1000)` between mmap retries); an interrupted sleep
/// just ends early, as upstream's does.
pub fn sleep_one_millisecond() {
    let one_ms = libc::timespec { tv_sec: 0, tv_nsec: 1_000_000 };
    // SAFETY: a valid timespec; a NULL remainder is allowed.
    unsafe { libc::nanosleep(&one_ms, std::ptr::null_mut()) };
}
