//! Generates include/xengnttab.h from the C API's Rust source with cbindgen. The header is
//! committed; CI regenerates it and fails on any difference.

use std::path::Path;

fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config = cbindgen::Config::from_file(Path::new(&crate_dir).join("cbindgen.toml")).expect("cbindgen.toml parses");
    cbindgen::Builder::new()
        // Only the C API module: the rest of the crate is Rust API, not C declarations.
        .with_src(Path::new(&crate_dir).join("src/capi/mod.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write_to_file(Path::new(&crate_dir).join("include/xengnttab.h"));
}
