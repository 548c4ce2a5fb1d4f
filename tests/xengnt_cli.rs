//! `xengnt` as a user runs it, on whatever machine the tests run on: with or without Xen, it
//! must answer with a clear message and the documented exit status, never a crash.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn xengnt(args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xengnt"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xengnt starts");
    child.stdin.take().unwrap().write_all(stdin.as_ref()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit code 1 or 2 only: a signal (a crash) has no code.
fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or_else(|| panic!("xengnt died: {:?}\n{}", output.status, text(&output.stderr)))
}

#[test]
#[cfg_attr(miri, ignore = "runs the xengnt binary: Miri cannot spawn processes")]
fn info_reports_each_device_as_this_machine_has_it() {
    let out = xengnt(&["info"], "");
    let stdout = text(&out.stdout);
    let mut all_available = true;
    for device in ["/dev/xen/gntdev", "/dev/xen/gntalloc"] {
        let line =
            stdout.lines().find(|l| l.starts_with(device)).unwrap_or_else(|| panic!("no {device} line: {stdout}"));
        if !Path::new(device).exists() {
            assert!(line.contains("unavailable: No such file or directory"), "{line}");
            assert!(text(&out.stderr).contains(&format!("cannot open {device}")), "{}", text(&out.stderr));
        }
        all_available &= line.ends_with(": available");
    }
    assert!(stdout.contains("/sys/module/xen_gntalloc/parameters"), "{stdout}");
    assert_eq!(code(&out), if all_available { 0 } else { 1 });
}

#[test]
#[cfg_attr(miri, ignore = "runs the xengnt binary: Miri cannot spawn processes")]
fn bad_command_lines_are_usage_errors_with_help() {
    for (args, message) in [
        (&[][..], "xengnt: no command given"),
        (&["frob"][..], "xengnt: unknown command \"frob\""),
        (&["map", "0"][..], "xengnt: missing arguments: expected <domid> <ref>..."),
        (&["share", "70000"][..], "xengnt: invalid domid \"70000\": expected a number from 0 to 65535"),
        (&["copy", "from", "0", "8", "--len", "5000"][..], "runs past the end of the page"),
        (&["info", "--bogus"][..], "xengnt: unknown option --bogus"),
    ] {
        let out = xengnt(args, "");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(stderr.contains("usage: xengnt"), "{args:?} shows its help: {stderr}");
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs the xengnt binary: Miri cannot spawn processes")]
fn help_goes_to_stdout_and_succeeds() {
    for args in [&["--help"][..], &["help", "shell"], &["copy", "--help"]] {
        let out = xengnt(args, "");
        assert_eq!(code(&out), 0, "{args:?}");
        assert!(
            text(&out.stdout).starts_with("usage: xengnt") || text(&out.stdout).starts_with("xengnt: "),
            "{args:?}"
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs the xengnt binary: Miri cannot spawn processes")]
fn the_shell_goes_on_after_errors_and_reports_the_worst() {
    let script = "# comment\nshow\nfrob\necho still here\nquit\necho not reached\n";
    let out = xengnt(&["shell"], script);
    assert_eq!(text(&out.stdout), "no pages\nstill here\n");
    assert!(text(&out.stderr).contains("xengnt: line 3: frob: unknown command \"frob\" (try: help)"));
    assert_eq!(code(&out), 2);
}

#[test]
#[cfg_attr(miri, ignore = "runs the xengnt binary: Miri cannot spawn processes")]
fn shell_operations_fail_with_the_device_named_where_it_is_missing() {
    let out = xengnt(&["shell"], b"share 0\nmap 0 8\n\xffecho bytes\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line 3: \u{fffd}echo: unknown command"),
        "invalid UTF-8 is a bad line, not a crash: {stderr}"
    );
    assert_eq!(code(&out), 2);
    if Path::new("/dev/xen/gntalloc").exists() {
        // Real Xen (the lab's 50-xengnt suite checks the pages themselves).
        assert!(text(&out.stdout).starts_with("slot 1: shared ref "), "{}", text(&out.stdout));
        return;
    }
    assert!(stderr.contains("line 1: share: cannot open /dev/xen/gntalloc: No such file or directory"), "{stderr}");
    assert!(stderr.contains("line 2: map: cannot open /dev/xen/gntdev"), "{stderr}");
    let out = xengnt(&["map", "0", "8"], "");
    assert!(text(&out.stderr).contains("xengnt: cannot open /dev/xen/gntdev"));
    assert_eq!(code(&out), 1);
}
