//! The text a page holds for the two sides to watch: bytes from the start up to the first NUL.

/// Why a word could not be appended.
#[derive(Debug, PartialEq, Eq)]
pub enum AppendError {
    /// The word and its separator would not fit before the page's last byte, which stays NUL.
    Full,
}

/// The page's text, with non-printable bytes escaped, ready to print in quotes.
pub fn read(page: &[u8]) -> String {
    let end = page.iter().position(|&b| b == 0).unwrap_or(page.len());
    page[..end].escape_ascii().to_string()
}

/// Appends `word` to the page's text, after a space unless the text is empty. A word is
/// written before its separator, so a reader never sees a separator without its word.
pub fn append(page: &mut [u8], word: &str) -> Result<(), AppendError> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_separated_by_single_spaces() {
        let mut page = [0u8; 32];
        append(&mut page, "one").unwrap();
        append(&mut page, "two").unwrap();
        assert_eq!(read(&page), "one two");
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
