//! Text matching shared by backends: wazo-dird compares lowercased, transliterated text
//! ("Élodie" matches "elo", "Ærøskøbing" matches "aeroskobing").

/// Lowercase ASCII transliteration, for case- and accent-insensitive comparisons.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Élodie Ærøe"), "elodie aeroe");
        assert_eq!(fold("ÇA"), "ca");
        assert!(fold("Алиса").is_ascii());
    }
}
