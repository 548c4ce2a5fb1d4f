//! docs/robustness.md's claims about fork against the code and tests they cite (issue 18,
//! finding 7): the number of children the doc says the unit test forks is the test's, and
//! the doc states the one lock a child can inherit held, libxentoolcore's `handles_lock`.

use std::path::Path;

const FORK_TEST: &str = "a_child_forked_during_updates_can_still_use_the_table";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The doc's "**Fork.**" paragraph (up to the next blank line).
fn fork_paragraph() -> String {
    let doc = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/robustness.md"));
    let start = doc.find("**Fork.**").expect("docs/robustness.md has a **Fork.** paragraph");
    let rest = &doc[start..];
    rest[..rest.find("\n\n").unwrap_or(rest.len())].split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The body of the fork test, wherever the region table's sources keep it
/// (`src/capi/regions.rs` or a file under `src/capi/regions/`).
fn fork_test_body() -> String {
    let capi = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/capi");
    let mut files = vec![capi.join("regions.rs")];
    if let Ok(dir) = std::fs::read_dir(capi.join("regions")) {
        files.extend(dir.map(|entry| entry.unwrap().path()));
    }
    for file in files.iter().filter(|f| f.is_file()) {
        let text = read(file);
        if let Some(at) = text.find(&format!("fn {FORK_TEST}(")) {
            let body = &text[at..];
            return body[..body[1..].find("\n    fn ").map_or(body.len(), |end| end + 1)].to_string();
        }
    }
    panic!("no fn {FORK_TEST} in {files:?}");
}

/// The number right after `word` in `text` (digits and `_`/`,` separators).
fn number_after(text: &str, word: &str) -> Option<u64> {
    let at = text.find(word)? + word.len();
    let digits: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '_' || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[test]
#[cfg_attr(miri, ignore = "text parsing, no unsafe code: nothing for Miri to check, and 25 s under it")]
fn the_doc_states_the_children_the_fork_test_forks() {
    let doc = fork_paragraph();
    let after_name = &doc[doc.find(FORK_TEST).expect("the Fork paragraph names the unit test")..];
    let stated = number_after(after_name, "forks ").expect("the doc says how many children the unit test forks");
    let body = fork_test_body();
    let forked = number_after(&body, "for round in 0..iterations(")
        .expect("the fork test forks in `for round in 0..iterations(N)` (N, fewer under Miri and valgrind)");
    assert_eq!(stated, forked, "docs/robustness.md says the unit test forks {stated} children; it forks {forked}");
}

#[test]
#[cfg_attr(miri, ignore = "text parsing, no unsafe code: nothing for Miri to check, and 25 s under it")]
fn the_doc_states_that_libxentoolcores_lock_can_be_inherited_held() {
    let doc = fork_paragraph();
    for needed in ["handles_lock", "atfork", "upstream", "xentoolcore_restrict_all", "c-tests/fork/toolcore_lock.c"] {
        assert!(
            doc.to_lowercase().contains(&needed.to_lowercase()),
            "the Fork paragraph of docs/robustness.md does not mention {needed:?}: {doc}"
        );
    }
    assert!(
        !doc.contains("can still unmap, unshare and close"),
        "a child cannot always close: a gnttab close takes handles_lock, which a fork can leave held"
    );
}

#[test]
fn the_number_reader_skips_separators() {
    assert_eq!(number_after("forks 1,000 children", "forks "), Some(1000));
    assert_eq!(number_after("for round in 0..iterations(50).max(2) {", "for round in 0..iterations("), Some(50));
    assert_eq!(number_after("forks many", "forks "), None);
}
