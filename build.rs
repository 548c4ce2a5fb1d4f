//! With the `capi` feature, generates the C header from the C API's Rust source with cbindgen,
//! into `$OUT_DIR/xengnttab.h`, and also into the file `XENGNTTAB_HEADER` names if set. The
//! Makefile sets it to `include/xengnttab.h`, which is committed (`make test` fails on any
//! difference). A Rust user's build (no `capi`) runs nothing here and needs no cbindgen; a
//! build from the packaged crate (`cargo publish`'s verify, docs.rs) never writes into its
//! source directory.

#[cfg(feature = "capi")]
use std::path::Path;

/// Upstream's copy segment nests an anonymous `struct { ref; offset; domid; } foreign;`.
/// cbindgen can only emit named structs, so the named one is folded back into the union:
/// the header then declares exactly upstream's tags.
#[cfg(feature = "capi")]
const ANONYMOUS_STRUCT: &str = "xengnttab_copy_foreign";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "capi")]
    generate_header();
}

#[cfg(feature = "capi")]
fn generate_header() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=src/capi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=XENGNTTAB_HEADER");
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
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut paths = vec![Path::new(&out_dir).join("xengnttab.h")];
    paths.extend(std::env::var_os("XENGNTTAB_HEADER").map(std::path::PathBuf::from));
    for path in paths {
        // Unchanged content is not rewritten: the file's time stays, and make sees nothing new.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(&header) {
            std::fs::write(&path, &header).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

/// Removes `struct NAME { ... };` (and the comment block before it) and replaces the member
/// `struct NAME field;` with `struct { ... } field;`.
#[cfg(feature = "capi")]
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
