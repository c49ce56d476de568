//! Reverse lookups find a caller whatever form the number arrives in (docs/plugins.md, "Number
//! matching"): the exact string first, then the same E.164 number in the tenant's country, then the
//! same last digits when one contact only has them; short numbers match exactly; the tenant's
//! country comes from `number_matching.default_country` or wazo-confd's `localization_edited`, and
//! a change applies without a restart. Through the REST route and GraphQL, as wazo-agid calls them,
//! over a CSV source and a phonebook.

use integration_tests::broker::publish_routed;
use integration_tests::csv_directory::{start, write, MASTER, USER};
use integration_tests::daemon::{shared_tempdir, Daemon};
use integration_tests::eventually;
use integration_tests::users::{
    self, call_json as call, create_phonebook, create_phonebook_source, create_profile,
};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const BOOK: &str = "id,firstname,lastname,number,mobile\n\
1,Martin,Dupont,0612345601,\n\
2,Émilie,Lefèvre,06.12.34.56.11,\n\
3,John,Smith,+44 20 7946 0018,\n\
4,Alice,Martin,1001,06 12 34 10 01\n\
5,Ann,York,(212) 555-0101,\n\
6,Bob,Newark,(646) 555-0101,\n\
7,Carl,Jersey,212.555.0199,\n\
8,Dirk,Berlin,0151/23456789,\n\
9,Brussels,Office,02/512.34.56,\n\
10,Liège,Office,04/512.34.56,\n";

/// A daemon whose `contacts` source holds [`BOOK`], numbers read in `country` by default.
async fn daemon(country: Value, extra: Value) -> Daemon {
    let dir = shared_tempdir();
    let file = dir.path().join("contacts.csv");
    let mut overrides = json!({"number_matching": {"default_country": country}});
    integration_tests::daemon::merge(&mut overrides, extra);
    let dird = start(dir, overrides).await;
    // The directory's own contacts are written at start: ours replace them, with a later
    // modification time so that the source reads the file again.
    write(&file, BOOK);
    let later = std::time::SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .and_then(|f| f.set_modified(later))
        .expect("touch");
    dird
}

async fn reverse(dird: &Daemon, exten: &str) -> Value {
    let exten: String = url::form_urlencoded::byte_serialize(exten.as_bytes()).collect();
    let path = format!("/0.1/directories/reverse/default/{USER}?exten={exten}");
    let (status, body) = dird.get(&path, "admin", None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Who `exten` names (`display` of the reverse lookup), checking that `exten` is echoed.
async fn named(dird: &Daemon, exten: &str) -> Option<String> {
    let body = reverse(dird, exten).await;
    assert_eq!(body["exten"], exten, "the caller's own string: {body}");
    body["display"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn a_french_tenant_finds_its_callers_however_the_carrier_writes_them() {
    let dird = daemon(json!("FR"), json!({})).await;
    for (exten, expected) in [
        ("+33 6 12 34 56 01", Some("Martin Dupont")),
        ("+33612345601", Some("Martin Dupont")),
        ("0033612345611", Some("Émilie Lefèvre")),
        ("+33 (0)6 12 34 56 11", Some("Émilie Lefèvre")),
        ("0044 20 7946 0018", Some("John Smith")),
        ("+33 6 12 34 56 02", None),
        ("1001", Some("Alice Martin")),
        ("anonymous", None),
        ("", None),
    ] {
        assert_eq!(named(&dird, exten).await.as_deref(), expected, "{exten:?}");
    }
    // A short number is an extension: it never matches the end of a longer number.
    assert_eq!(named(&dird, "3410").await, None);
    assert_eq!(named(&dird, "123456").await, None);
    let metrics = reqwest::Client::new()
        .get(dird.url("/metrics"))
        .header("X-Auth-Token", "admin")
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("metrics");
    for tier in ["exact", "e164", "suffix", "none"] {
        assert!(
            metrics.contains(&format!("dird_reverse_numbers_total{{tier=\"{tier}\"}}")),
            "{metrics}"
        );
    }
    assert!(
        metrics.contains("dird_reverse_numbers_total{tier=\"e164\"} 5"),
        "{metrics}"
    );
}

#[tokio::test]
async fn last_digits_name_a_caller_only_when_one_contact_has_them() {
    let dird = daemon(json!("US"), json!({})).await;
    assert_eq!(
        named(&dird, "+1 212-555-0101").await.as_deref(),
        Some("Ann York")
    );
    assert_eq!(
        named(&dird, "011 33 6 12 34 56 01").await.as_deref(),
        Some("Martin Dupont"),
        "a French number dialled from the US"
    );
    assert_eq!(
        named(&dird, "5550199").await.as_deref(),
        Some("Carl Jersey")
    );
    assert_eq!(
        named(&dird, "5550101").await,
        None,
        "two contacts: ambiguous"
    );
    // Without any country, a number without its country code matches by its last digits.
    let dird = daemon(Value::Null, json!({})).await;
    assert_eq!(
        named(&dird, "+33612345601").await.as_deref(),
        Some("Martin Dupont")
    );
    assert_eq!(
        named(&dird, "+32 2 512 34 56").await,
        None,
        "02/512.34.56 and 04/512.34.56 end alike"
    );
}

#[tokio::test]
async fn graphql_names_agids_forms_of_a_number_in_the_order_asked() {
    let dird = daemon(json!("DE"), json!({})).await;
    let query = format!(
        r#"{{ user(uuid: "{USER}") {{ contacts(profile: "default", extens: ["+4915123456789", "0049 151 23456789", "01000", "1001"]) {{ edges {{ node {{ firstname lastname }} }} }} }} }}"#
    );
    let body = json!({ "query": query }).to_string();
    let (status, body) = dird
        .send(Method::POST, "/0.1/graphql", "admin", None, Some(&body))
        .await;
    assert_eq!(status, 200, "{body}");
    let edges = body["data"]["user"]["contacts"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<Value> = edges
        .iter()
        .map(|edge| edge["node"]["lastname"].clone())
        .collect();
    assert_eq!(
        names,
        [
            json!("Berlin"),
            json!("Berlin"),
            Value::Null,
            json!("Martin")
        ],
        "{body}"
    );
}

#[tokio::test]
async fn a_country_changed_by_wazo_confd_applies_without_a_restart() {
    let database = integration_tests::postgres::TestDatabase::create().await;
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let bus = json!({"enabled": true, "host": "127.0.0.1", "port": 5672,
                     "exchange_name": exchange, "queue_name": format!("{exchange}-queue")});
    let dird = daemon(Value::Null, json!({"db_uri": database.uri(), "bus": bus})).await;
    dird.wait_for_status("admin", "bus_consumer", "ok", Duration::from_secs(15))
        .await;
    assert_eq!(named(&dird, "+32 2 512 34 56").await, None, "ambiguous");
    assert_eq!(named(&dird, "025123456").await, None, "ambiguous");
    let event = json!({"name": "localization_edited", "origin_uuid": "wazo-confd",
                       "data": {"tenant_uuid": MASTER, "country": "BE"}});
    publish_routed(
        &exchange,
        "config.localization.edited",
        "localization_edited",
        event.to_string().as_bytes(),
    )
    .await;
    eventually(Duration::from_secs(10), "the new country", || async {
        named(&dird, "+32 2 512 34 56").await.as_deref() == Some("Brussels Office")
    })
    .await;
    assert_eq!(
        named(&dird, "025123456").await.as_deref(),
        Some("Brussels Office"),
        "a national number of the new country"
    );
    let client = database.client().await;
    let row = client
        .query_one(
            "SELECT country FROM dird_tenant WHERE uuid = $1",
            &[&MASTER],
        )
        .await
        .expect("tenant");
    assert_eq!(
        row.get::<_, Option<String>>(0).as_deref(),
        Some("BE"),
        "stored as upstream stores it"
    );
    integration_tests::broker::clean_up(&exchange, Some(&format!("{exchange}-queue"))).await;
}

const TOKENS: &str = "tokens:\n  admin: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";

#[tokio::test]
async fn a_phonebook_matches_numbers_by_their_form_from_its_copy() {
    a_phonebook_matches_numbers_by_their_form(json!({})).await;
}

#[tokio::test]
async fn a_phonebook_without_copies_matches_numbers_by_their_form_in_sql() {
    a_phonebook_matches_numbers_by_their_form(json!({"contact_cache": {"enabled": false}})).await;
}

async fn a_phonebook_matches_numbers_by_their_form(overrides: Value) {
    let (dird, database) = users::start_configured(TOKENS, "admin", overrides).await;
    let client = database.client().await;
    client
        .execute(
            "INSERT INTO dird_tenant (uuid, country) VALUES ($1, 'GB') ON CONFLICT (uuid) DO UPDATE SET country = 'GB'",
            &[&MASTER],
        )
        .await
        .expect("country");
    let book = create_phonebook(&dird, "admin", "Company").await;
    let contacts = format!("/0.1/phonebooks/{book}/contacts");
    for contact in [
        json!({"firstname": "Gwen", "lastname": "Jones", "number": "+44 7911 123456"}),
        json!({"firstname": "Harry", "lastname": "Hall", "number": "1002", "mobile": "0161 496 0123"}),
        json!({"firstname": "Ian", "lastname": "Ives", "number": "0207 946 0018"}),
    ] {
        let (status, created) = call(&dird, Method::POST, &contacts, "admin", contact).await;
        assert_eq!(status, 201, "{created}");
    }
    let body = json!({"phonebook_uuid": book, "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["number", "mobile"],
                      "format_columns": {"reverse": "{firstname} {lastname}"}});
    let source = create_phonebook_source(&dird, "admin", body).await;
    create_profile(&dird, "admin", &source).await;
    let reverse = |exten: &str| {
        let exten: String = url::form_urlencoded::byte_serialize(exten.as_bytes()).collect();
        format!(
            "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten={exten}"
        )
    };
    for (exten, expected) in [
        ("07911 123456", json!("Gwen Jones")),
        ("00 44 161 496 0123", json!("Harry Hall")),
        ("+44 20 7946 0018", json!("Ian Ives")),
        ("1002", json!("Harry Hall")),
        ("+44 20 7946 0019", Value::Null),
    ] {
        let found = users::get_ok(&dird, &reverse(exten), "admin").await;
        assert_eq!(found["display"], expected, "{exten}: {found}");
    }
    // A contact added later is matched at once by its form too.
    let added = json!({"firstname": "Jill", "lastname": "Jay", "number": "(0113) 496 0000"});
    let (status, _) = call(&dird, Method::POST, &contacts, "admin", added).await;
    assert_eq!(status, 201);
    let found = users::get_ok(&dird, &reverse("+44 113 496 0000"), "admin").await;
    assert_eq!(found["display"], "Jill Jay", "{found}");
}
