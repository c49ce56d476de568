//! Dial-pad (T9) matching: a name spelled on a phone's keypad (ITU-T E.161: 2 abc, 3 def, 4 ghi,
//! 5 jkl, 6 mno, 7 pqrs, 8 tuv, 9 wxyz), folded first (é → e, ß → ss, Ł → l, æ → ae), its digits
//! standing for themselves. A match starts at the start of a word and may run on into the next
//! words ("532674" is "jeanpi" in Jean-Pierre Martin), or spells the initials of the first two or
//! last two words ("57" is J. P.); a word with an apostrophe is also one joined word ("62666" is
//! "oconn" in O'Connor). A match inside a word does not count ("466" does not find Thomas).
//!
//! [`T9Index`] is the in-memory copies' index: each place a match may start, keyed by the keys
//! that follow it (at most [`KEY_DIGITS`]), so that a query is a prefix range scan of a sorted
//! map, then a check of each candidate with [`Name::matches`].

use std::collections::BTreeMap;

/// How many keys of a name each index entry holds; longer queries are checked past them.
pub const KEY_DIGITS: usize = 12;

/// The fewest digits a dial-pad search matches names with (fewer: the ordinary lookup only).
pub const MIN_DIGITS: usize = 2;

/// The most digits a dial-pad search takes.
pub const MAX_DIGITS: usize = 32;

/// The key of a folded ASCII letter or digit.
fn key(c: u8) -> Option<u8> {
    Some(match c {
        b'0'..=b'9' => c,
        b'a'..=b'c' => b'2',
        b'd'..=b'f' => b'3',
        b'g'..=b'i' => b'4',
        b'j'..=b'l' => b'5',
        b'm'..=b'o' => b'6',
        b'p'..=b's' => b'7',
        b't'..=b'v' => b'8',
        b'w'..=b'z' => b'9',
        _ => return None,
    })
}

/// `term` as a dial-pad search takes it: 1 to [`MAX_DIGITS`] ASCII digits.
pub fn is_dial_term(term: &str) -> bool {
    (1..=MAX_DIGITS).contains(&term.len()) && term.bytes().all(|b| b.is_ascii_digit())
}

/// A regular expression (POSIX, as PostgreSQL's `~`) for a query in SQL whose answers are then
/// checked with [`Name::matches`]: in one lowercased, unaccented field, the keys of `digits` from
/// the start of a word across separators, or a start of them that runs to the end of the field (a
/// name that goes on in the next field); two digits or fewer, any word starting with the first
/// key's letters (the initials). A superset of what [`Name::matches`] takes.
pub fn pattern(digits: &str) -> String {
    const SEPARATORS: &str = "[^a-z0-9]*";
    let class = |digit: u8| -> String {
        let letters: String = (b'a'..=b'z')
            .filter(|&c| key(c) == Some(digit))
            .map(char::from)
            .collect();
        format!("[{letters}{}]", char::from(digit))
    };
    let classes: Vec<String> = digits.bytes().map(class).collect();
    let Some((first, rest)) = classes.split_first() else {
        return "$.".to_owned();
    };
    if classes.len() <= 2 {
        return format!("(^|[^a-z0-9]){first}");
    }
    let whole = classes.join(SEPARATORS);
    let to_the_end = rest.iter().rev().fold(String::new(), |inner, class| {
        format!("({SEPARATORS}{class}{inner})?")
    });
    format!("(^|[^a-z0-9])({whole}|{first}{to_the_end}{SEPARATORS}$)")
}

/// Whether a source's column holds a name that a dial-pad search spells: a first, last or
/// display name, a company (`firstname`, `lastname`, `name`, `display_name`, `givenName`,
/// `company`, `organizations`...), not a number, an address or an id.
pub fn is_name_column(column: &str) -> bool {
    let lowered = column.to_ascii_lowercase();
    ["name", "company", "organi"]
        .iter()
        .any(|part| lowered.contains(part))
        && !lowered.contains("username")
}

/// How a name matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameMatch {
    /// Within one word, from its start.
    Word,
    /// From the start of a word on into the next ones.
    AcrossWords,
    /// The initials of the first two or of the last two words.
    Initials,
}

/// A name as a keypad spells it: the keys of its letters and digits end to end, each place a
/// match may start (with the end of the word it starts in), and the initials' keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name {
    keys: Vec<u8>,
    starts: Vec<(usize, usize)>,
    initials: Vec<[u8; 2]>,
}

impl Name {
    /// The name made of `values` (a contact's name columns, in order), word after word.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut keys = Vec::new();
        // Each word: where it starts and ends in `keys`.
        let mut words: Vec<(usize, usize)> = Vec::new();
        let mut starts: Vec<(usize, usize)> = Vec::new();
        for value in values {
            let (mut in_word, mut apostrophe) = (false, false);
            for byte in super::fold(value).bytes() {
                match key(byte) {
                    Some(k) => {
                        let at = keys.len();
                        if !in_word {
                            words.push((at, at));
                            starts.push((at, words.len() - 1));
                        } else if apostrophe {
                            starts.push((at, words.len() - 1));
                        }
                        (in_word, apostrophe) = (true, false);
                        keys.push(k);
                        if let Some(word) = words.last_mut() {
                            word.1 = at + 1;
                        }
                    }
                    None if byte == b'\'' && in_word && !apostrophe => apostrophe = true,
                    None => (in_word, apostrophe) = (false, false),
                }
            }
        }
        let starts = starts
            .into_iter()
            .map(|(at, word)| (at, words[word].1))
            .collect();
        let initial = |pair: &[(usize, usize)]| [keys[pair[0].0], keys[pair[1].0]];
        let mut initials = Vec::new();
        if words.len() >= 2 {
            initials.push(initial(&words[..2]));
            let last = initial(&words[words.len() - 2..]);
            if !initials.contains(&last) {
                initials.push(last);
            }
        }
        Name {
            keys,
            starts,
            initials,
        }
    }

    /// How `digits` (ASCII digits) spell this name, the best way, if they do.
    pub fn matches(&self, digits: &str) -> Option<NameMatch> {
        let digits = digits.as_bytes();
        if digits.is_empty() {
            return None;
        }
        let mut best = None;
        for &(start, word_end) in &self.starts {
            if self.keys[start..].starts_with(digits) {
                let found = if start + digits.len() <= word_end {
                    NameMatch::Word
                } else {
                    NameMatch::AcrossWords
                };
                best = Some(best.map_or(found, |b: NameMatch| b.min(found)));
            }
        }
        if best.is_none() && digits.len() == 2 && self.initials.contains(&[digits[0], digits[1]]) {
            return Some(NameMatch::Initials);
        }
        best
    }

    /// The index keys of this name: the keys from each start (at most [`KEY_DIGITS`]), and the
    /// initials.
    fn index_keys(&self) -> impl Iterator<Item = String> + '_ {
        let text = |keys: &[u8]| keys.iter().map(|&k| char::from(k)).collect::<String>();
        self.starts
            .iter()
            .map(move |&(start, _)| {
                text(&self.keys[start..(start + KEY_DIGITS).min(self.keys.len())])
            })
            .chain(self.initials.iter().map(move |pair| text(pair)))
    }
}

/// The rows of a copy (by position) under the keys of their names.
#[derive(Debug, Default)]
pub struct T9Index {
    keys: BTreeMap<Box<str>, Vec<u32>>,
}

impl T9Index {
    /// Indexes `names`, one per row, in row order.
    pub fn build(names: impl Iterator<Item = Name>) -> Self {
        let mut keys: BTreeMap<Box<str>, Vec<u32>> = BTreeMap::new();
        for (row, name) in names.enumerate() {
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            for key in name.index_keys() {
                let rows = keys.entry(key.into_boxed_str()).or_default();
                if rows.last() != Some(&row) {
                    rows.push(row);
                }
            }
        }
        T9Index { keys }
    }

    /// The rows whose name may match `digits`, in row order: those with a key that starts with
    /// them (with their first [`KEY_DIGITS`] when longer). The caller checks each.
    pub fn candidates(&self, digits: &str) -> Vec<u32> {
        let prefix = &digits[..digits.len().min(KEY_DIGITS)];
        if prefix.is_empty() {
            return Vec::new();
        }
        let mut rows: Vec<u32> = self
            .keys
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(key, _)| key.starts_with(prefix))
            .flat_map(|(_, rows)| rows.iter().copied())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(values: &[&str]) -> Name {
        Name::new(values.iter().copied())
    }

    #[test]
    fn keypad_letters_and_digits() {
        let all = name(&["abc def ghi jkl mno pqrs tuv wxyz 0189"]);
        assert_eq!(all.matches("222"), Some(NameMatch::Word));
        assert_eq!(all.matches("9999"), Some(NameMatch::Word));
        assert_eq!(all.matches("7777"), Some(NameMatch::Word));
        assert_eq!(all.matches("0189"), Some(NameMatch::Word));
        assert_eq!(all.matches("2223"), Some(NameMatch::AcrossWords));
    }

    #[test]
    fn the_issues_examples() {
        let jean_pierre = name(&["Jean-Pierre", "Martin"]);
        let martin_dupont = name(&["Martin", "Dupont"]);
        assert_eq!(jean_pierre.matches("627846"), Some(NameMatch::Word));
        assert_eq!(martin_dupont.matches("627846"), Some(NameMatch::Word));
        assert_eq!(martin_dupont.matches("387"), Some(NameMatch::Word));
        assert_eq!(jean_pierre.matches("532674"), Some(NameMatch::AcrossWords));
        assert_eq!(jean_pierre.matches("57"), Some(NameMatch::Initials));
        assert_eq!(
            jean_pierre.matches("76"),
            Some(NameMatch::Initials),
            "P. M."
        );
        assert_eq!(martin_dupont.matches("57"), None);
        assert_eq!(
            name(&["Émilie", "Lefèvre"]).matches("36454"),
            Some(NameMatch::Word)
        );
        assert_eq!(
            name(&["Émilie", "Lefèvre"]).matches("5333"),
            Some(NameMatch::Word)
        );
        assert_eq!(
            name(&["Anna", "Strauß"]).matches("787287"),
            Some(NameMatch::Word)
        );
        assert_eq!(
            name(&["Anna", "Strauß"]).matches("266"),
            Some(NameMatch::Word)
        );
        let oconnor = name(&["Sophie", "O'Connor"]);
        assert_eq!(oconnor.matches("62666"), Some(NameMatch::Word), "joined");
        assert_eq!(
            oconnor.matches("266"),
            Some(NameMatch::Word),
            "after the apostrophe"
        );
        assert_eq!(
            oconnor.matches("76"),
            Some(NameMatch::Word),
            "a word before its initials"
        );
        assert_eq!(
            name(&["Agence 3D"]).matches("243623"),
            Some(NameMatch::Word)
        );
        assert_eq!(name(&["Agence 3D"]).matches("33"), Some(NameMatch::Word));
        let thomas = name(&["Phillips", "Thomas"]);
        assert_eq!(thomas.matches("846"), Some(NameMatch::Word));
        assert_eq!(thomas.matches("466"), None, "the middle of a word");
        assert_eq!(name(&["Łukasz Æbelø"]).matches("58"), Some(NameMatch::Word));
        assert_eq!(
            name(&["Łukasz Æbelø"]).matches("23"),
            Some(NameMatch::Word),
            "æ is ae"
        );
    }

    #[test]
    fn a_word_ends_with_its_value() {
        // firstname then lastname: the continuation runs from one column into the next.
        assert_eq!(
            name(&["Fred", "Smith"]).matches("37337"),
            Some(NameMatch::AcrossWords)
        );
        assert_eq!(
            name(&["", "Bob"]).matches("22"),
            None,
            "one word has no initials"
        );
        assert_eq!(name(&[]).matches("2"), None);
        assert_eq!(name(&["Ann"]).matches(""), None);
    }

    #[test]
    fn the_index_finds_what_matches_by_a_prefix_scan() {
        let names = [
            name(&["Martin", "Dupont"]),
            name(&["Jean-Pierre", "Martin"]),
            name(&["Phillips", "Thomas"]),
            name(&["Alexandrina-Maximiliana", "Papadopoulou"]),
        ];
        let index = T9Index::build(names.iter().cloned());
        assert_eq!(index.candidates("627846"), vec![0, 1]);
        assert_eq!(index.candidates("57"), vec![1], "initials are keys");
        assert_eq!(index.candidates("846"), vec![2]);
        assert!(index.candidates("466").is_empty());
        // Past KEY_DIGITS, the first keys find the row and the check decides.
        let spelled: String = names[3].keys.iter().map(|&k| char::from(k)).collect();
        let long = &spelled[..KEY_DIGITS + 8];
        assert_eq!(index.candidates(long), vec![3]);
        assert_eq!(names[3].matches(long), Some(NameMatch::AcrossWords));
        let wrong = format!(
            "{}{}",
            &spelled[..KEY_DIGITS + 1],
            if &spelled[KEY_DIGITS + 1..KEY_DIGITS + 2] == "2" {
                "3"
            } else {
                "2"
            }
        );
        assert_eq!(
            index.candidates(&wrong),
            vec![3],
            "the first keys still agree"
        );
        assert!(names[3].matches(&wrong).is_none());
        for digits in ["627846", "57", "846", "387", "532674"] {
            for row in index.candidates(digits) {
                assert!(
                    names[row as usize].matches(digits).is_some(),
                    "{digits} {row}"
                );
            }
        }
    }

    #[test]
    fn the_sql_pattern_spells_each_key() {
        let s = "[^a-z0-9]*";
        assert_eq!(
            pattern("270"),
            format!("(^|[^a-z0-9])([abc2]{s}[pqrs7]{s}[0]|[abc2]({s}[pqrs7]({s}[0])?)?{s}$)")
        );
        assert_eq!(pattern("57"), "(^|[^a-z0-9])[jkl5]");
    }

    #[test]
    fn dial_terms_and_name_columns() {
        assert!(is_dial_term("627846"));
        assert!(is_dial_term("0"));
        assert!(!is_dial_term(""));
        assert!(!is_dial_term("mar"));
        assert!(!is_dial_term("06 27"));
        assert!(!is_dial_term(&"1".repeat(33)));
        assert!(is_dial_term(&"1".repeat(32)));
        for column in [
            "firstname",
            "lastname",
            "name",
            "display_name",
            "displayName",
            "company",
        ] {
            assert!(is_name_column(column), "{column}");
        }
        for column in ["number", "mobile", "email", "id", "exten", "username"] {
            assert!(!is_name_column(column), "{column}");
        }
    }
}
