//! The numbers of an in-memory copy, keyed once by E.164 form and by last digits, so that a
//! reverse lookup in any tier is a hash probe.

use super::{Caller, Rule, Tier, Tiers};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A copy's rows (by position) under the keys of their numbers, in one tenant's rule.
#[derive(Debug)]
pub struct NumberIndex {
    rule: Rule,
    e164: HashMap<Box<str>, Vec<u32>>,
    /// The rows holding a number ending so, each with whether that number is valid.
    suffix: HashMap<Box<str>, Vec<(u32, bool)>>,
}

impl NumberIndex {
    /// Indexes each row's numbers (`rows` gives, in row order, the values of its number columns;
    /// values that do not look like numbers are skipped).
    pub fn build<'a, V>(rule: Rule, rows: impl Iterator<Item = V>) -> Self
    where
        V: IntoIterator<Item = &'a str>,
    {
        let mut index = NumberIndex {
            rule,
            e164: HashMap::new(),
            suffix: HashMap::new(),
        };
        for (row, values) in rows.enumerate() {
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            for value in values {
                if !super::looks_like_number(value) {
                    continue;
                }
                let Some(keys) = rule.keys(value) else {
                    continue;
                };
                let valid = keys.e164.is_some();
                if let Some(e164) = keys.e164 {
                    push(index.e164.entry(e164.into()).or_default(), row, |r| *r);
                }
                if let Some(suffix) = keys.suffix {
                    push(
                        index.suffix.entry(suffix.into()).or_default(),
                        (row, valid),
                        |r| r.0,
                    );
                }
            }
        }
        index
    }

    /// The rule the keys were made with.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// The rows matching `caller` by E.164 form (the first) and by suffix (up to two), by row.
    /// Its exact string is the copy's own index.
    pub fn find(&self, caller: &Caller) -> Tiers<u32> {
        let mut tiers = Tiers::default();
        let Some(keys) = &caller.keys else {
            return tiers;
        };
        if let Some(rows) = keys.e164.as_deref().and_then(|k| self.e164.get(k)) {
            if let Some(row) = rows.first() {
                tiers.add(Tier::Same, *row);
            }
        }
        let caller_valid = keys.e164.is_some();
        if let Some(rows) = keys.suffix.as_deref().and_then(|k| self.suffix.get(k)) {
            let mut last = None;
            for (row, valid) in rows {
                if (caller_valid && *valid) || last == Some(*row) {
                    continue;
                }
                last = Some(*row);
                tiers.add(Tier::Suffix, *row);
            }
        }
        tiers
    }

    /// Every row that may match `caller` by E.164 number or by suffix, in row order (for a copy
    /// whose rows the caller then compares column by column, [`super::tiers_among`]).
    pub fn candidates(&self, caller: &Caller) -> Vec<u32> {
        let Some(keys) = &caller.keys else {
            return Vec::new();
        };
        let same = keys.e164.as_deref().and_then(|k| self.e164.get(k));
        let suffix = keys.suffix.as_deref().and_then(|k| self.suffix.get(k));
        let mut rows: Vec<u32> = same
            .into_iter()
            .flatten()
            .copied()
            .chain(suffix.into_iter().flatten().map(|(row, _)| *row))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

/// Pushes `item` unless the last item is of the same row.
fn push<T>(list: &mut Vec<T>, item: T, row: impl Fn(&T) -> u32) {
    if list.last().map(&row) != Some(row(&item)) {
        list.push(item);
    }
}

/// A copy's number index, built in the rule it is asked with: built again when the tenant's
/// country changed since (`localization_edited`), so no restart is needed.
#[derive(Debug, Default)]
pub struct LazyIndex {
    current: RwLock<Option<Arc<NumberIndex>>>,
}

impl LazyIndex {
    /// An index built now, in `rule`.
    pub fn built(index: NumberIndex) -> Self {
        LazyIndex {
            current: RwLock::new(Some(Arc::new(index))),
        }
    }

    /// Whether the index kept is in `rule` (else the next [`LazyIndex::get`] builds one).
    pub fn is_in(&self, rule: Rule) -> bool {
        self.current
            .read()
            .is_ok_and(|current| current.as_ref().is_some_and(|i| i.rule == rule))
    }

    /// The index in `rule`: the one kept, or one `build` makes (then kept).
    pub fn get(&self, rule: Rule, build: impl FnOnce(Rule) -> NumberIndex) -> Arc<NumberIndex> {
        if let Ok(current) = self.current.read() {
            if let Some(index) = current.as_ref().filter(|i| i.rule == rule) {
                return Arc::clone(index);
            }
        }
        let index = Arc::new(build(rule));
        if let Ok(mut current) = self.current.write() {
            *current = Some(Arc::clone(&index));
        }
        index
    }
}
