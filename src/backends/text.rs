//! Text matching shared by backends: wazo-dird compares lowercased, transliterated text
//! ("Élodie" matches "elo", "Ærøskøbing" matches "aeroskobing").

/// Lowercase ASCII transliteration, for case- and accent-insensitive comparisons.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// `text` for a LIKE pattern: its `%`, `_` and backslashes match literally.
pub fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::{fold, like_literal};

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_literal(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Élodie Ærøe"), "elodie aeroe");
        assert_eq!(fold("ÇA"), "ca");
        assert!(fold("Алиса").is_ascii());
    }
}
