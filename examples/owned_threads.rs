//! Owned handles in threads: a shared page, a grant mapping of it and an event-channel port on
//! each side move into threads of their own (each is `Send + 'static`), which hand a message
//! over with pointer-based atomics (no reference into the page) and event-channel wake-ups.
//! The mapping and the ports keep their handles open through an `Arc`: `main` drops its own
//! `Arc`s at once. A child process it runs inherits none of their fds (all close-on-exec).
//! Needs Xen: run it as root in dom0 (domain 0 grants to itself).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use xengnttab::{Domains, Error, EventChannels, GrantSharer, GrantTable, OwnedBoundPort, UnmapNotify, Writable};

const READY: usize = 0; // set by the sharer once the message is there
const ANSWERED: usize = 4; // bumped by the mapper once it has read it
const MESSAGE: usize = 64;
const TEXT: &[u8] = b"from the sharer's thread";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some(XEN_FDS) {
        return list_xen_fds(); // the child below
    }
    let dom0 = 0;
    let table = Arc::new(GrantTable::open()?);
    let (sharer_events, mapper_events) = (Arc::new(EventChannels::open()?), Arc::new(EventChannels::open()?));
    let sharer = GrantSharer::open()?;

    // Every fd the Rust API opens is close-on-exec: a program this one runs inherits none.
    let child = std::process::Command::new(std::env::current_exe()?).arg(XEN_FDS).output()?;
    let inherited = String::from_utf8_lossy(&child.stdout);
    assert!(child.status.success() && inherited.is_empty(), "a child inherited {inherited:?}");

    // Shared pages own their pages outright; the mapping and the ports hold an Arc clone.
    let shared = sharer.share(dom0, 1, Writable, UnmapNotify::NONE)?;
    drop(sharer); // shared pages outlive their handle
    let mapped = table.map_owned(Domains::Same(dom0.into()), shared.refs(), Writable, UnmapNotify::NONE)?;
    let listener = sharer_events.bind_unbound_port_owned(dom0.into())?;
    let connected = mapper_events.bind_interdomain_owned(dom0.into(), listener.port())?;
    drop((table, sharer_events, mapper_events)); // still open: the mapping and ports hold them

    let sharer = std::thread::spawn(move || -> Result<u32, Error> {
        shared.write_from(MESSAGE, TEXT)?;
        shared.store::<AtomicU32>(READY, 1, Ordering::Release)?;
        listener.notify()?;
        wait_until(&listener, || Ok(shared.load::<AtomicU32>(ANSWERED, Ordering::Acquire)? != 0))?;
        Ok(shared.load::<AtomicU32>(ANSWERED, Ordering::Acquire)?)
    });
    let mapper = std::thread::spawn(move || -> Result<Vec<u8>, Error> {
        wait_until(&connected, || Ok(mapped.load::<AtomicU32>(READY, Ordering::Acquire)? == 1))?;
        let mut text = vec![0; TEXT.len()];
        mapped.read_into(MESSAGE, &mut text)?;
        assert_eq!(mapped.compare_exchange::<AtomicU32>(READY, 1, 2, Ordering::AcqRel, Ordering::Acquire)?, Ok(1));
        mapped.fetch_add::<AtomicU32>(ANSWERED, 1, Ordering::Release)?;
        connected.notify()?;
        Ok(text) // the mapping is unmapped here, then its table closes (the last Arc)
    });

    let text = mapper.join().expect("the mapper's thread")?;
    let answered = sharer.join().expect("the sharer's thread")?;
    assert_eq!(text, TEXT, "the mapper's thread read the sharer's thread's message");
    assert_eq!(answered, 1, "and the sharer's thread saw the answer");
    println!("owned_threads: {:?} crossed threads through an owned mapping", String::from_utf8_lossy(&text));
    Ok(())
}

/// The argument that makes the program list the `/dev/xen` nodes it holds open, one a line.
const XEN_FDS: &str = "--list-xen-fds";

fn list_xen_fds() -> Result<(), Box<dyn std::error::Error>> {
    for fd in std::fs::read_dir("/proc/self/fd")? {
        if let Ok(node) = std::fs::read_link(fd?.path())
            && node.starts_with("/dev/xen")
        {
            println!("{}", node.display());
        }
    }
    Ok(())
}

/// Waits on the port's handle until `done` (wake-ups may be spurious or coalesced: the shared
/// state decides), for at most five seconds.
fn wait_until(port: &OwnedBoundPort, mut done: impl FnMut() -> Result<bool, Error>) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done()? {
        let left = deadline.checked_duration_since(Instant::now()).ok_or(Error::from_errno(libc::ETIMEDOUT))?;
        port.channels().wait(Some(left))?;
    }
    Ok(())
}
