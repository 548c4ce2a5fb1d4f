//! `xengnt`: share and map Xen grant pages from a dom0 shell, built on the safe `xengnttab`
//! API. See `docs/xengnt.md` or `xengnt help`.

mod args;
mod cli;
mod devices;
mod failure;
mod help;
mod info;
mod oneshot;
mod shell;
mod text;

use cli::Command;
use failure::Failure;
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let command = match cli::parse(&argv) {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("xengnt: {}\n\n{}", usage.error, usage.help);
            return ExitCode::from(Failure::Usage(usage.error).exit_code());
        }
    };
    let result = match command {
        Command::Help(text) => {
            print!("{text}");
            Ok(())
        }
        Command::Info => info::info(),
        Command::Share { domid, pages, read_only, text, notify } => {
            oneshot::share(domid, pages, read_only, text.as_deref(), notify)
        }
        Command::Map { domid, refs, read_only, write, notify } => {
            oneshot::map(domid, &refs, read_only, write.as_deref(), notify)
        }
        Command::CopyFrom { from, len } => oneshot::copy_from(from, len),
        Command::CopyTo { to, text } => oneshot::copy_to(to, &text),
        Command::Shell => return ExitCode::from(shell::run(std::io::stdin().lock(), &mut std::io::stdout().lock())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("xengnt: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}
