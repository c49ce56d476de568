//! A copy's contents: an indexed base (trigrams for substrings, values and ids for equality) and
//! the changes applied since it was built, folded into a new base once they grow.

use super::Contact;
use crate::numbers::{Caller, LazyIndex, Needle, NumberIndex};
use crate::text::fold_accents;
use crate::text::t9::{Name, T9Index};
use crate::text::trigram::TrigramIndex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// One contact of a copy with the folded text of its searchable fields (every one but `id`).
#[derive(Debug)]
pub(super) struct Row {
    pub(super) id: String,
    contact: Contact,
    folded: Vec<(String, String)>,
    /// The digits of the values written as numbers, by field, for lookups by digits.
    numbers: Vec<(String, String)>,
}

impl Row {
    fn new(contact: Contact) -> Self {
        let id = contact
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let folded = contact
            .iter()
            .filter(|(name, _)| *name != "id")
            .filter_map(|(name, value)| Some((name.clone(), fold_accents(value.as_str()?))))
            .collect();
        let numbers = contact
            .iter()
            .filter(|(name, _)| *name != "id")
            .filter_map(|(name, value)| {
                Some((
                    name.clone(),
                    crate::numbers::number_digits(value.as_str()?)?,
                ))
            })
            .collect();
        Row {
            id,
            contact,
            folded,
            numbers,
        }
    }

    /// A field among `columns` holds `needle`.
    fn contains(&self, columns: &[String], needle: &Needle) -> bool {
        fn among<'a>(fields: &'a [(String, String)], columns: &[String]) -> Vec<&'a str> {
            let fields = fields.iter().filter(|(name, _)| columns.contains(name));
            fields.map(|(_, value)| value.as_str()).collect()
        }
        needle.found_in(among(&self.folded, columns), among(&self.numbers, columns))
    }

    /// The name of this contact that `columns` spell on a keypad.
    fn t9_name(&self, columns: &[String]) -> Name {
        crate::backends::t9_name(columns, &self.contact)
    }

    /// A field among `columns` equals one of `values`.
    fn equals(&self, columns: &[String], values: &[String]) -> bool {
        columns.iter().any(|column| {
            self.contact
                .get(column)
                .and_then(Value::as_str)
                .is_some_and(|v| values.iter().any(|wanted| wanted == v))
        })
    }
}

/// The rows of a copy at its last build, indexed for substring and exact matches.
#[derive(Debug, Default)]
pub(super) struct Base {
    pub(super) rows: Vec<Arc<Row>>,
    index: TrigramIndex,
    by_value: HashMap<String, Vec<u32>>,
    by_id: HashMap<String, u32>,
    /// The values by E.164 number and last digits, keyed at the first reverse lookup in the rule
    /// of the owner's tenant (again when that tenant's country changes).
    numbers: LazyIndex,
    /// The names of the rows by their keys on a keypad, built at the first dial-pad search with
    /// the name columns it asks for (again if a search asks for others).
    t9: std::sync::RwLock<Option<(Vec<String>, Arc<T9Index>)>>,
}

impl Base {
    /// Indexes `rows`, in the order given (by id, as the database gives them).
    fn build(rows: Vec<Arc<Row>>) -> Self {
        let mut by_value: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_id = HashMap::with_capacity(rows.len());
        for (position, row) in rows.iter().enumerate() {
            let position = u32::try_from(position).unwrap_or(u32::MAX);
            by_id.insert(row.id.clone(), position);
            for (name, value) in &row.contact {
                if let (false, Some(text)) = (name == "id", value.as_str()) {
                    by_value.entry(text.to_owned()).or_default().push(position);
                }
            }
        }
        let index = TrigramIndex::build(rows.iter().map(|row| {
            let values = row.folded.iter().chain(&row.numbers);
            values.map(|(_, value)| value.as_str())
        }));
        Base {
            rows,
            index,
            by_value,
            by_id,
            numbers: LazyIndex::default(),
            t9: std::sync::RwLock::default(),
        }
    }

    /// The dial-pad index of the names in `columns`, built first if needed (searches read it
    /// concurrently; only a build takes the lock for writing).
    fn t9(&self, columns: &[String]) -> Arc<T9Index> {
        let kept = self
            .t9
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, index)) = kept.as_ref().filter(|(of, _)| of == columns) {
            return Arc::clone(index);
        }
        drop(kept);
        let mut kept = self
            .t9
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Another search may have built it while this one waited for the lock.
        if let Some((_, index)) = kept.as_ref().filter(|(of, _)| of == columns) {
            return Arc::clone(index);
        }
        let names = self.rows.iter().map(|row| row.t9_name(columns));
        let index = Arc::new(T9Index::build(names));
        *kept = Some((columns.to_vec(), Arc::clone(&index)));
        index
    }
}

/// An owner's contacts as lookups read them: a base and the changes applied since it was built
/// (by id: the contact now, or `None` when deleted). Immutable: a change makes a new snapshot.
#[derive(Debug)]
pub struct Snapshot {
    pub(super) base: Arc<Base>,
    pub(super) changes: HashMap<String, Option<Arc<Row>>>,
    /// When the contacts were last read whole from the database.
    pub(super) loaded_at: Instant,
}

/// Changes beyond this many (at least 256, at most 4,096, else a 32nd of the base) are folded into
/// a new base: each lookup scans the changes, each change copies their map.
pub(super) fn most_changes(base: usize) -> usize {
    (base / 32).clamp(256, 4096)
}

impl Snapshot {
    pub(super) fn build(contacts: Vec<Contact>) -> Self {
        let rows = contacts
            .into_iter()
            .map(|c| Arc::new(Row::new(c)))
            .collect();
        Snapshot {
            base: Arc::new(Base::build(rows)),
            changes: HashMap::new(),
            loaded_at: Instant::now(),
        }
    }

    /// This snapshot with the contacts `ids` as `found` says they are now (missing: deleted).
    pub(super) fn with(&self, ids: &[String], found: Vec<Contact>) -> Self {
        let mut changes = self.changes.clone();
        for id in ids {
            changes.insert(id.clone(), None);
        }
        for contact in found {
            let row = Row::new(contact);
            changes.insert(row.id.clone(), Some(Arc::new(row)));
        }
        Snapshot {
            base: Arc::clone(&self.base),
            changes,
            loaded_at: self.loaded_at,
        }
    }

    /// No contacts, loaded when this one was.
    pub(super) fn cleared(&self) -> Self {
        Snapshot {
            loaded_at: self.loaded_at,
            ..Snapshot::build(Vec::new())
        }
    }

    pub(super) fn needs_folding(&self) -> bool {
        self.changes.len() > most_changes(self.base.rows.len())
    }

    /// The same contacts with the changes folded into a new base (CPU work: off the runtime).
    pub(super) fn folded(&self) -> Self {
        let mut rows: Vec<Arc<Row>> = self
            .base
            .rows
            .iter()
            .filter(|row| !self.changes.contains_key(&row.id))
            .cloned()
            .chain(self.changes.values().flatten().cloned())
            .collect();
        rows.sort_by(|a, b| a.id.cmp(&b.id));
        Snapshot {
            base: Arc::new(Base::build(rows)),
            changes: HashMap::new(),
            loaded_at: self.loaded_at,
        }
    }

    /// The base rows at `positions` that no change replaced, then the changed rows that `keep`
    /// takes, in the order of their ids (the order of the database and of the base).
    fn rows(
        &self,
        positions: impl Iterator<Item = u32>,
        keep: impl Fn(&Row) -> bool,
    ) -> Vec<Contact> {
        let mut rows: Vec<&Arc<Row>> = positions
            .filter_map(|position| self.base.rows.get(position as usize))
            .filter(|row| !self.changes.contains_key(&row.id) && keep(row))
            .collect();
        if !self.changes.is_empty() {
            rows.extend(self.changes.values().flatten().filter(|row| keep(row)));
            rows.sort_by(|a, b| a.id.cmp(&b.id));
        }
        rows.into_iter().map(|row| row.contact.clone()).collect()
    }

    /// Contacts with a field among `columns` containing `term` (case- and accent-insensitive, as
    /// `dird_unaccent(value) ILIKE dird_unaccent('%term%')`).
    /// A term written as a number of three digits or more also finds the values written as
    /// numbers that hold its digits.
    pub fn search(&self, columns: &[String], term: &str) -> Vec<Contact> {
        let needle = Needle::new(term, fold_accents);
        let candidates = self.base.index.candidates_of_any(needle.needles());
        self.rows(candidates.into_iter(), |row| row.contains(columns, &needle))
    }

    /// Contacts whose names in `columns` spell `digits` on a keypad ([`crate::text::t9`]).
    pub fn dial(&self, columns: &[String], digits: &str) -> Vec<Contact> {
        let candidates = self.base.t9(columns).candidates(digits);
        self.rows(candidates.into_iter(), |row| {
            row.t9_name(columns).matches(digits).is_some()
        })
    }

    /// Contacts with a field among `columns` equal to one of `values`.
    pub fn matching(&self, columns: &[String], values: &[String]) -> Vec<Contact> {
        let mut positions: Vec<u32> = values
            .iter()
            .filter_map(|value| self.base.by_value.get(value))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions.dedup();
        self.rows(positions.into_iter(), |row| row.equals(columns, values))
    }

    /// Contacts that may hold one of `callers`' numbers in some form: by exact value, E.164
    /// number or last digits, in any field (the caller compares the columns that count).
    pub fn numbers(&self, callers: &[Caller]) -> Vec<Contact> {
        let mut positions: Vec<u32> = Vec::new();
        for caller in callers {
            let index = self.base.numbers.get(caller.rule, |rule| {
                NumberIndex::build(
                    rule,
                    self.base.rows.iter().map(|row| {
                        row.contact
                            .iter()
                            .filter(|(name, _)| *name != "id")
                            .filter_map(|(_, value)| value.as_str())
                    }),
                )
            });
            positions.extend(index.candidates(caller));
            positions.extend(self.base.by_value.get(&caller.raw).into_iter().flatten());
        }
        positions.sort_unstable();
        positions.dedup();
        self.rows(positions.into_iter(), |_| true)
    }

    /// The contacts whose id is among `ids`, in that order.
    pub fn by_ids(&self, ids: &[String]) -> Vec<Contact> {
        ids.iter()
            .filter_map(|id| match self.changes.get(id) {
                Some(changed) => changed.as_deref(),
                None => self
                    .base
                    .by_id
                    .get(id)
                    .and_then(|&position| self.base.rows.get(position as usize))
                    .map(Arc::as_ref),
            })
            .map(|row| row.contact.clone())
            .collect()
    }

    /// How many contacts it holds.
    pub fn len(&self) -> usize {
        let replaced = self
            .changes
            .keys()
            .filter(|id| self.base.by_id.contains_key(*id))
            .count();
        let present = self.changes.values().flatten().count();
        self.base.rows.len() - replaced + present
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
