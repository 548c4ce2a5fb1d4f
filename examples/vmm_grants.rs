//! rust-vmm's vm-memory traits over grants (feature `vm-memory`): pages shared with our own
//! domain and mapped back are `Bytes`/`VolatileMemory`, so a file's or a socket's bytes go
//! straight into a grant (`ReadVolatile`) and out of one (`WriteVolatile`), with no bounce
//! buffer; and a `GrantMemory` of (domid, ref) lists is guest memory whose regions are mapped
//! on first access, and whose failures (a bad ref, an address no region covers) are errors,
//! not panics. One line per check, then "N passed, M failed". Needs Xen: run it as root in
//! dom0 (domain 0 grants to itself). vm-memory supports 64-bit targets only.
//!
//! `vmm_grants guest DOMID TEXT REF...` maps another domain's grants instead (the lab's guest
//! runs `xengnt share 0 --pages 2 --text TEXT`): one guest memory of that domain's pages and
//! one of ours, side by side; it expects TEXT on the first page and leaves its own there.

#[cfg(target_pointer_width = "64")]
fn main() -> std::process::ExitCode {
    checks::run()
}

#[cfg(not(target_pointer_width = "64"))]
fn main() {
    println!("vmm_grants: vm-memory supports 64-bit targets only: 0 passed, 0 failed");
}

#[cfg(target_pointer_width = "64")]
mod checks {
    use std::io::{Read, Seek, Write};
    use std::os::unix::net::UnixStream;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use vm_memory::{Bytes, GuestAddress, GuestMemory, GuestMemoryError, GuestRegionCollection, VolatileMemory};
    use xengnttab::vmm::{GrantMemory, GrantRegion};
    use xengnttab::{GrantSharer, GrantTable, UnmapNotify, Writable};

    type Checked = Result<(), Box<dyn std::error::Error>>;

    /// A ref no domain 0 share has (the lab's xengnt checks use the same one).
    const BAD_REF: u32 = 99999;

    pub fn run() -> std::process::ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let (mut passed, mut failed) = (0, 0);
        let mut check = |name: &str, result: Checked| match result {
            Ok(()) => {
                passed += 1;
                println!("ok vmm/{name}");
            }
            Err(e) => {
                failed += 1;
                println!("FAIL vmm/{name}: {e}");
            }
        };
        if args.first().map(String::as_str) == Some("guest") {
            match GuestSetup::new(&args[1..]) {
                Ok(g) => {
                    check("guest-text-through-guest-memory", g.reads_the_guests_text());
                    check("guest-and-dom0-pages-side-by-side", g.spans_two_domains());
                    check("guest-page-from-a-file-and-to-a-socket", g.fds_and_a_guest_page());
                    check("guest-bad-ref-is-an-error", g.bad_ref());
                    check("guest-eager-region", g.eager_region());
                    check("guest-text-left-for-the-guest", g.leaves_text());
                }
                Err(e) => check("guest-setup", Err(e)),
            }
        } else {
            match Setup::new() {
                Ok(s) => {
                    check("mapping-is-volatile-memory", s.volatile_memory());
                    check("file-into-grant-with-read-volatile", s.file_into_grant());
                    check("grant-into-socket-with-write-volatile", s.grant_into_socket());
                    check("bytes-objects-and-atomics", s.bytes_objects_and_atomics());
                    check("guest-memory-maps-lazily", s.guest_memory_maps_lazily());
                    check("guest-memory-errors-not-panics", s.guest_memory_errors());
                    check("guest-memory-unmap-all-and-remap", s.guest_memory_unmap_all());
                    check("guest-memory-owned-in-a-thread", s.guest_memory_in_a_thread());
                    check("eager-regions", s.eager_regions());
                }
                Err(e) => check("setup", Err(e)),
            }
        }
        println!("vmm_grants: {passed} passed, {failed} failed");
        if failed == 0 { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::FAILURE }
    }

    fn ensure(ok: bool, what: &str) -> Checked {
        if ok { Ok(()) } else { Err(what.into()) }
    }

    /// Two pages and one page shared with domain 0, the first two mapped back.
    struct Setup {
        table: Arc<GrantTable>,
        two: xengnttab::SharedPages,
        one: xengnttab::SharedPages,
    }

    impl Setup {
        fn new() -> Result<Setup, Box<dyn std::error::Error>> {
            let sharer = GrantSharer::open()?;
            let table = Arc::new(GrantTable::open()?);
            let two = sharer.share(0, 2, Writable, UnmapNotify::NONE)?;
            let one = sharer.share(0, 1, Writable, UnmapNotify::NONE)?;
            Ok(Setup { table, two, one })
        }

        fn grants(pages: &xengnttab::SharedPages) -> Vec<(u32, u32)> {
            pages.refs().iter().map(|&r| (0, r)).collect()
        }

        fn volatile_memory(&self) -> Checked {
            let mapped = self.table.map(xengnttab::Domains::Same(0), self.two.refs(), Writable, UnmapNotify::NONE)?;
            ensure(VolatileMemory::len(&mapped) == 8192, "8192 bytes")?;
            let slice = mapped.get_slice(4000, 200)?; // across the two pages
            slice.write_slice(b"vm-memory slice", 90)?;
            let mut text = [0u8; 15];
            self.two.read_into(4090, &mut text)?;
            ensure(&text == b"vm-memory slice", "the sharer sees a write through get_slice")?;
            ensure(mapped.get_slice(8000, 193).is_err(), "a slice past the end is refused")?;
            ensure(VolatileMemory::as_volatile_slice(&self.one).len() == 4096, "shared pages are volatile memory too")
        }

        fn file_into_grant(&self) -> Checked {
            let mapped = self.table.map(xengnttab::Domains::Same(0), self.two.refs(), Writable, UnmapNotify::NONE)?;
            let data: Vec<u8> = (0..6000u32).map(|i| (i * 7 % 251) as u8).collect();
            let mut file = tempfile()?;
            file.write_all(&data)?;
            file.rewind()?;
            // read(2) of the file straight into the granted pages, across the page boundary
            mapped.read_exact_volatile_from(1000, &mut file, data.len())?;
            let mut seen = vec![0u8; data.len()];
            self.two.read_into(1000, &mut seen)?;
            ensure(seen == data, "the sharer sees the file's bytes")?;
            ensure(mapped.read_exact_volatile_from(8000, &mut file, 193).is_err(), "past the end is an error")
        }

        fn grant_into_socket(&self) -> Checked {
            let (mut ours, mut theirs) = UnixStream::pair()?;
            self.one.write_from(10, b"from the grant to a socket")?;
            let mapped = self.table.map_ref(0, self.one.refs()[0], Writable)?;
            // write(2) from the granted page straight to the socket
            mapped.write_all_volatile_to(10, &mut ours, 26)?;
            let mut got = [0u8; 26];
            theirs.read_exact(&mut got)?;
            ensure(&got == b"from the grant to a socket", "the socket got the page's bytes")?;
            // and the sharer's side, the other way
            theirs.write_all(b"back")?;
            self.one.read_exact_volatile_from(4092, &mut ours, 4)?;
            ensure(mapped.read_obj::<[u8; 4]>(4092)? == *b"back", "the mapper sees what the socket wrote")
        }

        fn bytes_objects_and_atomics(&self) -> Checked {
            let mapped = self.table.map_ref(0, self.one.refs()[0], Writable)?;
            Bytes::write_obj(&mapped, 0x0123_4567_89ab_cdef_u64, 200)?;
            ensure(Bytes::read_obj::<u64>(&self.one, 200)? == 0x0123_4567_89ab_cdef, "write_obj/read_obj")?;
            Bytes::store(&self.one, 41u32, 256, Ordering::Release)?;
            ensure(Bytes::load::<u32>(&mapped, 256, Ordering::Acquire)? == 41, "store/load")?;
            ensure(Bytes::store(&mapped, 1u32, 258, Ordering::Relaxed).is_err(), "a misaligned atomic is refused")?;
            ensure(Bytes::read_obj::<u64>(&mapped, 4090).is_err(), "an object past the end is refused")
        }

        /// Region A (two pages) at 0, region B (one page) right after it, region C (a bad
        /// ref) at 1 MiB.
        fn guest_memory(&self) -> Result<GrantMemory<&GrantTable>, Box<dyn std::error::Error>> {
            let mut memory = GrantMemory::new(&*self.table);
            memory.add_region(GuestAddress(0), &Self::grants(&self.two))?;
            memory.add_region(GuestAddress(0x2000), &Self::grants(&self.one))?;
            memory.add_region(GuestAddress(0x10_0000), &[(0, BAD_REF)])?;
            Ok(memory)
        }

        fn guest_memory_maps_lazily(&self) -> Checked {
            let memory = self.guest_memory()?;
            ensure(memory.mapped_regions() == 0, "nothing mapped before the first access")?;
            self.one.write_from(0, b"region B")?;
            let mut text = [0u8; 8];
            memory.read_slice(&mut text, GuestAddress(0x2000))?;
            ensure(&text == b"region B" && memory.mapped_regions() == 1, "the first access maps its region only")?;
            memory.write_slice(b"spans A and B", GuestAddress(0x1ffa))?;
            let (mut a, mut b) = ([0u8; 6], [0u8; 7]);
            self.two.read_into(0x1ffa, &mut a)?;
            self.one.read_into(0, &mut b)?;
            ensure(&a == b"spans " && &b == b"A and B", "a write across two regions")?;
            ensure(memory.mapped_regions() == 2, "both regions mapped, the bad one not")?;
            let mut file = tempfile()?;
            file.write_all(&[0x5a; 100])?;
            file.rewind()?;
            memory.read_exact_volatile_from(GuestAddress(0x1fd0), &mut file, 100)?;
            ensure(self.one.read_obj::<[u8; 4]>(0x30)? == [0x5a; 4], "read_volatile_from a file across regions")?;
            memory.store(7u64, GuestAddress(0x2ff8), Ordering::Release)?;
            ensure(self.one.read_obj::<u64>(0xff8)? == 7, "an atomic store at a guest address")?;
            ensure(memory.check_range(GuestAddress(0), 0x3000, vm_memory::Permissions::ReadWrite), "check_range")
        }

        fn guest_memory_errors(&self) -> Checked {
            let memory = self.guest_memory()?;
            for _ in 0..2 {
                match memory.read_obj::<u32>(GuestAddress(0x10_0000)) {
                    Err(GuestMemoryError::IOError(e)) => eprintln!("vmm_grants: bad ref, as expected: {e}"),
                    other => return Err(format!("a bad ref: want an I/O error, got {other:?}").into()),
                }
            }
            ensure(memory.mapped_regions() == 0, "a failed map is not kept")?;
            let gap = memory.write_obj(1u8, GuestAddress(0x3000));
            ensure(matches!(gap, Err(GuestMemoryError::InvalidGuestAddress(_))), "an address in no region")?;
            let tail = memory.write_slice(&[1; 16], GuestAddress(0x2ff8));
            ensure(tail.is_err(), "a write running out of the last region")?;
            ensure(
                memory.load::<u64>(GuestAddress(u64::MAX - 7), Ordering::Acquire).is_err(),
                "the top of the address space",
            )
        }

        fn guest_memory_unmap_all(&self) -> Checked {
            let mut memory = self.guest_memory()?;
            memory.write_obj(0xfeed_u16, GuestAddress(0x100))?;
            ensure(memory.mapped_regions() == 1, "mapped")?;
            memory.unmap_all()?;
            ensure(memory.mapped_regions() == 0, "unmapped")?;
            ensure(memory.read_obj::<u16>(GuestAddress(0x100))? == 0xfeed, "mapped again on the next access")
        }

        fn guest_memory_in_a_thread(&self) -> Checked {
            let mut memory = GrantMemory::new(Arc::clone(&self.table));
            memory.add_region(GuestAddress(0x4000_0000), &Self::grants(&self.one))?;
            let memory = Arc::new(memory);
            let worker = Arc::clone(&memory);
            std::thread::spawn(move || worker.write_slice(b"from a worker", GuestAddress(0x4000_0800)))
                .join()
                .map_err(|_| "the worker panicked")??;
            let mut text = [0u8; 13];
            self.one.read_into(0x800, &mut text)?;
            ensure(&text == b"from a worker", "the sharer sees the worker's write")
        }

        fn eager_regions(&self) -> Checked {
            let a = GrantRegion::map(&*self.table, GuestAddress(0x8000), &Self::grants(&self.two))?;
            let b = GrantRegion::map(&*self.table, GuestAddress(0xa000), &Self::grants(&self.one))?;
            let memory = GuestRegionCollection::from_regions(vec![a, b])?;
            memory.write_slice(b"eager", GuestAddress(0x9ffe))?;
            let mut text = [0u8; 5];
            memory.read_slice(&mut text, GuestAddress(0x9ffe))?;
            ensure(&text == b"eager", "a collection of eager regions")?;
            let bad = GrantRegion::map(&*self.table, GuestAddress(0), &[(0, BAD_REF)]);
            ensure(bad.is_err(), "a bad ref fails when the region is made")
        }
    }

    /// What dom0 leaves on the guest's first page (NUL-terminated: xengnt prints it).
    pub const FROM_DOM0: &[u8] = b"from dom0 via vm-memory\0";

    /// A guest's grants (region A at 0), one page of ours right after them (region B), and a
    /// ref the guest did not grant (region C at 1 MiB), in one guest memory.
    struct GuestSetup {
        domid: u32,
        text: Vec<u8>,
        refs: Vec<u32>,
        table: GrantTable,
        ours: xengnttab::SharedPages,
    }

    impl GuestSetup {
        fn new(args: &[String]) -> Result<GuestSetup, Box<dyn std::error::Error>> {
            let usage = "usage: vmm_grants guest DOMID TEXT REF...";
            let [domid, text, refs @ ..] = args else { return Err(usage.into()) };
            let refs = refs.iter().map(|r| r.parse::<u32>()).collect::<Result<Vec<_>, _>>()?;
            if refs.is_empty() {
                return Err(usage.into());
            }
            let ours = GrantSharer::open()?.share(0, 1, Writable, UnmapNotify::NONE)?;
            let table = GrantTable::open()?;
            Ok(GuestSetup { domid: domid.parse()?, text: text.as_bytes().to_vec(), refs, table, ours })
        }

        fn guest_len(&self) -> u64 {
            self.refs.len() as u64 * 4096
        }

        fn memory(&self) -> Result<GrantMemory<&GrantTable>, Box<dyn std::error::Error>> {
            let mut memory = GrantMemory::new(&self.table);
            let guest: Vec<(u32, u32)> = self.refs.iter().map(|&r| (self.domid, r)).collect();
            memory.add_region(GuestAddress(0), &guest)?;
            memory.add_region(GuestAddress(self.guest_len()), &[(0, self.ours.refs()[0])])?;
            memory.add_region(GuestAddress(0x10_0000), &[(self.domid, BAD_REF)])?;
            Ok(memory)
        }

        fn reads_the_guests_text(&self) -> Checked {
            let memory = self.memory()?;
            ensure(memory.mapped_regions() == 0, "nothing mapped before the first access")?;
            let mut text = vec![0u8; self.text.len()];
            memory.read_slice(&mut text, GuestAddress(0))?;
            ensure(text == self.text, "the guest's --text at guest address 0")?;
            ensure(memory.mapped_regions() == 1, "only the guest's region mapped")
        }

        fn spans_two_domains(&self) -> Checked {
            let memory = self.memory()?;
            let at = GuestAddress(self.guest_len() - 8);
            memory.write_slice(b"guest...dom0", at)?;
            ensure(self.ours.read_obj::<[u8; 4]>(0)? == *b"dom0", "our page got the tail")?;
            let mut back = [0u8; 12];
            memory.read_slice(&mut back, at)?;
            ensure(&back == b"guest...dom0", "read back across the two domains' pages")?;
            ensure(memory.mapped_regions() == 2, "both regions mapped")
        }

        fn fds_and_a_guest_page(&self) -> Checked {
            let memory = self.memory()?;
            let last = GuestAddress(self.guest_len() - 4096 + 512);
            let data: Vec<u8> = (0..2048u32).map(|i| (i * 13 % 251) as u8).collect();
            let mut file = tempfile()?;
            file.write_all(&data)?;
            file.rewind()?;
            memory.read_exact_volatile_from(last, &mut file, data.len())?;
            let (mut ours, mut theirs) = UnixStream::pair()?;
            memory.write_all_volatile_to(last, &mut ours, data.len())?;
            let mut back = vec![0u8; data.len()];
            theirs.read_exact(&mut back)?;
            ensure(back == data, "file -> guest page -> socket")
        }

        fn bad_ref(&self) -> Checked {
            let memory = self.memory()?;
            match memory.read_obj::<u64>(GuestAddress(0x10_0000)) {
                Err(GuestMemoryError::IOError(e)) => eprintln!("vmm_grants: bad guest ref, as expected: {e}"),
                other => return Err(format!("want an I/O error, got {other:?}").into()),
            }
            ensure(memory.mapped_regions() == 0, "nothing kept")
        }

        fn eager_region(&self) -> Checked {
            let guest: Vec<(u32, u32)> = self.refs.iter().map(|&r| (self.domid, r)).collect();
            let region = GrantRegion::map(&self.table, GuestAddress(0x1000_0000), &guest)?;
            let memory = GuestRegionCollection::from_regions(vec![region])?;
            let mut text = vec![0u8; self.text.len()];
            memory.read_slice(&mut text, GuestAddress(0x1000_0000))?;
            ensure(text == self.text, "the guest's text through an eager region")?;
            let bad = GrantRegion::map(&self.table, GuestAddress(0), &[(self.domid, BAD_REF)]);
            ensure(bad.is_err(), "a bad guest ref fails when the region is made")
        }

        fn leaves_text(&self) -> Checked {
            let memory = self.memory()?;
            memory.write_slice(FROM_DOM0, GuestAddress(0))?;
            let mut back = [0u8; FROM_DOM0.len()];
            memory.read_slice(&mut back, GuestAddress(0))?;
            ensure(back == FROM_DOM0, "written to the guest's first page")
        }
    }

    /// An unlinked temporary file.
    fn tempfile() -> std::io::Result<std::fs::File> {
        let path = std::env::temp_dir().join(format!("vmm_grants.{}", std::process::id()));
        let file = std::fs::File::options().read(true).write(true).create_new(true).open(&path)?;
        std::fs::remove_file(&path)?;
        Ok(file)
    }
}
