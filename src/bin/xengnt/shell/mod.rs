//! `xengnt shell`: line commands from stdin, in the spirit of upstream's gntalloc/gntdev test
//! program, so that two shells (or two domains) can watch each other's writes.

mod command;
mod page;

use crate::devices;
use crate::failure::{Failure, failed};
use crate::help;
use crate::text::{self, AppendError};
use command::Line;
use page::{Held, Slot};
use std::io::{self, BufRead, IsTerminal, Write};
use std::time::Duration;
use xengnttab::{BoundPort, Error, EventChannels, GrantSharer, GrantTable, ReadOnly, UnmapNotify, Writable};

/// The pages one shell holds, and the devices it opened (or why it could not).
pub struct Shell<'t> {
    table: &'t Result<GrantTable, Error>,
    sharer: &'t Result<GrantSharer, Error>,
    channels: &'t Result<EventChannels, Error>,
    slots: Vec<Slot<'t>>,
    /// Event channel ports bound with `bind`, unbound when the shell ends.
    ports: Vec<BoundPort<'t>>,
    next_slot: u32,
}

enum Flow {
    Continue,
    Quit,
}

/// Runs the shell over `input`; returns the exit status: 2 if a line had a usage error, else 1
/// if a command failed, else 0.
pub fn run(input: impl BufRead, out: &mut impl Write) -> u8 {
    let table = GrantTable::open();
    let sharer = GrantSharer::open();
    let channels = EventChannels::open();
    let mut shell = Shell {
        table: &table,
        sharer: &sharer,
        channels: &channels,
        slots: Vec::new(),
        ports: Vec::new(),
        next_slot: 1,
    };
    let status = shell.run_lines(input, out, io::stdin().is_terminal());
    shell.release_all();
    status
}

impl<'t> Shell<'t> {
    fn run_lines(&mut self, mut input: impl BufRead, out: &mut impl Write, prompt: bool) -> u8 {
        let mut status = 0;
        let mut raw = Vec::new();
        for number in 1.. {
            if prompt {
                let _ = write!(out, "xengnt> ").and_then(|()| out.flush());
            }
            raw.clear();
            match input.read_until(b'\n', &mut raw) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    eprintln!("xengnt: reading stdin: {e}");
                    return 1;
                }
            }
            let line = String::from_utf8_lossy(&raw);
            let result = command::parse(&line).map_err(Failure::from).and_then(|line| self.execute(line, out));
            match result {
                Ok(Flow::Continue) => {}
                Ok(Flow::Quit) => break,
                Err(failure) => {
                    eprintln!("xengnt: line {number}: {}: {failure}", line.split_whitespace().next().unwrap_or(""));
                    status = status.max(failure.exit_code());
                }
            }
            let _ = out.flush();
        }
        status
    }

    fn execute(&mut self, line: Line, out: &mut impl Write) -> Result<Flow, Failure> {
        let printed = match line {
            Line::Nothing => Ok(()),
            Line::Quit => return Ok(Flow::Quit),
            Line::Help => out.write_all(help::SHELL.as_bytes()),
            Line::Echo(text) => writeln!(out, "{text}"),
            Line::Share { domid, read_only, notify } => {
                let slot = self.share(domid, read_only, notify)?;
                writeln!(out, "slot {}: {}", slot.number, slot.describe())
            }
            Line::Map { domid, gref, read_only, notify } => {
                let slot = self.map(domid, gref, read_only, notify)?;
                writeln!(out, "slot {}: {}", slot.number, slot.describe())
            }
            Line::Unshare { gref } => {
                let index =
                    self.find(|s| s.is_shared() && s.gref == gref, || format!("no shared page has ref {gref}"))?;
                self.release(index, out)
            }
            Line::Release { slot } => {
                let index = self.find(|s| s.number == slot, || format!("no slot {slot}"))?;
                self.release(index, out)
            }
            Line::Unmap { addr } => {
                let index = self.find(|s| s.address() == addr, || format!("no page at {addr:#x}"))?;
                self.release(index, out)
            }
            Line::Bind { domid, remote_port } => {
                let channels = devices::channels(self.channels)?;
                let bound = match remote_port {
                    None => channels.bind_unbound_port(domid.into()),
                    Some(remote) => channels.bind_interdomain(domid.into(), remote),
                };
                let port = bound.map_err(|e| failed!("binding a port for domain {domid}: {e}"))?;
                let line = match remote_port {
                    None => writeln!(out, "port {}: unbound, for domain {domid}", port.port()),
                    Some(remote) => writeln!(out, "port {}: bound to port {remote} of domain {domid}", port.port()),
                };
                self.ports.push(port);
                line
            }
            Line::Notify { port } => {
                devices::channels(self.channels)?.notify(port).map_err(|e| failed!("notifying port {port}: {e}"))?;
                writeln!(out, "notified port {port}")
            }
            Line::Wait { ms } => {
                let channels = devices::channels(self.channels)?;
                match channels.wait(Some(Duration::from_millis(ms))).map_err(|e| failed!("waiting: {e}"))? {
                    Some(port) => writeln!(out, "event on port {port}"),
                    None => writeln!(out, "no event in {ms} ms"),
                }
            }
            Line::Show => self.show(out),
            Line::Append { word } => {
                let count = self.append(&word)?;
                writeln!(out, "appended {word:?} to {count} page(s)")
            }
            Line::Peek { slot, offset } => {
                let byte: u8 = self.slot(slot)?.memory().read_obj(offset).map_err(|e| failed!("{e}"))?;
                writeln!(out, "slot {slot} byte {offset}: {byte}")
            }
            Line::Poke { slot, offset, value } => {
                let page = self.slot(slot)?.writable().ok_or_else(|| failed!("slot {slot} is mapped read-only"))?;
                page.write_obj(offset, value).map_err(|e| failed!("{e}"))?;
                writeln!(out, "slot {slot} byte {offset} = {value}")
            }
        };
        printed.map_err(|e| failed!("writing the output: {e}"))?;
        Ok(Flow::Continue)
    }

    fn share(&mut self, domid: u16, peer_read_only: bool, notify: UnmapNotify) -> Result<&Slot<'t>, Failure> {
        let sharer = devices::sharer(self.sharer)?;
        let shared = if peer_read_only {
            sharer.share(domid, 1, ReadOnly, notify)
        } else {
            sharer.share(domid, 1, Writable, notify)
        };
        let pages = shared.map_err(|e| failed!("sharing a page with domain {domid}: {e}"))?;
        let gref = pages.refs()[0];
        Ok(self.hold(domid, gref, Held::Shared { pages, peer_read_only }))
    }

    fn map(&mut self, domid: u16, gref: u32, read_only: bool, notify: UnmapNotify) -> Result<&Slot<'t>, Failure> {
        let table = devices::table(self.table)?;
        let domains = xengnttab::Domains::Same(domid.into());
        let held = if read_only {
            table.map(domains, &[gref], ReadOnly, notify).map(Held::MappedReadOnly)
        } else {
            table.map(domains, &[gref], Writable, notify).map(Held::MappedWritable)
        };
        let held = held.map_err(|e| failed!("mapping ref {gref} of domain {domid}: {e}"))?;
        Ok(self.hold(domid, gref, held))
    }

    fn hold(&mut self, domid: u16, gref: u32, held: Held<'t>) -> &Slot<'t> {
        let number = self.next_slot;
        self.next_slot += 1;
        self.slots.push(Slot { number, domid, gref, held });
        &self.slots[self.slots.len() - 1]
    }

    fn find(&self, matches: impl Fn(&Slot<'t>) -> bool, missing: impl Fn() -> String) -> Result<usize, Failure> {
        self.slots.iter().position(matches).ok_or_else(|| Failure::Failed(missing()))
    }

    fn slot(&self, number: u32) -> Result<&Slot<'t>, Failure> {
        self.slots.iter().find(|s| s.number == number).ok_or_else(|| failed!("no slot {number}"))
    }

    fn release(&mut self, index: usize, out: &mut impl Write) -> io::Result<()> {
        let slot = self.slots.remove(index);
        let (number, what) = (slot.number, if slot.is_shared() { "unshared" } else { "unmapped" });
        let gref = slot.gref;
        match slot.release() {
            Ok(()) => writeln!(out, "slot {number}: {what} ref {gref}"),
            Err(e) => writeln!(out, "slot {number}: {what} ref {gref}, with an error: {e}"),
        }
    }

    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        if self.slots.is_empty() {
            return writeln!(out, "no pages");
        }
        for slot in &self.slots {
            let page = text::snapshot(slot.memory());
            writeln!(out, "slot {}: {}: \"{}\"", slot.number, slot.describe(), text::read(&page))?;
        }
        Ok(())
    }

    /// Appends to every page we may write; a full page fails the command after the others
    /// got the word.
    fn append(&mut self, word: &str) -> Result<usize, Failure> {
        let mut count = 0;
        let mut full = Vec::new();
        for slot in &self.slots {
            let Some(page) = slot.writable() else { continue };
            let mut copy = text::snapshot(page);
            match text::append(&mut copy, word) {
                Ok(appended) => {
                    appended.write_back(&copy, page).map_err(|e| failed!("slot {}: {e}", slot.number))?;
                    count += 1;
                }
                Err(AppendError::Full) => full.push(slot.number.to_string()),
            }
        }
        if !full.is_empty() {
            return Err(failed!("no room for {word:?} in slot(s) {}", full.join(", ")));
        }
        if count == 0 {
            return Err(failed!("no page we may write: share a page or map one without --ro"));
        }
        Ok(count)
    }

    fn release_all(&mut self) {
        // Mappings first, so that our own shared pages are not still mapped by us.
        self.slots.sort_by_key(Slot::is_shared);
        for slot in self.slots.drain(..) {
            let _ = slot.release();
        }
    }
}
