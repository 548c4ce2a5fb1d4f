//! `xengnt info`: can this machine share and map grants, and within which limits?

use crate::devices::{self, GNTALLOC, GNTDEV};
use crate::failure::{Failure, failed};
use std::fs;
use std::path::Path;
use xengnttab::{GrantSharer, GrantTable};

/// Where the grant modules publish their parameters.
const MODULES: [&str; 2] = ["/sys/module/xen_gntalloc/parameters", "/sys/module/xen_gntdev/parameters"];

pub fn info() -> Result<(), Failure> {
    let gntdev = GrantTable::open().map(drop);
    let gntalloc = GrantSharer::open().map(drop);
    let mut problems = Vec::new();
    for (path, module, opened) in [(GNTDEV, "xen_gntdev", gntdev), (GNTALLOC, "xen_gntalloc", gntalloc)] {
        match opened {
            Ok(()) => println!("{path}: available"),
            Err(e) => {
                let failure = devices::open_failure(path, module, e);
                println!("{path}: unavailable: {e}");
                problems.push(failure.to_string());
            }
        }
    }
    for dir in MODULES {
        for line in parameters(Path::new(dir)) {
            println!("{line}");
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(failed!("{}", problems.join("; "))) }
}

/// `path: value` for each readable parameter of a module, or one line saying there are none.
fn parameters(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return vec![format!("{}: not present (module not loaded?)", dir.display())];
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    paths
        .iter()
        .map(|path| match fs::read_to_string(path) {
            Ok(value) => format!("{}: {}", path.display(), value.trim_end()),
            Err(e) => format!("{}: unreadable: {e}", path.display()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_listed_sorted_and_a_missing_module_is_said_so() {
        let dir = std::env::temp_dir().join(format!("xengnt-info-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("limit"), "1024\n").unwrap();
        fs::write(dir.join("a_first"), "Y\n").unwrap();
        let lines = parameters(&dir);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(lines, [format!("{}/a_first: Y", dir.display()), format!("{}/limit: 1024", dir.display())]);
        assert_eq!(parameters(&dir), [format!("{}: not present (module not loaded?)", dir.display())]);
    }
}
