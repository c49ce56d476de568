//! A trigram index over folded text, so a substring search touches the few rows that can match
//! instead of scanning every row: each 3-byte window of a row's searchable text maps to the rows
//! that contain it; a term's candidates are the rows holding all of its trigrams, then checked.

use std::collections::HashMap;

/// Rows (by position) indexed by the trigrams of their searchable values.
#[derive(Debug, Default)]
pub struct TrigramIndex {
    postings: HashMap<[u8; 3], Vec<u32>>,
    rows: usize,
}

fn trigrams(text: &str) -> impl Iterator<Item = [u8; 3]> + '_ {
    text.as_bytes().windows(3).map(|w| [w[0], w[1], w[2]])
}

impl TrigramIndex {
    /// Indexes `rows`, each given as its searchable (already folded) values.
    pub fn build<'a, R: IntoIterator<Item = &'a str>>(rows: impl Iterator<Item = R>) -> Self {
        let mut postings: HashMap<[u8; 3], Vec<u32>> = HashMap::new();
        let mut count = 0;
        for (row, values) in rows.enumerate() {
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            for value in values {
                for trigram in trigrams(value) {
                    let list = postings.entry(trigram).or_default();
                    if list.last() != Some(&row) {
                        list.push(row);
                    }
                }
            }
            count += 1;
        }
        TrigramIndex {
            postings,
            rows: count,
        }
    }

    /// Rows that may contain `needle` (folded): every row for a needle shorter than a trigram,
    /// else the rows holding all of its trigrams, in row order. The caller confirms each.
    pub fn candidates(&self, needle: &str) -> Vec<u32> {
        if needle.len() < 3 {
            return (0..u32::try_from(self.rows).unwrap_or(u32::MAX)).collect();
        }
        let mut lists: Vec<&Vec<u32>> = Vec::new();
        for trigram in trigrams(needle) {
            match self.postings.get(&trigram) {
                Some(list) => lists.push(list),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|list| list.len());
        let Some((first, others)) = lists.split_first() else {
            return Vec::new();
        };
        first
            .iter()
            .copied()
            .filter(|row| others.iter().all(|list| list.binary_search(row).is_ok()))
            .collect()
    }

    /// Rows that may contain one of `needles`, in row order, each once.
    pub fn candidates_of_any<'a>(&self, needles: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
        let mut rows: Vec<u32> = Vec::new();
        for (count, needle) in needles.into_iter().enumerate() {
            rows.extend(self.candidates(needle));
            if count > 0 {
                rows.sort_unstable();
                rows.dedup();
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_hold_every_trigram() {
        let rows: Vec<Vec<String>> = vec![
            vec!["alice".into(), "martin".into()],
            vec!["bob".into(), "marley".into()],
            vec!["marc".into(), "dupont".into()],
        ];
        let index = TrigramIndex::build(rows.iter().map(|r| r.iter().map(String::as_str)));
        assert_eq!(index.candidates("mar"), vec![0, 1, 2]);
        assert_eq!(index.candidates("arl"), vec![1]);
        assert_eq!(index.candidates("martin"), vec![0]);
        assert!(index.candidates("zzz").is_empty());
        assert_eq!(index.candidates_of_any(["arl", "dupont"]), vec![1, 2]);
        assert_eq!(index.candidates_of_any(["arl"]), vec![1]);
        assert_eq!(
            index.candidates("ma").len(),
            3,
            "short needles fall back to every row"
        );
    }
}
