//! The panic policy of the C library: it is built with panic=abort (profile `capi`), so no
//! panic can ever unwind into C, and `compat/check-no-panic` proves on the linked object that
//! no panic path is left in it at all. These tests fail if the build stops using that profile
//! or the profile stops aborting, which would bring the unwinder (and its glibc 2.35
//! `_dl_find_object`) back into the library.

/// The text of a file at the crate root.
fn read(name: &str) -> String {
    let path = format!("{}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `key = value` lines of one `[section]` of a TOML file, comments and blanks dropped.
fn section(text: &str, name: &str) -> Vec<String> {
    let header = format!("[{name}]");
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .skip_while(|line| *line != header)
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .filter(|line| !line.is_empty())
        .map(|line| line.chars().filter(|c| !c.is_whitespace()).collect())
        .collect()
}

#[test]
fn the_c_library_profile_aborts_on_panic() {
    let profile = section(&read("Cargo.toml"), "profile.capi");
    assert!(profile.iter().any(|l| l == "panic=\"abort\""), "[profile.capi] must set panic = \"abort\": {profile:?}");
    assert!(
        profile.iter().any(|l| l == "inherits=\"release\""),
        "[profile.capi] must inherit release (LTO): {profile:?}"
    );
}

#[test]
fn the_makefile_builds_the_c_library_from_that_profile() {
    let makefile = read("Makefile");
    assert!(makefile.contains("--profile capi"), "the Makefile no longer builds with --profile capi");
    assert!(makefile.contains("RUST_ARCHIVE := target/capi/libxengnttab.a"), "the .so is not linked from target/capi");
}

#[test]
fn the_section_reader_sees_only_its_section() {
    let text = "[profile.release]\nlto = true\n\n[profile.capi] # c\ninherits = \"release\"\npanic = \"abort\" # why\n[x]\npanic = \"unwind\"\n";
    assert_eq!(section(text, "profile.capi"), ["inherits=\"release\"", "panic=\"abort\""]);
    assert!(section(text, "profile.none").is_empty());
}
