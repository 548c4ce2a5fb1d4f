//! The command line of `xengnt`: which subcommand, with which checked arguments.

use crate::args::{self, NOTIFY_OPTIONS, OptionSpec, Parsed, UsageError, number, usage};
use crate::help;
use xengnttab::{ForeignGrant, UnmapNotify};

/// Xen's grant page size.
pub const PAGE: usize = 4096;

/// A parsed `xengnt` command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Print this help text and exit 0.
    Help(&'static str),
    Info,
    Share {
        domid: u16,
        pages: usize,
        read_only: bool,
        text: Option<String>,
        notify: UnmapNotify,
    },
    Map {
        domid: u16,
        refs: Vec<u32>,
        read_only: bool,
        write: Option<String>,
        notify: UnmapNotify,
    },
    CopyFrom {
        from: ForeignGrant,
        len: usize,
    },
    CopyTo {
        to: ForeignGrant,
        text: String,
    },
    Shell,
}

const HELP: OptionSpec = OptionSpec { name: "help", takes_value: false };
const RO: OptionSpec = OptionSpec { name: "ro", takes_value: false };
const SHARE_OPTIONS: [OptionSpec; 4] =
    [HELP, RO, OptionSpec { name: "pages", takes_value: true }, OptionSpec { name: "text", takes_value: true }];
const MAP_OPTIONS: [OptionSpec; 3] = [HELP, RO, OptionSpec { name: "write", takes_value: true }];
const COPY_OPTIONS: [OptionSpec; 3] =
    [HELP, OptionSpec { name: "offset", takes_value: true }, OptionSpec { name: "len", takes_value: true }];

/// A usage error with the help text of the command it concerns.
#[derive(Debug, PartialEq, Eq)]
pub struct CliUsage {
    pub error: UsageError,
    pub help: &'static str,
}

/// Parses the arguments after the program name.
pub fn parse(argv: &[String]) -> Result<Command, CliUsage> {
    let Some((name, rest)) = argv.split_first() else {
        return Err(CliUsage { error: usage!("no command given"), help: help::MAIN });
    };
    let help = match name.as_str() {
        "-h" | "--help" => return Ok(Command::Help(help::MAIN)),
        "help" => return help_command(rest),
        other => help::of(other).ok_or(CliUsage { error: usage!("unknown command {other:?}"), help: help::MAIN })?,
    };
    parse_command(name, rest).map_err(|error| CliUsage { error, help })
}

fn help_command(rest: &[String]) -> Result<Command, CliUsage> {
    match rest {
        [] => Ok(Command::Help(help::MAIN)),
        [topic] => help::of(topic)
            .map(Command::Help)
            .ok_or(CliUsage { error: usage!("no help for {topic:?}: not a command"), help: help::MAIN }),
        [_, extra, ..] => Err(CliUsage { error: usage!("unexpected argument {extra:?}"), help: help::MAIN }),
    }
}

fn parse_command(name: &str, rest: &[String]) -> Result<Command, UsageError> {
    let specs: &[&[OptionSpec]] = match name {
        "share" => &[&SHARE_OPTIONS, &NOTIFY_OPTIONS],
        "map" => &[&MAP_OPTIONS, &NOTIFY_OPTIONS],
        "copy" => &[&COPY_OPTIONS],
        _ => &[&[HELP]],
    };
    let p = args::parse(rest, specs)?;
    if p.flag("help") {
        return Ok(Command::Help(help::of(name).unwrap_or(help::MAIN)));
    }
    match name {
        "info" => p.expect_positionals(0, 0, "no arguments").map(|()| Command::Info),
        "shell" => p.expect_positionals(0, 0, "no arguments").map(|()| Command::Shell),
        "share" => share(&p),
        "map" => map(&p),
        _ => copy(&p),
    }
}

fn share(p: &Parsed) -> Result<Command, UsageError> {
    p.expect_positionals(1, 1, "<domid>")?;
    let pages = p.number::<usize>("pages")?.unwrap_or(1);
    if pages == 0 {
        return Err(usage!("--pages must be at least 1"));
    }
    let text = p.value("text").map(String::from);
    if text.as_ref().is_some_and(|t| t.len() >= PAGE) {
        return Err(usage!("--text must be shorter than a page ({PAGE} bytes)"));
    }
    Ok(Command::Share {
        domid: number(&p.positionals[0], "domid")?,
        pages,
        read_only: p.flag("ro"),
        text,
        notify: p.notify(pages.saturating_mul(PAGE), false)?,
    })
}

fn map(p: &Parsed) -> Result<Command, UsageError> {
    p.expect_positionals(2, usize::MAX, "<domid> <ref>...")?;
    let refs = p.positionals[1..].iter().map(|r| number(r, "ref")).collect::<Result<Vec<u32>, _>>()?;
    let read_only = p.flag("ro");
    let write = p.value("write").map(String::from);
    if read_only && write.is_some() {
        return Err(usage!("--write needs a writable mapping: drop --ro"));
    }
    if write.as_ref().is_some_and(|t| t.len() >= PAGE) {
        return Err(usage!("--write text must be shorter than a page ({PAGE} bytes)"));
    }
    Ok(Command::Map {
        domid: number(&p.positionals[0], "domid")?,
        notify: p.notify(refs.len() * PAGE, read_only)?,
        refs,
        read_only,
        write,
    })
}

fn copy(p: &Parsed) -> Result<Command, UsageError> {
    let direction = p.positionals.first().map(String::as_str);
    let (min, max, names) = match direction {
        Some("to") => (4, 4, "to <domid> <ref> <text>"),
        Some("from") => (3, 3, "from <domid> <ref>"),
        _ => return Err(usage!("expected `from` or `to` after copy")),
    };
    p.expect_positionals(min, max, names)?;
    let offset = p.number::<u16>("offset")?.unwrap_or(0);
    let grant = ForeignGrant::new(number(&p.positionals[1], "domid")?, number(&p.positionals[2], "ref")?);
    let grant = grant.at_offset(offset);
    let (len, command) = if direction == Some("to") {
        if p.value("len").is_some() {
            return Err(usage!("--len is for `copy from`; `copy to` copies the whole text"));
        }
        let text = p.positionals[3].clone();
        (text.len(), Command::CopyTo { to: grant, text })
    } else {
        let len = p.number::<usize>("len")?.unwrap_or(64);
        (len, Command::CopyFrom { from: grant, len })
    };
    if usize::from(offset) + len > PAGE {
        return Err(usage!("offset {offset} + length {len} runs past the end of the page ({PAGE} bytes)"));
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<Command, CliUsage> {
        parse(&line.split_whitespace().map(String::from).collect::<Vec<_>>())
    }

    fn error(line: &str) -> String {
        run(line).unwrap_err().error.0
    }

    #[test]
    fn share_takes_a_domid_and_options() {
        assert_eq!(
            run("share 3 --pages 2 --ro --text hi --notify 5000").unwrap(),
            Command::Share {
                domid: 3,
                pages: 2,
                read_only: true,
                text: Some("hi".into()),
                notify: UnmapNotify::clear_byte(5000)
            }
        );
        assert_eq!(error("share"), "missing arguments: expected <domid>");
        assert_eq!(error("share 1 --pages 0"), "--pages must be at least 1");
        assert_eq!(error("share 1 --notify 4096"), "--notify offset 4096 is outside the mapping (0 to 4095)");
        assert_eq!(error("share x"), "invalid domid \"x\": expected a number from 0 to 65535");
    }

    #[test]
    fn map_takes_several_refs() {
        assert_eq!(
            run("map 0 8 0x9").unwrap(),
            Command::Map { domid: 0, refs: vec![8, 9], read_only: false, write: None, notify: UnmapNotify::NONE }
        );
        assert_eq!(error("map 0"), "missing arguments: expected <domid> <ref>...");
        assert_eq!(error("map 0 8 --ro --write x"), "--write needs a writable mapping: drop --ro");
        assert_eq!(error("map 0 8 --pages 2"), "unknown option --pages");
        assert!(error("map 0 8 --ro --notify 0").starts_with("--notify clears the byte through our mapping"));
        assert!(matches!(run("share 0 --ro --notify 0").unwrap(), Command::Share { read_only: true, .. }));
    }

    #[test]
    fn copy_has_two_directions_that_stay_in_the_page() {
        assert_eq!(
            run("copy from 0 8 --offset 10 --len 4").unwrap(),
            Command::CopyFrom { from: ForeignGrant::new(0, 8).at_offset(10), len: 4 }
        );
        assert_eq!(
            run("copy to 0 8 abc").unwrap(),
            Command::CopyTo { to: ForeignGrant::new(0, 8), text: "abc".into() }
        );
        assert_eq!(error("copy 0 8"), "expected `from` or `to` after copy");
        assert_eq!(
            error("copy from 0 8 --offset 4090 --len 7"),
            "offset 4090 + length 7 runs past the end of the page (4096 bytes)"
        );
        assert_eq!(error("copy to 0 8 abc --len 2"), "--len is for `copy from`; `copy to` copies the whole text");
        assert_eq!(error("copy from 0 8 9"), "unexpected argument \"9\": expected from <domid> <ref>");
    }

    #[test]
    fn help_is_found_for_every_command_and_usage_errors_carry_their_commands_help() {
        assert_eq!(run("map --help").unwrap(), Command::Help(help::MAP));
        assert_eq!(run("help copy").unwrap(), Command::Help(help::COPY));
        assert_eq!(run("--help").unwrap(), Command::Help(help::MAIN));
        assert_eq!(run("share").unwrap_err().help, help::SHARE);
        assert_eq!(error("frobnicate"), "unknown command \"frobnicate\"");
        assert_eq!(error(""), "no command given");
        assert_eq!(error("help nothing"), "no help for \"nothing\": not a command");
        assert_eq!(error("info extra"), "unexpected argument \"extra\": expected no arguments");
        assert_eq!(run("info").unwrap(), Command::Info);
        assert_eq!(run("shell").unwrap(), Command::Shell);
    }
}
