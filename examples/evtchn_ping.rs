//! Event channels: one handle allocates a port for domain 0, another binds it, and each side's
//! notify wakes the other's wait; a reset drops a queued event; a port binds a virtual IRQ.
//! Needs Xen: run it as root in dom0 (domain 0 talks to itself; between two domains each side
//! runs its half, the port number passed along).

use std::os::fd::AsRawFd;
use std::time::Duration;
use xengnttab::EventChannels;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dom0 = 0;
    let (a, b) = (EventChannels::open()?, EventChannels::open()?);
    let listener = a.bind_unbound_port(dom0)?; // its number goes to the peer
    let connected = b.bind_interdomain(dom0, listener.port())?;
    // Xen marks a newly connected port pending (events sent before may have been missed): a
    // first wake-up with nothing behind it. Whoever wakes checks its condition anyway.
    assert_eq!(b.wait(Some(Duration::from_secs(1)))?, Some(connected.port()));

    listener.notify()?;
    assert_eq!(b.wait(Some(Duration::from_secs(1)))?, Some(connected.port()));
    connected.notify()?;
    assert_eq!(a.wait(Some(Duration::from_secs(1)))?, Some(listener.port()));
    a.notify(listener.port())?; // by number, as an UnmapNotify names it
    assert_eq!(b.wait(None)?, Some(connected.port()));
    assert_eq!(b.wait(Some(Duration::from_millis(10)))?, None, "nothing pending: timed out");
    assert!(a.as_raw_fd() >= 0, "the fd is there for poll/epoll");

    // reset empties b's queue (after an EFBIG overflow, say): the queued event is dropped, and
    // its port stays masked until unmasked.
    listener.notify()?;
    std::thread::sleep(Duration::from_millis(200)); // for Xen's upcall to queue the event
    b.reset()?;
    assert_eq!(b.wait(Some(Duration::from_millis(10)))?, None, "reset dropped the queued event");
    connected.unmask()?;
    listener.notify()?;
    assert_eq!(b.wait(Some(Duration::from_secs(1)))?, Some(connected.port()), "unmasked: delivered again");

    // A virtual IRQ: VIRQ_TBUF (4), the trace buffer's, which only xentrace binds otherwise.
    let tbuf = a.bind_virq(4)?;
    assert_ne!(tbuf.port(), listener.port());
    tbuf.unbind()?;

    println!("evtchn_ping: ports {} <-> {} signalled both ways", listener.port(), connected.port());
    connected.unbind()?; // or on drop
    Ok(())
}
