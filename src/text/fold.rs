//! Text matching shared by backends: wazo-dird compares lowercased, transliterated text
//! ("Élodie" matches "elo", "Ærøskøbing" matches "aeroskobing").

/// Lowercase ASCII transliteration, for case- and accent-insensitive comparisons.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// Lowercase text without its accents, other scripts left as they are ("Élodie Ærø" → "elodie
/// aero", "Алиса" → "алиса"): what PostgreSQL's `unaccent()` then `ILIKE` compare, so that the
/// in-memory copies of the database's contacts match exactly what their SQL queries match.
pub fn fold_accents(text: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    let mut folded = String::with_capacity(text.len());
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ø' | 'Ø' => folded.push('o'),
            'æ' | 'Æ' => folded.push_str("ae"),
            'œ' | 'Œ' => folded.push_str("oe"),
            'ß' => folded.push_str("ss"),
            'đ' | 'Đ' => folded.push('d'),
            'ł' | 'Ł' => folded.push('l'),
            'ı' => folded.push('i'),
            other => folded.extend(other.to_lowercase()),
        }
    }
    folded
}

/// Sorts `items` as wazo-dird sorts contact lists: by the value of a field, case- and
/// accent-insensitively ("Élise" before "Mathilde"), contacts without the field (or with an empty
/// value) last. The sort is stable.
pub fn sort_by_field<T>(items: &mut [T], value: impl Fn(&T) -> Option<&str>) {
    items.sort_by_cached_key(|item| match value(item).filter(|v| !v.is_empty()) {
        Some(text) => (false, fold(text)),
        None => (true, String::new()),
    });
}

/// `text` for a LIKE pattern: its `%`, `_` and backslashes match literally.
pub fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::{fold, fold_accents, like_literal};

    #[test]
    fn accents_go_other_scripts_stay() {
        assert_eq!(fold_accents("Élodie ÆRØ Straße"), "elodie aero strasse");
        assert_eq!(fold_accents("Алиса Ёлкина"), "алиса елкина");
        assert_eq!(fold_accents("山田"), "山田");
    }

    #[test]
    fn contact_lists_sort_without_case_or_accents_and_missing_last() {
        let mut names = vec![Some("Mathilde"), None, Some("élise"), Some(""), Some("Bob")];
        super::sort_by_field(&mut names, |n| *n);
        assert_eq!(
            names,
            [Some("Bob"), Some("élise"), Some("Mathilde"), None, Some("")]
        );
    }

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
