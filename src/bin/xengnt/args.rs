//! A small argument parser shared by the subcommands and the shell: options are looked up in
//! a per-command table, so a typo is a usage error rather than a positional.

use std::fmt;
use xengnttab::UnmapNotify;

/// What was wrong with a command line, said so that a person can fix it (exit status 2).
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Builds a [`UsageError`] from format arguments.
macro_rules! usage {
    ($($arg:tt)*) => { $crate::args::UsageError(format!($($arg)*)) };
}
pub(crate) use usage;

/// An option a command accepts: `--name` alone, or `--name VALUE`.
pub struct OptionSpec {
    pub name: &'static str,
    pub takes_value: bool,
}

/// `--notify OFFSET` and `--notify-port PORT`, for every command that maps or shares.
pub const NOTIFY_OPTIONS: [OptionSpec; 2] =
    [OptionSpec { name: "notify", takes_value: true }, OptionSpec { name: "notify-port", takes_value: true }];

/// A command's words split into positionals and options.
#[derive(Debug, Default)]
pub struct Parsed {
    pub positionals: Vec<String>,
    options: Vec<(&'static str, Option<String>)>,
}

/// Splits `words` by `specs`. `--name=value` is accepted as well as `--name value`; `--`
/// ends the options.
pub fn parse(words: &[String], specs: &[&[OptionSpec]]) -> Result<Parsed, UsageError> {
    let mut parsed = Parsed::default();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            parsed.positionals.extend(words.by_ref().cloned());
            break;
        }
        let Some(option) = word.strip_prefix("--") else {
            parsed.positionals.push(word.clone());
            continue;
        };
        let (name, inline_value) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (option, None),
        };
        let spec = specs
            .iter()
            .flat_map(|s| s.iter())
            .find(|s| s.name == name)
            .ok_or_else(|| usage!("unknown option --{name}"))?;
        let value = match (spec.takes_value, inline_value) {
            (false, None) => None,
            (false, Some(_)) => return Err(usage!("--{name} takes no value")),
            (true, Some(value)) => Some(value),
            (true, None) => Some(words.next().cloned().ok_or_else(|| usage!("--{name} needs a value"))?),
        };
        if parsed.options.iter().any(|(seen, _)| *seen == spec.name) {
            return Err(usage!("--{name} given twice"));
        }
        parsed.options.push((spec.name, value));
    }
    Ok(parsed)
}

impl Parsed {
    pub fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(seen, _)| *seen == name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.options.iter().find(|(seen, _)| *seen == name).and_then(|(_, value)| value.as_deref())
    }

    /// The value of `--name` as a number, if given.
    pub fn number<T: Number>(&self, name: &str) -> Result<Option<T>, UsageError> {
        self.value(name).map(|text| number(text, &format!("--{name}"))).transpose()
    }

    /// Requires between `min` and `max` positionals, naming them in the error.
    pub fn expect_positionals(&self, min: usize, max: usize, names: &str) -> Result<(), UsageError> {
        let n = self.positionals.len();
        if n < min {
            Err(usage!("missing arguments: expected {names}"))
        } else if n > max {
            Err(usage!("unexpected argument {:?}: expected {names}", self.positionals[max]))
        } else {
            Ok(())
        }
    }

    /// The unmap notification the notify options ask for, checked against a mapping of
    /// `len` bytes (the library would silently ignore an offset outside it). `read_only`:
    /// the kernel clears the byte through our mapping, so it refuses a read-only one.
    pub fn notify(&self, len: usize, read_only: bool) -> Result<UnmapNotify, UsageError> {
        let mut notify = UnmapNotify::NONE;
        if let Some(offset) = self.number::<u32>("notify")? {
            if read_only {
                return Err(usage!("--notify clears the byte through our mapping, which --ro makes read-only"));
            }
            if offset as usize >= len {
                return Err(usage!("--notify offset {offset} is outside the mapping (0 to {})", len - 1));
            }
            notify = UnmapNotify::clear_byte(offset);
        }
        if let Some(port) = self.number::<u32>("notify-port")? {
            notify = notify.and_send_event(port);
        }
        Ok(notify)
    }
}

/// Unsigned integer types parsed from decimal or `0x` hexadecimal text.
pub trait Number: TryFrom<u64> + Copy {
    const MAX: u64;
}

macro_rules! number_types {
    ($($t:ty),*) => { $(impl Number for $t { const MAX: u64 = <$t>::MAX as u64; })* };
}
number_types!(u8, u16, u32, u64, usize);

/// Parses `text` as a `T`, decimal or `0x` hex; `what` names it in the error.
pub fn number<T: Number>(text: &str, what: &str) -> Result<T, UsageError> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    parsed
        .ok()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| usage!("invalid {what} {text:?}: expected a number from 0 to {}", T::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: [OptionSpec; 2] =
        [OptionSpec { name: "ro", takes_value: false }, OptionSpec { name: "pages", takes_value: true }];

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    fn parse_line(line: &str) -> Result<Parsed, UsageError> {
        parse(&words(line), &[&SPECS, &NOTIFY_OPTIONS])
    }

    #[test]
    fn options_and_positionals_mix_in_any_order() {
        let p = parse_line("7 --ro --pages=3 9 --notify 12").unwrap();
        assert_eq!(p.positionals, ["7", "9"]);
        assert!(p.flag("ro"));
        assert_eq!(p.number::<usize>("pages").unwrap(), Some(3));
        assert_eq!(p.notify(4096, false).unwrap(), UnmapNotify::clear_byte(12));
    }

    #[test]
    fn unknown_repeated_or_malformed_options_are_usage_errors() {
        assert_eq!(parse_line("--rw").unwrap_err(), usage!("unknown option --rw"));
        assert_eq!(parse_line("--ro --ro").unwrap_err(), usage!("--ro given twice"));
        assert_eq!(parse_line("--pages").unwrap_err(), usage!("--pages needs a value"));
        assert_eq!(parse_line("--ro=1").unwrap_err(), usage!("--ro takes no value"));
    }

    #[test]
    fn a_double_dash_ends_the_options() {
        assert_eq!(parse_line("-- --ro").unwrap().positionals, ["--ro"]);
    }

    #[test]
    fn numbers_are_decimal_or_hex_and_range_checked() {
        assert_eq!(number::<u32>("0x10", "ref"), Ok(16));
        assert_eq!(number::<u16>("65535", "domid"), Ok(65535));
        assert_eq!(
            number::<u16>("65536", "domid").unwrap_err(),
            usage!("invalid domid \"65536\": expected a number from 0 to 65535")
        );
        assert!(number::<u32>("-1", "ref").is_err());
        assert!(number::<u32>("", "ref").is_err());
        assert!(number::<u32>("0x", "ref").is_err());
    }

    #[test]
    fn a_notify_offset_outside_the_mapping_is_refused_and_a_port_is_kept() {
        let err = parse_line("--notify 4096").unwrap().notify(4096, false).unwrap_err();
        assert_eq!(err, usage!("--notify offset 4096 is outside the mapping (0 to 4095)"));
        let both = parse_line("--notify 1 --notify-port 5").unwrap().notify(4096, false).unwrap();
        assert_eq!(both, UnmapNotify::clear_byte(1).and_send_event(5));
        assert_eq!(parse_line("").unwrap().notify(4096, false).unwrap(), UnmapNotify::NONE);
        let read_only = parse_line("--notify 0").unwrap().notify(4096, true).unwrap_err();
        assert_eq!(read_only, usage!("--notify clears the byte through our mapping, which --ro makes read-only"));
        assert_eq!(parse_line("--notify-port 3").unwrap().notify(4096, true).unwrap(), UnmapNotify::send_event(3));
    }

    #[test]
    fn positional_counts_are_checked_with_names() {
        let p = parse_line("1 2 3").unwrap();
        assert_eq!(
            p.expect_positionals(1, 2, "<domid> [ref]").unwrap_err(),
            usage!("unexpected argument \"3\": expected <domid> [ref]")
        );
        assert_eq!(
            parse_line("").unwrap().expect_positionals(1, 1, "<domid>").unwrap_err(),
            usage!("missing arguments: expected <domid>")
        );
        assert!(p.expect_positionals(3, 3, "x").is_ok());
    }
}
