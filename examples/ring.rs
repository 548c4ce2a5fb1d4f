//! Two programs exchange messages through a shared ring, as Xen's split drivers do: one side
//! shares pages ([`GrantSharer`]), the other maps them ([`GrantTable`]); producer and consumer
//! indices are atomics in the first page, an event channel wakes a side that sleeps, and each
//! side's unmap notification (a byte cleared, an event sent) tells the other that it died.
//! Both directions run at once; each side sends `--mib` MiB of pseudo-random messages and
//! prints the FNV-1a checksums of what it sent and received. Needs Xen, as root.
//!
//! ```text
//! ring share <peer-domid> [--mib N] [--pages N] [--async] # prints: ring: ready port P refs R,R,...
//! ring map <sharer-domid> <port> <refs> [--mib N] [--async] # the port and refs the sharer printed
//! ```
//!
//! Each side prints `ring: connected` once both alive bytes are set (the mapper after it set
//! its own, the sharer when it sees the mapper's): from then on a SIGKILL is a peer's death
//! mid-stream, not a peer that never came.
//!
//! The ring logic is one step function ([`Side::step`]: move what can move, then say whether
//! to sleep); a side sleeps in one of two forms. By default in [`EventChannels::wait`], which
//! blocks the thread; with `--async` (built with `--features tokio`) in
//! `AsyncEventChannels::wait`, awaited in a current-thread tokio runtime: the task yields to the
//! runtime and its reactor wakes it when the port fires (no runtime thread, no blocking call).
//! Either side may use either form.
//!
//! In dom0 alone: `ring share 0 & ring map 0 P R,R,...`. Between domains: the sharer names
//! the mapper's domain and the mapper the sharer's. Exit status 0 when both streams arrived
//! whole, 3 when the peer died first (reported within a second of its death), 1 on errors.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering, fence};
use std::time::{Duration, Instant};
use xengnttab::{BoundPort, Domains, EventChannels, GrantSharer, GrantTable, UnmapNotify, VolatileSlice, Writable};

const PAGE: usize = 4096;
/// The first page: each side's "alive" byte, which the kernel clears when that side's share or
/// mapping goes away (its unmap notification), then one cache line per index and flag.
const SHARER_ALIVE: usize = 0;
const MAPPER_ALIVE: usize = 4;
const TO_MAPPER: [usize; 2] = [64, 128]; // producer, consumer
const TO_SHARER: [usize; 2] = [192, 256];
const SHARER_SLEEPING: usize = 320;
const MAPPER_SLEEPING: usize = 384;
/// A message is a u32 length and its payload, padded to 4 bytes; length 0 ends the stream.
const MAX_MESSAGE: usize = 4000;
/// How long a side sleeps before it looks at the peer's alive byte anyway.
const POLL: Duration = Duration::from_millis(250);

type Error = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    match run(&std::env::args().skip(1).collect::<Vec<_>>()) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::PeerGone) => ExitCode::from(3),
        Err(e) => {
            eprintln!("ring: {e}");
            ExitCode::FAILURE
        }
    }
}

enum Outcome {
    Done,
    PeerGone,
}

fn run(args: &[String]) -> Result<Outcome, Error> {
    let option = |name: &str, default: usize| -> Result<usize, Error> {
        match args.iter().position(|a| a == name) {
            Some(i) => Ok(args.get(i + 1).ok_or(format!("{name} needs a value"))?.parse()?),
            None => Ok(default),
        }
    };
    let bytes = option("--mib", 16)? << 20;
    let form = if args.iter().any(|a| a == "--async") { Form::Async } else { Form::Blocking };
    if form == Form::Async && !cfg!(feature = "tokio") {
        return Err("--async needs the tokio feature (cargo build --features tokio --example ring)".into());
    }
    let words: Vec<&str> = args.iter().map(String::as_str).filter(|&a| a != "--async").collect();
    match words.as_slice() {
        ["share", peer, ..] => share(peer.parse()?, option("--pages", 16)?, bytes, form),
        ["map", sharer, port, refs, ..] => {
            let refs = refs.split(',').map(str::parse).collect::<Result<Vec<u32>, _>>()?;
            map(sharer.parse()?, port.parse()?, &refs, bytes, form)
        }
        _ => Err("usage: ring share <peer-domid> [--mib N] [--pages N] [--async] | \
                  ring map <domid> <port> <refs> [--mib N] [--async]"
            .into()),
    }
}

/// The sharer: a port for the peer, the pages (with our unmap notification on that port),
/// our alive byte set, then the connection details for the mapper.
fn share(peer: u16, pages: usize, bytes: usize, form: Form) -> Result<Outcome, Error> {
    if !pages.is_power_of_two() || pages * PAGE < 4 + MAX_MESSAGE + 4 {
        return Err("--pages must be a power of two, at least 1".into());
    }
    let channels = EventChannels::open()?;
    let port = channels.bind_unbound_port(peer.into())?;
    let notify = UnmapNotify::clear_byte(SHARER_ALIVE as u32).and_send_event(port.port());
    let shared = GrantSharer::open()?.share(peer, 1 + 2 * pages, Writable, notify)?;
    let memory = shared.as_volatile_slice();
    memory.atomic::<AtomicU8>(SHARER_ALIVE)?.store(1, Ordering::Release);
    let refs: Vec<String> = shared.refs().iter().map(u32::to_string).collect();
    println!("ring: ready port {} refs {}", port.port(), refs.join(","));
    std::io::stdout().flush()?;
    // The mapper sets its byte, then signals: the side's first steps wait for that.
    form.run(&channels, Side::new(Role::Sharer, memory, pages, &port, bytes)?)
}

/// The line a lab script waits for before it kills a side (see the module's text).
fn announce_connected() -> std::io::Result<()> {
    println!("ring: connected");
    std::io::stdout().flush()
}

/// The mapper: the port, the pages (with our unmap notification), then our alive byte.
fn map(sharer: u32, remote_port: u32, refs: &[u32], bytes: usize, form: Form) -> Result<Outcome, Error> {
    let pages = (refs.len().saturating_sub(1)) / 2;
    if refs.len() != 1 + 2 * pages || !pages.is_power_of_two() {
        return Err("expected 1 + 2 * (a power of two) refs".into());
    }
    let channels = EventChannels::open()?;
    let port = channels.bind_interdomain(sharer, remote_port)?;
    let table = GrantTable::open()?;
    let notify = UnmapNotify::clear_byte(MAPPER_ALIVE as u32).and_send_event(port.port());
    let mapping = table.map(Domains::Same(sharer), refs, Writable, notify)?;
    let memory = mapping.as_volatile_slice();
    if memory.load::<AtomicU8>(SHARER_ALIVE, Ordering::Acquire)? != 1 {
        return Err("the sharer is not there (its alive byte is 0)".into());
    }
    memory.atomic::<AtomicU8>(MAPPER_ALIVE)?.store(1, Ordering::Release);
    port.notify()?;
    announce_connected()?;
    form.run(&channels, Side::new(Role::Mapper, memory, pages, &port, bytes)?)
}

/// How a side sleeps when [`Side::step`] says so, for at most [`POLL`].
#[derive(Clone, Copy, PartialEq)]
enum Form {
    /// [`EventChannels::wait`]: the thread blocks in poll(2).
    Blocking,
    /// `AsyncEventChannels::wait` in a current-thread tokio runtime (feature `tokio`).
    Async,
}

impl Form {
    fn run(self, channels: &EventChannels, mut side: Side<'_, '_>) -> Result<Outcome, Error> {
        match self {
            Form::Blocking => loop {
                match side.step()? {
                    Step::End(outcome) => return Ok(outcome),
                    Step::Sleep => side.woke(channels.wait(Some(POLL))?.is_some()),
                }
            },
            #[cfg(feature = "tokio")]
            Form::Async => {
                side.form = " (async)";
                // No runtime threads: the task runs on this thread, which sleeps in the
                // reactor (epoll) between events; the timer bounds each sleep to POLL.
                let runtime = tokio::runtime::Builder::new_current_thread().enable_io().enable_time().build()?;
                runtime.block_on(run_async(channels, side))
            }
            #[cfg(not(feature = "tokio"))]
            Form::Async => Err("--async needs the tokio feature".into()),
        }
    }
}

/// [`Form::Async`]'s loop: the same steps, the sleep a future.
#[cfg(feature = "tokio")]
async fn run_async(channels: &EventChannels, mut side: Side<'_, '_>) -> Result<Outcome, Error> {
    let events = xengnttab::AsyncEventChannels::new(channels)?;
    loop {
        match side.step()? {
            Step::End(outcome) => return Ok(outcome),
            Step::Sleep => {
                // Cancel-safe: a timeout that drops the wait loses no event.
                let fired = tokio::time::timeout(POLL, events.wait()).await;
                side.woke(fired.ok().transpose()?.is_some());
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Sharer,
    Mapper,
}

/// One direction's ring: data pages, and the producer and consumer indices (free-running
/// byte counts; the data size is a power of two, so they wrap with u32).
struct Ring<'m> {
    data: VolatileSlice<'m>,
    producer: &'m AtomicU32,
    consumer: &'m AtomicU32,
    /// Our own index (the producer's when we send, the consumer's when we receive): we are its
    /// only writer, so we keep it here rather than trust what the peer could overwrite.
    ours: u32,
}

impl<'m> Ring<'m> {
    fn new(page0: VolatileSlice<'m>, data: VolatileSlice<'m>, [p, c]: [usize; 2]) -> Result<Self, Error> {
        Ok(Ring { data, producer: page0.atomic(p)?, consumer: page0.atomic(c)?, ours: 0 })
    }

    fn size(&self) -> u32 {
        self.data.len() as u32
    }

    /// Copies `bytes` in at index `at`, in two parts where it wraps.
    fn put(&self, at: u32, bytes: &[u8]) -> Result<(), Error> {
        let start = (at % self.size()) as usize;
        let first = bytes.len().min(self.data.len() - start);
        self.data.write_from(start, &bytes[..first])?;
        Ok(self.data.write_from(0, &bytes[first..])?)
    }

    fn get(&self, at: u32, bytes: &mut [u8]) -> Result<(), Error> {
        let start = (at % self.size()) as usize;
        let first = bytes.len().min(self.data.len() - start);
        self.data.read_into(start, &mut bytes[..first])?;
        Ok(self.data.read_into(0, &mut bytes[first..])?)
    }

    /// Sends one message if there is room: payload first, then the producer index (Release).
    fn try_send(&mut self, payload: &[u8]) -> Result<bool, Error> {
        let record = 4 + payload.len().next_multiple_of(4) as u32;
        let used = self.ours.wrapping_sub(self.consumer.load(Ordering::Acquire));
        if used > self.size() {
            return Err("the peer's consumer index is corrupt".into());
        }
        if self.size() - used < record {
            return Ok(false);
        }
        self.put(self.ours, &(payload.len() as u32).to_ne_bytes())?;
        self.put(self.ours.wrapping_add(4), payload)?;
        self.ours = self.ours.wrapping_add(record);
        self.producer.store(self.ours, Ordering::Release);
        Ok(true)
    }

    /// Takes one message if a whole one is there: its length (checked: the peer could write
    /// anything), the payload, then the consumer index (Release) frees the room.
    fn try_receive(&mut self, buffer: &mut [u8; MAX_MESSAGE]) -> Result<Option<usize>, Error> {
        let ready = self.producer.load(Ordering::Acquire).wrapping_sub(self.ours);
        if ready > self.size() {
            return Err("the peer's producer index is corrupt".into());
        }
        if ready < 4 {
            return Ok(None);
        }
        let mut len = [0u8; 4];
        self.get(self.ours, &mut len)?;
        let len = u32::from_ne_bytes(len) as usize;
        if len > MAX_MESSAGE {
            return Err(format!("the peer sent a {len}-byte message (at most {MAX_MESSAGE})").into());
        }
        let record = 4 + len.next_multiple_of(4) as u32;
        if ready < record {
            return Ok(None);
        }
        self.get(self.ours.wrapping_add(4), &mut buffer[..len])?;
        self.ours = self.ours.wrapping_add(record);
        self.consumer.store(self.ours, Ordering::Release);
        Ok(Some(len))
    }
}

/// What [`Side::step`] asks of its caller.
enum Step {
    /// Nothing can move: our sleeping flag is set; wait for the peer's event (or [`POLL`]),
    /// then [`Side::woke`] and step again.
    Sleep,
    End(Outcome),
}

/// One side of the exchange, and where it stands.
struct Side<'m, 'e> {
    name: &'static str,
    /// After the name in the output: " (async)" for the async form.
    form: &'static str,
    tx: Ring<'m>,
    rx: Ring<'m>,
    port: &'e BoundPort<'e>,
    me_sleeping: &'m AtomicU32,
    peer_sleeping: &'m AtomicU32,
    peer_alive: &'m AtomicU8,
    /// Until when the sharer waits for the mapper's alive byte; `None` once it is there.
    connect_by: Option<Instant>,
    source: Messages,
    pending: Option<Vec<u8>>,
    sent: Tally,
    received: Tally,
    buffer: [u8; MAX_MESSAGE],
    sent_end: bool,
    received_end: bool,
    gone_seen: bool,
    waits: u32,
    notifies: u32,
    start: Instant,
    last_progress: Instant,
    woke_by: &'static str,
}

impl<'m, 'e> Side<'m, 'e> {
    /// A side that sends `bytes` of messages while it receives the peer's.
    fn new(
        role: Role,
        memory: VolatileSlice<'m>,
        pages: usize,
        port: &'e BoundPort<'e>,
        bytes: usize,
    ) -> Result<Self, Error> {
        let page0 = memory.subslice(0, PAGE)?;
        let to_mapper = Ring::new(page0, memory.subslice(PAGE, pages * PAGE)?, TO_MAPPER)?;
        let to_sharer = Ring::new(page0, memory.subslice((1 + pages) * PAGE, pages * PAGE)?, TO_SHARER)?;
        // (our rings, our sleeping flag, the peer's, the peer's alive byte)
        let (name, (tx, rx), me_sleeping, peer_sleeping, peer_alive) = match role {
            Role::Sharer => ("sharer", (to_mapper, to_sharer), SHARER_SLEEPING, MAPPER_SLEEPING, MAPPER_ALIVE),
            Role::Mapper => ("mapper", (to_sharer, to_mapper), MAPPER_SLEEPING, SHARER_SLEEPING, SHARER_ALIVE),
        };
        let mut source = Messages::new(if role == Role::Sharer { 1 } else { 2 }, bytes);
        let now = Instant::now();
        Ok(Side {
            name,
            form: "",
            tx,
            rx,
            port,
            me_sleeping: page0.atomic(me_sleeping)?,
            peer_sleeping: page0.atomic(peer_sleeping)?,
            peer_alive: page0.atomic(peer_alive)?,
            // The mapper checked the sharer's byte before it set its own.
            connect_by: (role == Role::Sharer).then(|| now + Duration::from_secs(120)),
            pending: source.next(),
            source,
            sent: Tally::default(),
            received: Tally::default(),
            buffer: [0; MAX_MESSAGE],
            sent_end: false,
            received_end: false,
            gone_seen: false,
            waits: 0,
            notifies: 0,
            start: now,
            last_progress: now,
            woke_by: "running",
        })
    }

    /// After a [`Step::Sleep`]: whether an event ended it (or the timeout).
    fn woke(&mut self, by_event: bool) {
        self.woke_by = if by_event { "event" } else { "timeout" };
    }

    /// Sends and receives what it can, until both streams have ended or the peer died (the
    /// end), or nothing can move (sleep: our flag set, for the peer to notify us).
    fn step(&mut self) -> Result<Step, Error> {
        self.me_sleeping.store(0, Ordering::SeqCst);
        if let Some(deadline) = self.connect_by {
            if self.peer_alive.load(Ordering::Acquire) == 0 {
                if Instant::now() > deadline {
                    return Err("no mapper within 120 s".into());
                }
                return Ok(Step::Sleep);
            }
            self.connect_by = None;
            announce_connected()?;
            (self.start, self.last_progress, self.woke_by) = (Instant::now(), Instant::now(), "running");
        }
        loop {
            let mut progress = false;
            while !self.sent_end {
                let message = self.pending.as_deref().unwrap_or(&[]);
                if !self.tx.try_send(message)? {
                    break;
                }
                progress = true;
                match self.pending {
                    Some(_) => {
                        self.sent.add(message);
                        self.pending = self.source.next();
                    }
                    None => self.sent_end = true, // the empty message: end of stream
                }
            }
            while !self.received_end {
                match self.rx.try_receive(&mut self.buffer)? {
                    None => break,
                    Some(0) => self.received_end = true,
                    Some(len) => self.received.add(&self.buffer[..len]),
                }
                progress = true;
            }
            if self.sent_end && self.received_end {
                return Ok(Step::End(self.done()));
            }
            if progress {
                self.last_progress = Instant::now();
                // Publish, then look at the peer's flag (it sets the flag, then looks at ours).
                fence(Ordering::SeqCst);
                if self.peer_sleeping.load(Ordering::SeqCst) != 0 {
                    self.port.notify()?;
                    self.notifies += 1;
                }
                continue;
            }
            if self.peer_alive.load(Ordering::Acquire) == 0 {
                // The peer's last writes came before its unmap: look at the rings once more.
                if self.gone_seen {
                    let ms = self.last_progress.elapsed().as_secs_f64() * 1000.0;
                    println!(
                        "ring {}{}: peer gone: its alive byte was cleared by its unmap notification, {ms:.0} ms after \
                         its last progress (woken: {}); sent {}, received {}",
                        self.name, self.form, self.woke_by, self.sent.bytes, self.received.bytes
                    );
                    return Ok(Step::End(Outcome::PeerGone));
                }
                self.gone_seen = true;
                continue;
            }
            // Nothing to do: say we sleep, look once more, then wait for the peer's event.
            self.me_sleeping.store(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            // A whole message is in (producers publish whole ones), or ours now fits.
            let rx_ready = !self.received_end && self.rx.producer.load(Ordering::SeqCst) != self.rx.ours;
            let record = self.pending.as_ref().map_or(4, |m| 4 + m.len().next_multiple_of(4)) as u32;
            let used = self.tx.ours.wrapping_sub(self.tx.consumer.load(Ordering::SeqCst));
            let tx_room = !self.sent_end && self.tx.size().saturating_sub(used) >= record;
            if !rx_ready && !tx_room {
                self.waits += 1;
                return Ok(Step::Sleep);
            }
            self.me_sleeping.store(0, Ordering::SeqCst);
        }
    }

    /// Both streams arrived whole: the summary line.
    fn done(&self) -> Outcome {
        let secs = self.start.elapsed().as_secs_f64();
        let (sent, received) = (&self.sent, &self.received);
        println!(
            "ring {}{}: sent {} bytes in {} messages fnv {:016x}; received {} bytes in {} messages fnv {:016x}; \
             {secs:.2} s, {:.1} MiB/s each way; {} waits, {} notifies",
            self.name,
            self.form,
            sent.bytes,
            sent.messages,
            sent.fnv,
            received.bytes,
            received.messages,
            received.fnv,
            sent.bytes.max(received.bytes) as f64 / secs / 1048576.0,
            self.waits,
            self.notifies
        );
        Outcome::Done
    }
}

/// Bytes, messages and the FNV-1a 64 checksum of one stream.
struct Tally {
    bytes: u64,
    messages: u64,
    fnv: u64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally { bytes: 0, messages: 0, fnv: 0xcbf2_9ce4_8422_2325 }
    }
}

impl Tally {
    fn add(&mut self, message: &[u8]) {
        self.bytes += message.len() as u64;
        self.messages += 1;
        for &b in message {
            self.fnv = (self.fnv ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// Pseudo-random messages (xorshift64) of 1 to MAX_MESSAGE bytes, `left` bytes in all.
struct Messages {
    state: u64,
    left: usize,
}

impl Messages {
    fn new(seed: u64, bytes: usize) -> Self {
        Messages { state: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, left: bytes }
    }

    fn random(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    fn next(&mut self) -> Option<Vec<u8>> {
        if self.left == 0 {
            return None;
        }
        let len = (1 + self.random() as usize % MAX_MESSAGE).min(self.left);
        self.left -= len;
        let mut message = Vec::with_capacity(len + 8);
        while message.len() < len {
            message.extend_from_slice(&self.random().to_ne_bytes());
        }
        message.truncate(len);
        Some(message)
    }
}
