//! One line of `xengnt shell`, parsed.

use crate::args::{self, NOTIFY_OPTIONS, OptionSpec, Parsed, UsageError, number, usage};
use crate::cli::PAGE;
use xengnttab::UnmapNotify;

/// A shell command with checked arguments.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A blank line or a comment.
    Nothing,
    Share {
        domid: u16,
        read_only: bool,
        notify: UnmapNotify,
    },
    Map {
        domid: u16,
        gref: u32,
        read_only: bool,
        notify: UnmapNotify,
    },
    Unshare {
        gref: u32,
    },
    Release {
        slot: u32,
    },
    Unmap {
        addr: usize,
    },
    Show,
    Append {
        word: String,
    },
    Peek {
        slot: u32,
        offset: usize,
    },
    Poke {
        slot: u32,
        offset: usize,
        value: u8,
    },
    /// `bind <domid>`: an unbound port for the domain; `bind <domid> <port>`: connect to its port.
    Bind {
        domid: u16,
        remote_port: Option<u32>,
    },
    Notify {
        port: u32,
    },
    Wait {
        ms: u64,
    },
    Echo(String),
    Help,
    Quit,
}

const RO: [OptionSpec; 1] = [OptionSpec { name: "ro", takes_value: false }];

/// Parses one input line.
pub fn parse(line: &str) -> Result<Line, UsageError> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(Line::Nothing);
    }
    let (name, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    if name == "echo" {
        return Ok(Line::Echo(rest.trim_start().to_string()));
    }
    let words: Vec<String> = rest.split_whitespace().map(String::from).collect();
    let specs: &[&[OptionSpec]] = match name {
        "share" | "map" => &[&RO, &NOTIFY_OPTIONS],
        _ => &[],
    };
    let p = args::parse(&words, specs)?;
    let pos = |i: usize| p.positionals[i].as_str();
    match name {
        "share" => {
            p.expect_positionals(1, 1, "share <domid>")?;
            Ok(Line::Share { domid: number(pos(0), "domid")?, read_only: p.flag("ro"), notify: p.notify(PAGE, false)? })
        }
        "map" => {
            p.expect_positionals(2, 2, "map <domid> <ref>")?;
            Ok(Line::Map {
                domid: number(pos(0), "domid")?,
                gref: number(pos(1), "ref")?,
                read_only: p.flag("ro"),
                notify: p.notify(PAGE, p.flag("ro"))?,
            })
        }
        "unshare" => one(&p, "unshare <ref>").and_then(|()| Ok(Line::Unshare { gref: number(pos(0), "ref")? })),
        "release" => one(&p, "release <slot>").and_then(|()| Ok(Line::Release { slot: number(pos(0), "slot")? })),
        "unmap" => one(&p, "unmap <addr>").and_then(|()| Ok(Line::Unmap { addr: number(pos(0), "address")? })),
        "append" => one(&p, "append <word>").map(|()| Line::Append { word: pos(0).to_string() }),
        "peek" => {
            p.expect_positionals(2, 2, "peek <slot> <offset>")?;
            Ok(Line::Peek { slot: number(pos(0), "slot")?, offset: offset(pos(1))? })
        }
        "poke" => {
            p.expect_positionals(3, 3, "poke <slot> <offset> <value>")?;
            Ok(Line::Poke { slot: number(pos(0), "slot")?, offset: offset(pos(1))?, value: number(pos(2), "value")? })
        }
        "bind" => {
            p.expect_positionals(1, 2, "bind <domid> [port]")?;
            let remote_port = p.positionals.get(1).map(|port| number(port, "port")).transpose()?;
            Ok(Line::Bind { domid: number(pos(0), "domid")?, remote_port })
        }
        "notify" => one(&p, "notify <port>").and_then(|()| Ok(Line::Notify { port: number(pos(0), "port")? })),
        "wait" => {
            p.expect_positionals(0, 1, "wait [milliseconds]")?;
            let ms = p.positionals.first().map(|ms| number(ms, "milliseconds")).transpose()?;
            Ok(Line::Wait { ms: ms.unwrap_or(1000) })
        }
        "show" => p.expect_positionals(0, 0, "show").map(|()| Line::Show),
        "help" => p.expect_positionals(0, 1, "help [command]").map(|()| Line::Help),
        "quit" | "exit" => p.expect_positionals(0, 0, "quit").map(|()| Line::Quit),
        other => Err(usage!("unknown command {other:?} (try: help)")),
    }
}

fn one(p: &Parsed, names: &str) -> Result<(), UsageError> {
    p.expect_positionals(1, 1, names)
}

/// Shell pages are one page each.
fn offset(text: &str) -> Result<usize, UsageError> {
    let offset = number::<usize>(text, "offset")?;
    if offset >= PAGE {
        return Err(usage!("offset {offset} is outside the page (0 to {})", PAGE - 1));
    }
    Ok(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: &str) -> String {
        parse(line).unwrap_err().0
    }

    #[test]
    fn every_command_parses() {
        assert_eq!(
            parse("share 0 --notify 0").unwrap(),
            Line::Share { domid: 0, read_only: false, notify: UnmapNotify::clear_byte(0) }
        );
        assert_eq!(
            parse("  map 1 0x20 --ro").unwrap(),
            Line::Map { domid: 1, gref: 32, read_only: true, notify: UnmapNotify::NONE }
        );
        assert_eq!(parse("unshare 8").unwrap(), Line::Unshare { gref: 8 });
        assert_eq!(parse("release 2").unwrap(), Line::Release { slot: 2 });
        // An address of a 32-bit user space, so that the test builds for armhf too.
        assert_eq!(parse("unmap 0x7f001000").unwrap(), Line::Unmap { addr: 0x7f00_1000 });
        assert_eq!(parse("append hello").unwrap(), Line::Append { word: "hello".into() });
        assert_eq!(parse("peek 1 4095").unwrap(), Line::Peek { slot: 1, offset: 4095 });
        assert_eq!(parse("poke 1 0 0xff").unwrap(), Line::Poke { slot: 1, offset: 0, value: 255 });
        assert_eq!(parse("echo  two  words").unwrap(), Line::Echo("two  words".into()));
        assert_eq!(parse("show").unwrap(), Line::Show);
        assert_eq!(parse("bind 0").unwrap(), Line::Bind { domid: 0, remote_port: None });
        assert_eq!(parse("bind 3 0x10").unwrap(), Line::Bind { domid: 3, remote_port: Some(16) });
        assert_eq!(parse("notify 7").unwrap(), Line::Notify { port: 7 });
        assert_eq!(parse("wait").unwrap(), Line::Wait { ms: 1000 });
        assert_eq!(parse("wait 20").unwrap(), Line::Wait { ms: 20 });
        assert_eq!(parse("exit").unwrap(), Line::Quit);
        assert_eq!(parse("help map").unwrap(), Line::Help);
        assert_eq!(parse("   # a comment").unwrap(), Line::Nothing);
        assert_eq!(parse("").unwrap(), Line::Nothing);
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        assert_eq!(error("frob"), "unknown command \"frob\" (try: help)");
        assert_eq!(error("map 0"), "missing arguments: expected map <domid> <ref>");
        assert_eq!(error("share 0 --pages 2"), "unknown option --pages");
        assert_eq!(error("peek 1 4096"), "offset 4096 is outside the page (0 to 4095)");
        assert_eq!(error("poke 1 0 256"), "invalid value \"256\": expected a number from 0 to 255");
        assert_eq!(error("append a b"), "unexpected argument \"b\": expected append <word>");
        assert_eq!(error("bind"), "missing arguments: expected bind <domid> [port]");
        assert_eq!(error("notify"), "missing arguments: expected notify <port>");
        assert_eq!(error("wait 1 2"), "unexpected argument \"2\": expected wait [milliseconds]");
        assert_eq!(error("release --ro"), "unknown option --ro");
        assert_eq!(error("share 0 --notify 4096"), "--notify offset 4096 is outside the mapping (0 to 4095)");
        assert!(error("map 0 8 --ro --notify 0").starts_with("--notify clears the byte"));
        assert_eq!(error("unmap zz"), format!("invalid address \"zz\": expected a number from 0 to {}", usize::MAX));
    }
}
