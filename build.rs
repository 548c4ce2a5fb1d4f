//! Generates include/xengnttab.h from the C API's Rust source with cbindgen. The header is
//! committed; `make test` regenerates it and fails on any difference.

use std::path::Path;

/// Upstream's copy segment nests an anonymous `struct { ref; offset; domid; } foreign;`.
/// cbindgen can only emit named structs, so the named one is folded back into the union:
/// the header then declares exactly upstream's tags.
const ANONYMOUS_STRUCT: &str = "xengnttab_copy_foreign";

fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=src/capi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config =
        cbindgen::Config::from_file(Path::new(&crate_dir).join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        // Only the C API module: the rest of the crate is Rust API, not C declarations.
        .with_src(Path::new(&crate_dir).join("src/capi/mod.rs"))
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let header = inline_anonymous_struct(&String::from_utf8(generated).expect("UTF-8 header"), ANONYMOUS_STRUCT);
    let path = Path::new(&crate_dir).join("include/xengnttab.h");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(&header) {
        std::fs::write(&path, header).expect("include/xengnttab.h is writable");
    }
}

/// Removes `struct NAME { ... };` (and the comment block before it) and replaces the member
/// `struct NAME field;` with `struct { ... } field;`.
fn inline_anonymous_struct(header: &str, name: &str) -> String {
    let open = format!("struct {name} {{\n");
    let start = header.find(&open).unwrap_or_else(|| panic!("cbindgen emitted no struct {name}"));
    let body_start = start + open.len();
    let end = body_start + header[body_start..].find("};\n").expect("the struct is closed");
    let body = &header[body_start..end];
    let comment_start =
        header[..start].rfind("/*").filter(|&c| header[c..start].trim_end().ends_with("*/")).unwrap_or(start);
    let without = format!("{}{}", &header[..comment_start], header[end + 3..].trim_start_matches('\n'));
    let nested: String = body.lines().map(|l| format!("  {l}\n")).collect();
    let member = format!("struct {name} ");
    let at = without.find(&member).unwrap_or_else(|| panic!("no member of type struct {name}"));
    format!("{}struct {{\n{nested}  }} {}", &without[..at], &without[at + member.len()..])
}
