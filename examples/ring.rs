//! Two programs exchange messages through a shared ring, as Xen's split drivers do: one side
//! shares pages ([`GrantSharer`]), the other maps them ([`GrantTable`]); producer and consumer
//! indices are atomics in the first page, an event channel wakes a side that sleeps, and each
//! side's unmap notification (a byte cleared, an event sent) tells the other that it died.
//! Both directions run at once; each side sends `--mib` MiB of pseudo-random messages and
//! prints the FNV-1a checksums of what it sent and received. Needs Xen, as root.
//!
//! ```text
//! ring share <peer-domid> [--mib N] [--pages N]   # prints: ring: ready port P refs R,R,...
//! ring map <sharer-domid> <port> <refs> [--mib N] # the port and refs the sharer printed
//! ```
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
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["share", peer, ..] => share(peer.parse()?, option("--pages", 16)?, bytes),
        ["map", sharer, port, refs, ..] => {
            let refs = refs.split(',').map(str::parse).collect::<Result<Vec<u32>, _>>()?;
            map(sharer.parse()?, port.parse()?, &refs, bytes)
        }
        _ => {
            Err("usage: ring share <peer-domid> [--mib N] [--pages N] | ring map <domid> <port> <refs> [--mib N]"
                .into())
        }
    }
}

/// The sharer: a port for the peer, the pages (with our unmap notification on that port),
/// our alive byte set, then the connection details for the mapper.
fn share(peer: u16, pages: usize, bytes: usize) -> Result<Outcome, Error> {
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

    // The mapper sets its byte, then signals.
    let deadline = Instant::now() + Duration::from_secs(120);
    while memory.load::<AtomicU8>(MAPPER_ALIVE, Ordering::Acquire)? == 0 {
        if Instant::now() > deadline {
            return Err("no mapper within 120 s".into());
        }
        channels.wait(Some(POLL))?;
    }
    Side::new(Role::Sharer, memory, pages, &channels, &port)?.exchange(bytes)
}

/// The mapper: the port, the pages (with our unmap notification), then our alive byte.
fn map(sharer: u32, remote_port: u32, refs: &[u32], bytes: usize) -> Result<Outcome, Error> {
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
    Side::new(Role::Mapper, memory, pages, &channels, &port)?.exchange(bytes)
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

/// One side of the exchange.
struct Side<'m, 'e> {
    role: Role,
    page0: VolatileSlice<'m>,
    tx: Ring<'m>,
    rx: Ring<'m>,
    channels: &'e EventChannels,
    port: &'e BoundPort<'e>,
}

impl<'m, 'e> Side<'m, 'e> {
    fn new(
        role: Role,
        memory: VolatileSlice<'m>,
        pages: usize,
        channels: &'e EventChannels,
        port: &'e BoundPort<'e>,
    ) -> Result<Self, Error> {
        let page0 = memory.subslice(0, PAGE)?;
        let to_mapper = Ring::new(page0, memory.subslice(PAGE, pages * PAGE)?, TO_MAPPER)?;
        let to_sharer = Ring::new(page0, memory.subslice((1 + pages) * PAGE, pages * PAGE)?, TO_SHARER)?;
        let (tx, rx) = match role {
            Role::Sharer => (to_mapper, to_sharer),
            Role::Mapper => (to_sharer, to_mapper),
        };
        Ok(Side { role, page0, tx, rx, channels, port })
    }

    fn offsets(&self) -> (usize, usize, usize) {
        // (our sleeping flag, the peer's, the peer's alive byte)
        match self.role {
            Role::Sharer => (SHARER_SLEEPING, MAPPER_SLEEPING, MAPPER_ALIVE),
            Role::Mapper => (MAPPER_SLEEPING, SHARER_SLEEPING, SHARER_ALIVE),
        }
    }

    /// Sends `bytes` of messages while receiving the peer's, until both streams have ended or
    /// the peer died.
    fn exchange(&mut self, bytes: usize) -> Result<Outcome, Error> {
        let name = if self.role == Role::Sharer { "sharer" } else { "mapper" };
        let (me_sleeping, peer_sleeping, peer_alive) = self.offsets();
        let me_sleeping = self.page0.atomic::<AtomicU32>(me_sleeping)?;
        let peer_sleeping = self.page0.atomic::<AtomicU32>(peer_sleeping)?;
        let peer_alive = self.page0.atomic::<AtomicU8>(peer_alive)?;
        let mut source = Messages::new(if self.role == Role::Sharer { 1 } else { 2 }, bytes);
        let (mut sent, mut received) = (Tally::default(), Tally::default());
        let mut buffer = [0u8; MAX_MESSAGE];
        let mut pending = source.next();
        let (mut sent_end, mut received_end) = (false, false);
        let (mut waits, mut notifies, mut gone_seen) = (0u32, 0u32, false);
        let start = Instant::now();
        let mut last_progress = start;
        let mut woke_by = "running";
        loop {
            let mut progress = false;
            while !sent_end {
                let message = pending.as_deref().unwrap_or(&[]);
                if !self.tx.try_send(message)? {
                    break;
                }
                progress = true;
                match pending {
                    Some(_) => {
                        sent.add(message);
                        pending = source.next();
                    }
                    None => sent_end = true, // the empty message: end of stream
                }
            }
            while !received_end {
                match self.rx.try_receive(&mut buffer)? {
                    None => break,
                    Some(0) => received_end = true,
                    Some(len) => received.add(&buffer[..len]),
                }
                progress = true;
            }
            if sent_end && received_end {
                break;
            }
            if progress {
                last_progress = Instant::now();
                // Publish, then look at the peer's flag (it sets the flag, then looks at ours).
                fence(Ordering::SeqCst);
                if peer_sleeping.load(Ordering::SeqCst) != 0 {
                    self.port.notify()?;
                    notifies += 1;
                }
                continue;
            }
            if peer_alive.load(Ordering::Acquire) == 0 {
                // The peer's last writes came before its unmap: look at the rings once more.
                if gone_seen {
                    let ms = last_progress.elapsed().as_secs_f64() * 1000.0;
                    println!(
                        "ring {name}: peer gone: its alive byte was cleared by its unmap notification, {ms:.0} ms after \
                         its last progress (woken: {woke_by}); sent {}, received {}",
                        sent.bytes, received.bytes
                    );
                    return Ok(Outcome::PeerGone);
                }
                gone_seen = true;
                continue;
            }
            // Nothing to do: say we sleep, look once more, then wait for the peer's event.
            me_sleeping.store(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            // A whole message is in (producers publish whole ones), or ours now fits.
            let rx_ready = !received_end && self.rx.producer.load(Ordering::SeqCst) != self.rx.ours;
            let record = pending.as_ref().map_or(4, |m| 4 + m.len().next_multiple_of(4)) as u32;
            let used = self.tx.ours.wrapping_sub(self.tx.consumer.load(Ordering::SeqCst));
            let tx_room = !sent_end && self.tx.size().saturating_sub(used) >= record;
            if !rx_ready && !tx_room {
                waits += 1;
                woke_by = match self.channels.wait(Some(POLL))? {
                    Some(_) => "event",
                    None => "timeout",
                };
            }
            me_sleeping.store(0, Ordering::SeqCst);
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "ring {name}: sent {} bytes in {} messages fnv {:016x}; received {} bytes in {} messages fnv {:016x}; \
             {secs:.2} s, {:.1} MiB/s each way; {waits} waits, {notifies} notifies",
            sent.bytes,
            sent.messages,
            sent.fnv,
            received.bytes,
            received.messages,
            received.fnv,
            sent.bytes.max(received.bytes) as f64 / secs / 1048576.0
        );
        Ok(Outcome::Done)
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
