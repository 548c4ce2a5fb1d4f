//! The text a page holds for the two sides to watch: bytes from the start up to the first NUL.
//! These work on a local copy of the page (the page itself is only reached through volatile
//! copies: the peer may write it at any time).

use std::ops::Range;
use xengnttab::memory::Memory;
use xengnttab::{Access, MemoryError, VolatileSlice, Writable};

/// Why a word could not be appended.
#[derive(Debug, PartialEq, Eq)]
pub enum AppendError {
    /// The word and its separator would not fit before the page's last byte, which stays NUL.
    Full,
}

/// A local copy of the bytes of `memory`, read with volatile copies.
pub fn snapshot<A: Access, M: Memory>(memory: VolatileSlice<'_, A, M>) -> Vec<u8> {
    let mut copy = vec![0; memory.len()];
    // The range is the slice's own: it always fits.
    let _ = memory.read_into(0, &mut copy);
    copy
}

/// What [`append`] changed in the local copy, to be written back to the page in this order:
/// the word with its NUL first, then the separator, so a reader never sees a separator
/// without its word.
#[derive(Debug, PartialEq, Eq)]
pub struct Appended {
    pub word: Range<usize>,
    pub separator: Option<usize>,
}

impl Appended {
    /// Writes the changed bytes of `copy` back to `page`, word first.
    pub fn write_back<M: Memory>(&self, copy: &[u8], page: VolatileSlice<'_, Writable, M>) -> Result<(), MemoryError> {
        page.write_from(self.word.start, &copy[self.word.clone()])?;
        match self.separator {
            Some(at) => page.write_obj(at, copy[at]),
            None => Ok(()),
        }
    }
}

/// The page's text, with non-printable bytes escaped, ready to print in quotes.
pub fn read(page: &[u8]) -> String {
    let end = page.iter().position(|&b| b == 0).unwrap_or(page.len());
    page[..end].escape_ascii().to_string()
}

/// Appends `word` to the text of a page's local copy, after a space unless the text is empty;
/// says which bytes changed.
pub fn append(page: &mut [u8], word: &str) -> Result<Appended, AppendError> {
    let end = page.iter().position(|&b| b == 0).unwrap_or(page.len());
    let sep = usize::from(end > 0);
    let needed = end + sep + word.len();
    if needed >= page.len() {
        return Err(AppendError::Full);
    }
    page[needed] = 0;
    page[end + sep..needed].copy_from_slice(word.as_bytes());
    if sep == 1 {
        page[end] = b' ';
    }
    Ok(Appended { word: end + sep..needed + 1, separator: (sep == 1).then_some(end) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_separated_by_single_spaces() {
        let mut page = [0u8; 32];
        assert_eq!(append(&mut page, "one").unwrap(), Appended { word: 0..4, separator: None });
        assert_eq!(append(&mut page, "two").unwrap(), Appended { word: 4..8, separator: Some(3) });
        assert_eq!(read(&page), "one two");
    }

    #[test]
    fn a_word_is_written_back_to_the_page_with_its_separator() {
        let mut page = [0u64; 4];
        let memory = VolatileSlice::from_mut_slice(&mut page);
        memory.write_from(0, b"one").unwrap();
        let mut copy = snapshot(memory);
        append(&mut copy, "two").unwrap().write_back(&copy, memory).unwrap();
        assert_eq!(read(&snapshot(memory)), "one two");
    }

    #[test]
    fn the_last_byte_stays_nul_and_a_full_page_is_refused() {
        let mut page = [0u8; 8];
        append(&mut page, "abc").unwrap();
        assert_eq!(append(&mut page, "defg"), Err(AppendError::Full));
        append(&mut page, "de").unwrap();
        assert_eq!(read(&page), "abc de");
        assert_eq!(page[7], 0);
    }

    #[test]
    fn a_word_ends_with_a_nul_even_over_old_bytes() {
        let mut page = *b"\0xxxxxxx";
        append(&mut page, "ab").unwrap();
        assert_eq!(read(&page), "ab");
    }

    #[test]
    fn unprintable_bytes_are_escaped() {
        assert_eq!(read(b"a\nb\x01\0rest"), "a\\nb\\x01");
        assert_eq!(read(b"\0abc"), "");
    }
}
