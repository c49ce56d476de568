//! Dial-pad (T9) search (docs/plugins.md, "Dial-pad search"): `mode=t9` on the lookup routes finds
//! the names the digits spell from the start of a word, across words or by initials, folded
//! (é → e, ß → ss), merged with the ordinary lookup of the same digits and ranked; a term written as
//! a number of three digits or more also finds numbers by their digits. Over a CSV source and a
//! phonebook, both created through REST as the Wazo UI creates them.

use integration_tests::daemon::{shared_tempdir, Daemon};
use integration_tests::users::{
    self, call_json as call, create_phonebook, create_phonebook_source,
};
use reqwest::Method;
use serde_json::{json, Value};

/// The research's fixture: `(firstname, lastname, number)`.
const PEOPLE: &[(&str, &str, &str)] = &[
    ("Martin", "Dupont", ""),
    ("Jean-Pierre", "Martin", ""),
    ("Alice", "Martin", "1001"),
    ("Émilie", "Lefèvre", ""),
    ("Sophie", "O'Connor", ""),
    ("Agence 3D", "", ""),
    ("Anna", "Strauß", ""),
    ("Phillips", "Thomas", ""),
    ("Standard", "Accueil", "06 27 84 60 00"),
    ("Bob", "Dial", "10010"),
];

const USER: &str = "10000000-0000-4000-8000-00000000000a";

/// A profile `name` over `source`, shown as `[name, number]`.
async fn profile(dird: &Daemon, name: &str, source: &Value) {
    let columns =
        json!([{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number"}]);
    let display = json!({"name": name, "columns": columns});
    let (_, display) = call(dird, Method::POST, "/0.1/displays", "alice", display).await;
    let refs = json!([{"uuid": source["uuid"]}]);
    let body = json!({"name": name, "display": {"uuid": display["uuid"]},
                      "services": {"lookup": {"sources": refs}, "reverse": {"sources": refs}}});
    let (status, created) = call(dird, Method::POST, "/0.1/profiles", "alice", body).await;
    assert_eq!(status, 201, "{created}");
}

/// What a lookup of `query` (`term=…&mode=…`) in `profile` finds: each result's name, in order.
async fn found(dird: &Daemon, profile: &str, query: &str) -> Vec<String> {
    let path = format!("/0.1/directories/lookup/{profile}?{query}");
    let body = users::get_ok(dird, &path, "alice").await;
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["column_values"][0]
                .as_str()
                .unwrap_or("?")
                .trim()
                .to_owned()
        })
        .collect()
}

async fn t9(dird: &Daemon, profile: &str, term: &str) -> Vec<String> {
    found(dird, profile, &format!("term={term}&mode=t9")).await
}

/// `names` as a set, for a rank whose members keep the source's order.
fn set(names: &[String]) -> std::collections::BTreeSet<&str> {
    names.iter().map(String::as_str).collect()
}

/// The research's acceptance table, on one profile.
async fn the_acceptance_table(dird: &Daemon, profile: &str) {
    let martins = t9(dird, profile, "627846").await;
    assert_eq!(martins.len(), 4, "{martins:?}");
    assert_eq!(
        set(&martins[..3]),
        ["Alice Martin", "Jean-Pierre Martin", "Martin Dupont"].into(),
        "the three Martins first (a word): {martins:?}"
    );
    assert_eq!(
        martins[3], "Standard Accueil",
        "then the number by its digits"
    );
    for (term, expected) in [
        ("387", vec!["Martin Dupont"]),
        ("36454", vec!["Émilie Lefèvre"]),
        ("5333", vec!["Émilie Lefèvre"]),
        ("532674", vec!["Jean-Pierre Martin"]),
        ("57", vec!["Jean-Pierre Martin"]),
        ("62666", vec!["Sophie O'Connor"]),
        ("243623", vec!["Agence 3D"]),
        ("787287", vec!["Anna Strauß"]),
        ("846", vec!["Phillips Thomas", "Standard Accueil"]),
        ("466", vec![]),
        ("0627", vec!["Standard Accueil"]),
        ("1001", vec!["Alice Martin", "Bob Dial"]),
    ] {
        assert_eq!(t9(dird, profile, term).await, expected, "t9 {term}");
    }
    assert_eq!(
        set(&t9(dird, profile, "266").await),
        ["Anna Strauß", "Sophie O'Connor"].into(),
        "con in O'Connor, ann in Anna"
    );
    // Without mode, or with mode=default, upstream's lookup, numbers matched by their digits.
    assert_eq!(
        found(dird, profile, "term=627846").await,
        ["Standard Accueil"]
    );
    assert_eq!(
        found(dird, profile, "term=627846&mode=default").await,
        ["Standard Accueil"]
    );
    assert_eq!(
        found(dird, profile, "term=06%2027%2084").await,
        ["Standard Accueil"]
    );
    // One digit: the ordinary lookup only.
    assert_eq!(
        t9(dird, profile, "6").await,
        found(dird, profile, "term=6").await
    );
}

async fn start() -> (Daemon, integration_tests::postgres::TestDatabase) {
    users::start_with(users::TOKENS, "alice").await
}

#[tokio::test]
async fn a_csv_source_spells_names_on_the_keypad() {
    let (dird, _database) = start().await;
    let dir = shared_tempdir();
    let file = dir.path().join("people.csv");
    let mut text = String::from("id,firstname,lastname,number\n");
    for (id, (first, last, number)) in PEOPLE.iter().enumerate() {
        text.push_str(&format!("{id},{first},{last},{number}\n"));
    }
    std::fs::write(&file, text).expect("csv");
    let body = json!({"name": "people", "file": file, "unique_column": "id",
                      "searched_columns": ["firstname", "lastname", "number"], "first_matched_columns": ["number"],
                      "format_columns": {"name": "{firstname} {lastname}"}});
    let (status, source) = call(
        &dird,
        Method::POST,
        "/0.1/backends/csv/sources",
        "alice",
        body,
    )
    .await;
    assert_eq!(status, 200, "{source}");
    profile(&dird, "default", &source).await;
    the_acceptance_table(&dird, "default").await;
    // The user's route takes the mode too.
    let path = format!("/0.1/directories/lookup/default/{USER}?term=57&mode=t9");
    let body = users::get_ok(&dird, &path, "alice").await;
    assert_eq!(body["term"], "57");
    assert_eq!(body["results"][0]["column_values"][0], "Jean-Pierre Martin");
    drop(dir);
}

#[tokio::test]
async fn a_phonebook_spells_names_from_its_copy_and_its_changes() {
    let (dird, _database) = start().await;
    a_phonebook_spells_names(&dird).await;
}

#[tokio::test]
async fn a_phonebook_without_copies_spells_names_in_sql() {
    let overrides = json!({"contact_cache": {"enabled": false}});
    let (dird, _database) = users::start_configured(users::TOKENS, "alice", overrides).await;
    a_phonebook_spells_names(&dird).await;
}

async fn a_phonebook_spells_names(dird: &Daemon) {
    let book = create_phonebook(dird, "alice", "Company").await;
    let contacts = format!("/0.1/phonebooks/{book}/contacts");
    for (first, last, number) in PEOPLE {
        let contact = json!({"firstname": first, "lastname": last, "number": number});
        let (status, created) = call(dird, Method::POST, &contacts, "alice", contact).await;
        assert_eq!(status, 201, "{created}");
    }
    let body = json!({"name": "book", "phonebook_uuid": book,
                      "searched_columns": ["firstname", "lastname", "number"], "first_matched_columns": ["number"],
                      "format_columns": {"name": "{firstname} {lastname}"}});
    let source = create_phonebook_source(dird, "alice", body).await;
    profile(dird, "default", &source).await;
    the_acceptance_table(dird, "default").await;
    // A contact added later is spelled at once (the copy's changes), one deleted is gone.
    let added = json!({"firstname": "Łukasz", "lastname": "Nowak", "number": ""});
    let (status, created) = call(dird, Method::POST, &contacts, "alice", added).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(t9(dird, "default", "58527").await, ["Łukasz Nowak"]);
    let id = created["id"].as_str().expect("id");
    let (status, _) = call(
        dird,
        Method::DELETE,
        &format!("{contacts}/{id}"),
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    assert!(t9(dird, "default", "58527").await.is_empty());
}

#[tokio::test]
async fn a_bad_mode_or_t9_term_answers_400_and_changes_nothing() {
    let (dird, _database) = start().await;
    let body = json!({"name": "book", "phonebook_uuid": create_phonebook(&dird, "alice", "B").await,
                      "searched_columns": ["firstname"]});
    let source = create_phonebook_source(&dird, "alice", body).await;
    profile(&dird, "default", &source).await;
    let long = "1".repeat(33);
    for (query, field) in [
        ("term=mar&mode=t9", "term"),
        ("term=06%2027&mode=t9", "term"),
        ("term=&mode=t9", "term"),
        (&*format!("term={long}&mode=t9"), "term"),
        ("term=627846&mode=x", "mode"),
        ("term=627846&mode=", "mode"),
        ("term=627846&mode=T9", "mode"),
    ] {
        for path in [
            format!("/0.1/directories/lookup/default?{query}"),
            format!("/0.1/directories/lookup/default/{USER}?{query}"),
        ] {
            let (status, body) = call(&dird, Method::GET, &path, "alice", Value::Null).await;
            assert_eq!(status, 400, "{path}: {body}");
            assert!(body["message"][field].is_string(), "{path}: {body}");
        }
    }
    let path = format!(
        "/0.1/directories/lookup/default?term={}&mode=t9",
        "1".repeat(32)
    );
    let (status, body) = call(&dird, Method::GET, &path, "alice", Value::Null).await;
    assert_eq!(status, 200, "32 digits: {body}");
    // A missing term is still upstream's error, mode or not.
    let (status, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?mode=t9",
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, &body["message"]["term"]),
        (400, &json!("term is missing"))
    );
}

#[tokio::test]
async fn personal_contacts_are_spelled_for_their_owner_only() {
    let (dird, _database) = start().await;
    for (first, last, number) in PEOPLE {
        let contact = json!({"firstname": first, "lastname": last, "number": number});
        let (status, created) = call(&dird, Method::POST, "/0.1/personal", "alice", contact).await;
        assert_eq!(status, 201, "{created}");
    }
    let body = json!({"name": "mine", "searched_columns": ["firstname", "lastname", "number"],
                      "first_matched_columns": ["number"], "format_columns": {"name": "{firstname} {lastname}"}});
    let path = "/0.1/backends/personal/sources";
    let (status, source) = call(&dird, Method::POST, path, "alice", body).await;
    assert_eq!(status, 200, "{source}");
    profile(&dird, "default", &source).await;
    the_acceptance_table(&dird, "default").await;
    let path = "/0.1/directories/lookup/default?term=627846&mode=t9";
    let (status, body) = call(&dird, Method::GET, path, "bob", Value::Null).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"], json!([]), "bob has no personal contacts");
}
