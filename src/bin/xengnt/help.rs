//! Help texts: one per command, printed by `--help`, `help <command>` and on usage errors.

pub const MAIN: &str = "\
xengnt: share and map Xen grant pages from a shell

usage: xengnt <command> [options]

commands:
  info                       grant devices and module limits of this machine
  share <domid>              share pages with a domain; print their refs; hold until stdin ends
  map <domid> <ref>...       map grants, print (or write) their text, unmap
  copy from|to <domid> <ref> copy from or to a grant without mapping it
  shell                      line commands from stdin (try: echo help | xengnt shell)
  help [command]             this text, or a command's

Numbers are decimal or 0x hex. Exit status: 0 ok, 1 operation failed, 2 usage error.
";

pub const INFO: &str = "\
usage: xengnt info

Shows whether /dev/xen/gntdev and /dev/xen/gntalloc exist and open, and the parameters
of the xen_gntalloc and xen_gntdev modules (e.g. gntalloc's limit on shared pages).
Exit status 1 when a device is missing or cannot be opened.
";

pub const SHARE: &str = "\
usage: xengnt share <domid> [--pages N] [--ro] [--text TEXT] [--notify OFFSET] [--notify-port PORT]

Shares N (default 1) zeroed pages with <domid>, prints `refs R...`, then holds them until
stdin ends (Ctrl-D), prints the first page's text as the peer left it, and unshares.
  --ro                 the peer may only read (default: it may write)
  --text TEXT          write TEXT at the start of the first page before printing the refs
  --notify OFFSET      when we unshare, clear the byte at OFFSET (the peer watches it)
  --notify-port PORT   when we unshare, signal event channel PORT
";

pub const MAP: &str = "\
usage: xengnt map <domid> <ref>... [--ro] [--write TEXT] [--notify OFFSET] [--notify-port PORT]

Maps the grants <ref>... of <domid> as one region, prints each page's text (bytes up to
the first NUL), writes TEXT at the start of the first page if asked, and unmaps.
  --ro                 map read-only (default: writable); no --write or --notify then
  --write TEXT         write TEXT (and a NUL) at the start of the first page
  --notify OFFSET      when we unmap, clear the byte at OFFSET of the region
  --notify-port PORT   when we unmap, signal event channel PORT
";

pub const COPY: &str = "\
usage: xengnt copy from <domid> <ref> [--offset N] [--len N]
       xengnt copy to <domid> <ref> <text> [--offset N]

Grant copy, without mapping: `from` prints --len (default 64) bytes of the grant as text,
`to` writes <text> into it. Prints the segment's status; exit status 1 unless it is okay.
  --offset N           start N bytes into the granted page (default 0)
";

pub const SHELL: &str = "\
usage: xengnt shell

Reads commands from stdin, one per line, and runs them in order; errors are reported on
stderr and the shell goes on. Pages are numbered by slot. Blank lines and # comments are
skipped. Exit status: 2 if a line had a usage error, else 1 if a command failed, else 0.

commands:
  share <domid> [--ro] [--notify OFFSET] [--notify-port PORT]
                         share a page; prints its slot, grant ref and address
  map <domid> <ref> [--ro] [--notify OFFSET] [--notify-port PORT]
                         map a grant; prints its slot and address (--notify needs no --ro)
  unshare <ref>          stop offering a grant we share (unshare the page)
  release <slot>         release a mapping (or a shared page) by slot
  unmap <addr>           release the page at this address (as printed, 0x...)
  show                   list every page: slot, kind, domain, ref, access, address, text
  append <word>          append a word to the text of every page we may write
  bind <domid> [port]    bind an event channel port: without [port] an unbound one that
                         <domid> may connect to, with it a connection to that port of <domid>
  notify <port>          signal a port bound in this domain (by any process)
  wait [milliseconds]    wait (default 1000 ms) for an event on one of the shell's ports;
                         prints the port, or that none came
  peek <slot> <offset>   print one byte of a page
  poke <slot> <offset> <value>
                         set one byte of a page we may write
  echo <text>            print text (scripts use it to know a command is done)
  help [command]         this text
  quit                   release everything and leave (so does end of input)
";

/// The help text of `command`, if there is such a command.
pub fn of(command: &str) -> Option<&'static str> {
    match command {
        "info" => Some(INFO),
        "share" => Some(SHARE),
        "map" => Some(MAP),
        "copy" => Some(COPY),
        "shell" => Some(SHELL),
        "help" => Some(MAIN),
        _ => None,
    }
}
