//! The copies: their contents, changes applied, reloads and the changes made meanwhile.

use super::snapshot::most_changes;
use super::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;

fn contact(value: Value) -> Contact {
    value.as_object().cloned().unwrap_or_default()
}

fn contacts() -> Vec<Contact> {
    vec![
        contact(json!({"id": "1", "firstname": "Élodie", "lastname": "Martin", "number": "1001"})),
        contact(json!({"id": "2", "firstname": "Alice", "lastname": "Martin", "mobile": "1001"})),
        contact(json!({"id": "3", "firstname": "Алиса", "lastname": "Иванова", "number": "1003"})),
    ]
}

fn names(found: Vec<Contact>) -> Vec<String> {
    found
        .iter()
        .map(|c| c["firstname"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn columns() -> Vec<String> {
    vec!["firstname".to_owned(), "lastname".to_owned()]
}

#[test]
fn snapshots_search_match_and_list() {
    let snapshot = Snapshot::build(contacts());
    let columns = columns();
    assert_eq!(names(snapshot.search(&columns, "ELOD")), ["Élodie"]);
    assert_eq!(
        names(snapshot.search(&columns, "mart")),
        ["Élodie", "Alice"]
    );
    assert_eq!(
        names(snapshot.search(&columns, "али")),
        ["Алиса"],
        "no transliteration"
    );
    assert!(
        snapshot.search(&["number".to_owned()], "mart").is_empty(),
        "only the searched columns"
    );
    assert!(snapshot.search(&columns, "1001").is_empty());
    assert_eq!(
        names(snapshot.matching(&["number".to_owned()], &["1001".to_owned()])),
        ["Élodie"]
    );
    assert_eq!(
        names(snapshot.matching(
            &["number".to_owned(), "mobile".to_owned()],
            &["1001".to_owned()]
        )),
        ["Élodie", "Alice"]
    );
    assert!(
        snapshot
            .matching(&["number".to_owned()], &["100".to_owned()])
            .is_empty(),
        "whole values"
    );
    assert_eq!(
        names(snapshot.by_ids(&["3".to_owned(), "9".to_owned()])),
        ["Алиса"]
    );
}

#[test]
fn changes_replace_hide_and_add_contacts_in_id_order_then_fold() {
    let base = Snapshot::build(contacts());
    let edited = contact(json!({"id": "2", "firstname": "Alicia", "lastname": "Marti"}));
    let added = contact(json!({"id": "15", "firstname": "Marc", "lastname": "Durand"}));
    let changed = base.with(
        &["1".to_owned(), "2".to_owned(), "15".to_owned()],
        vec![edited, added],
    );
    let columns = columns();
    // "1" is gone, "2" is edited and "15" sorts between "1" and "2".
    assert_eq!(names(changed.search(&columns, "mar")), ["Marc", "Alicia"]);
    assert!(changed.search(&columns, "elodie").is_empty());
    assert!(changed
        .matching(&["number".to_owned()], &["1001".to_owned()])
        .is_empty());
    assert_eq!(
        names(changed.by_ids(&["2".to_owned(), "1".to_owned(), "15".to_owned()])),
        ["Alicia", "Marc"]
    );
    assert_eq!(changed.len(), 3);
    assert_eq!(names(base.search(&columns, "mar")), ["Élodie", "Alice"]);

    let folded = changed.folded();
    assert!(folded.changes.is_empty());
    assert_eq!(folded.len(), 3);
    assert_eq!(names(folded.search(&columns, "mar")), ["Marc", "Alicia"]);
    assert_eq!(
        names(folded.matching(&["number".to_owned()], &["1003".to_owned()])),
        ["Алиса"]
    );
    assert!(changed.cleared().is_empty());
}

/// A stand-in database of one owner's contacts that counts whole reads.
#[derive(Clone, Default)]
struct Database {
    rows: Arc<Mutex<BTreeMap<String, Contact>>>,
    whole_reads: Arc<AtomicUsize>,
    /// A whole read, once it took the rows, waits for this (a slow reload).
    gate: Arc<tokio::sync::Mutex<()>>,
}

impl Database {
    fn put(&self, contact: Contact) {
        let id = contact["id"].as_str().unwrap_or_default().to_owned();
        locked(&self.rows).insert(id, contact);
    }

    fn fetch(&self) -> impl Fetch {
        let database = self.clone();
        move |ids: Option<Vec<String>>| {
            let database = database.clone();
            async move {
                let found: Vec<Contact> = locked(&database.rows)
                    .values()
                    .filter(|c| {
                        ids.as_ref().is_none_or(|ids| {
                            ids.iter().any(|id| Some(id.as_str()) == c["id"].as_str())
                        })
                    })
                    .cloned()
                    .collect();
                if ids.is_none() {
                    database.whole_reads.fetch_add(1, Ordering::SeqCst);
                    let _gate = database.gate.lock().await;
                }
                Ok(found)
            }
        }
    }
}

/// Waits for the background reload to finish (it runs on the blocking pool).
async fn settle(cache: &ContactCache, owner: &Owner) {
    let slot = cache.slot(owner);
    for _ in 0..400 {
        if !slot.loading.load(Ordering::Acquire) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the reload never finished");
}

#[tokio::test]
async fn changes_are_applied_to_the_copy_without_a_reload() {
    let cache = ContactCache::new(usize::MAX);
    let owner = Owner::Phonebook("p".into());
    let database = Database::default();
    for c in contacts() {
        database.put(c);
    }
    assert!(cache.snapshot(&owner, database.fetch()).is_none());
    assert!(
        cache.snapshot(&owner, database.fetch()).is_none(),
        "still loading"
    );
    settle(&cache, &owner).await;
    assert_eq!(
        database.whole_reads.load(Ordering::SeqCst),
        1,
        "one load for concurrent misses"
    );

    database.put(contact(json!({"id": "4", "firstname": "Martine"})));
    cache
        .apply(&owner, Change::Contacts(vec!["4".into()]), database.fetch())
        .await;
    locked(&database.rows).remove("1");
    cache
        .apply(&owner, Change::Contacts(vec!["1".into()]), database.fetch())
        .await;
    let copy = cache
        .snapshot(&owner, database.fetch())
        .expect("the copy answers");
    assert_eq!(names(copy.search(&columns(), "mart")), ["Alice", "Martine"]);
    assert_eq!(database.whole_reads.load(Ordering::SeqCst), 1, "no reload");

    cache.apply(&owner, Change::Cleared, database.fetch()).await;
    let copy = cache.snapshot(&owner, database.fetch()).expect("a copy");
    assert!(copy.is_empty());

    // Changes may have been missed: the copy answers while it reloads.
    cache.invalidate_all();
    assert!(cache.snapshot(&owner, database.fetch()).is_some());
    settle(&cache, &owner).await;
    assert_eq!(database.whole_reads.load(Ordering::SeqCst), 2);
    let copy = cache.snapshot(&owner, database.fetch()).expect("a copy");
    assert_eq!(copy.len(), 3, "reloaded: 2, 3 and 4");
}

#[tokio::test]
async fn a_change_during_a_reload_is_applied_to_what_it_read() {
    let cache = ContactCache::new(usize::MAX);
    let owner = Owner::User("u".into());
    let database = Database::default();
    for c in contacts() {
        database.put(c);
    }
    // The first load reads the three contacts, then waits at the gate.
    let gate = database.gate.lock().await;
    assert!(cache.snapshot(&owner, database.fetch()).is_none());
    tokio::time::sleep(Duration::from_millis(20)).await;
    database.put(contact(json!({"id": "5", "firstname": "Marius"})));
    cache
        .apply(&owner, Change::Contacts(vec!["5".into()]), database.fetch())
        .await;
    drop(gate);
    settle(&cache, &owner).await;
    let copy = cache.snapshot(&owner, database.fetch()).expect("loaded");
    assert_eq!(
        names(copy.search(&columns(), "mar")),
        ["Élodie", "Alice", "Marius"],
        "the change made after the read is in the copy"
    );

    // A reload of a copy that exists: the copy answers, changes included, while it runs.
    cache.invalidate_all();
    let gate = database.gate.lock().await;
    assert!(cache.snapshot(&owner, database.fetch()).is_some());
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(cache.slot(&owner).loading.load(Ordering::Acquire));
    locked(&database.rows).remove("1");
    cache
        .apply(&owner, Change::Contacts(vec!["1".into()]), database.fetch())
        .await;
    let during = cache.snapshot(&owner, database.fetch()).expect("a copy");
    assert_eq!(names(during.search(&columns(), "mar")), ["Alice", "Marius"]);
    drop(gate);
    settle(&cache, &owner).await;
    let after = cache.snapshot(&owner, database.fetch()).expect("a copy");
    assert_eq!(names(after.search(&columns(), "mar")), ["Alice", "Marius"]);
    assert_eq!(database.whole_reads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn many_changes_are_folded_into_a_new_base() {
    let cache = ContactCache::new(usize::MAX);
    let owner = Owner::Phonebook("big".into());
    let database = Database::default();
    assert!(cache.snapshot(&owner, database.fetch()).is_none());
    settle(&cache, &owner).await;
    for n in 0..300 {
        let id = format!("{n:04}");
        database.put(contact(json!({"id": id, "firstname": format!("Name {n}")})));
        cache
            .apply(&owner, Change::Contacts(vec![id]), database.fetch())
            .await;
    }
    let copy = cache.snapshot(&owner, database.fetch()).expect("a copy");
    assert_eq!(copy.len(), 300);
    assert!(
        copy.changes.len() <= most_changes(0),
        "folded once the changes passed {}",
        most_changes(0)
    );
    assert!(copy.base.rows.len() > 200);
    assert_eq!(names(copy.search(&columns(), "name 299")), ["Name 299"]);
    assert_eq!(database.whole_reads.load(Ordering::SeqCst), 1);
}
