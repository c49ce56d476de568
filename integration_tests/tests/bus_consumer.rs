//! Events of other Wazo services on the real broker: a new tenant gets its display and `default`
//! profile (once, even when the event comes twice), a tenant's country is stored, a deleted user is
//! forgotten with its data, and a poison message is rejected without stopping the consumer.

use integration_tests::broker::{clean_up, publish, take_one};
use integration_tests::daemon::{base_config, merge, shared_tempdir, static_auth, Daemon};
use integration_tests::postgres::{Cluster, TestDatabase};
use integration_tests::{eventually, free_port};
use serde_json::{json, Value};
use std::time::Duration;

const NEW_TENANT: &str = "20000000-0000-4000-8000-0000000000aa";
const TOKENS: &str = "tokens:\n  t: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n  - {uuid: 20000000-0000-4000-8000-0000000000aa, name: acme, parent_uuid: 20000000-0000-4000-8000-000000000001}\n";

struct Setup {
    dird: Daemon,
    database: TestDatabase,
    exchange: String,
    queue: String,
}

async fn setup() -> Setup {
    let database = TestDatabase::create().await;
    let (dird, exchange, queue) = daemon_on(&database.uri(), json!({})).await;
    Setup {
        dird,
        database,
        exchange,
        queue,
    }
}

/// A daemon on `db_uri` consuming from a test exchange and queue of its own (`bus` merged into its
/// bus section), once its database and its consumer are up. Answers it, the exchange and the queue.
async fn daemon_on(db_uri: &str, bus: Value) -> (Daemon, String, String) {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let queue = format!("{exchange}-queue");
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let mut bus_section = json!({"enabled": true, "host": "127.0.0.1", "port": 5672, "exchange_name": exchange, "queue_name": queue});
    merge(&mut bus_section, bus);
    let config = base_config(
        free_port(),
        json!({"auth": auth, "db_uri": db_uri, "bus": bus_section}),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    dird.wait_for_status("t", "bus_consumer", "ok", Duration::from_secs(15))
        .await;
    (dird, exchange, queue)
}

async fn send(setup: &Setup, name: &str, data: Value) {
    send_to(&setup.exchange, name, data).await;
}

async fn send_to(exchange: &str, name: &str, data: Value) {
    publish(
        exchange,
        name,
        json!({"name": name, "origin_uuid": "wazo-auth", "data": data})
            .to_string()
            .as_bytes(),
    )
    .await;
}

#[tokio::test]
async fn a_new_tenant_gets_wazo_dirds_sources_display_and_default_profile_once() {
    let s = setup().await;
    let tenant = json!({"uuid": NEW_TENANT, "name": "acme", "slug": "acme", "domain_names": []});
    send(&s, "auth_tenant_added", tenant.clone()).await;
    eventually(Duration::from_secs(10), "the default profile", || async {
        s.dird.get("/0.1/profiles", "t", Some(NEW_TENANT)).await.1["total"] == 1
    })
    .await;
    send(&s, "auth_tenant_added", tenant).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, displays) = s.dird.get("/0.1/displays", "t", Some(NEW_TENANT)).await;
    assert_eq!(
        displays["total"], 1,
        "a repeated event creates nothing more: {displays}"
    );
    let display = &displays["items"][0];
    assert_eq!(display["name"], "auto_acme");
    let titles: Vec<&str> = display["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["title"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        titles,
        [
            "Nom",
            "Prénom",
            "Nom de famille",
            "Numéro",
            "Mobile",
            "Boîte vocale",
            "Favoris",
            "E-mail"
        ]
    );
    let (_, profiles) = s.dird.get("/0.1/profiles", "t", Some(NEW_TENANT)).await;
    let profile = &profiles["items"][0];
    assert_eq!(profile["name"], "default");
    assert_eq!(profile["display"]["uuid"], display["uuid"]);
    assert_eq!(profile["services"]["reverse"]["options"]["timeout"], 0.5);

    // The five sources wazo-dird creates, in its order, stored as they are (no defaults added).
    let (_, sources) = s.dird.get("/0.1/sources", "t", Some(NEW_TENANT)).await;
    assert_eq!(
        sources["total"], 5,
        "a repeated event creates no second set: {sources}"
    );
    let uuid_of = |name: &str| -> Value {
        sources["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["name"] == name))
            .map(|i| i["uuid"].clone())
            .unwrap_or_else(|| panic!("no source {name}: {sources}"))
    };
    let expected: Vec<Value> = [
        "auto_conference_acme",
        "personal",
        "auto_wazo_acme",
        "auto_office365_acme",
        "auto_google_acme",
    ]
    .iter()
    .map(|name| json!({"uuid": uuid_of(name)}))
    .collect();
    for service in ["lookup", "favorites", "reverse"] {
        assert_eq!(
            profile["services"][service]["sources"],
            json!(expected),
            "{service}"
        );
    }
    let (status, conference) = s
        .dird
        .get(
            &format!(
                "/0.1/backends/conference/sources/{}",
                uuid_of("auto_conference_acme").as_str().unwrap_or_default()
            ),
            "t",
            Some(NEW_TENANT),
        )
        .await;
    assert_eq!(status, 200, "{conference}");
    assert_eq!(
        conference,
        json!({
            "uuid": uuid_of("auto_conference_acme"), "tenant_uuid": NEW_TENANT, "name": "auto_conference_acme",
            "auth": {"host": "localhost", "port": 9497, "prefix": null, "https": false, "version": "0.1",
                     "key_file": "/var/lib/wazo-auth-keys/wazo-dird-conference-backend-key.yml"},
            "confd": {"host": "localhost", "port": 9486, "prefix": null, "https": false, "version": "1.1"},
            "searched_columns": ["name", "extensions", "incalls"],
            "first_matched_columns": ["extensions", "incalls"],
            "format_columns": {"phone": "{extensions[0]}", "reverse": "{name}"},
        })
    );
    let (_, wazo) = s
        .dird
        .get(
            &format!(
                "/0.1/backends/wazo/sources/{}",
                uuid_of("auto_wazo_acme").as_str().unwrap_or_default()
            ),
            "t",
            Some(NEW_TENANT),
        )
        .await;
    assert_eq!(
        wazo["searched_columns"],
        json!(["firstname", "lastname", "full_name", "exten"])
    );
    assert_eq!(
        wazo["first_matched_columns"],
        json!(["exten", "mobile_phone_number"])
    );
    assert_eq!(
        wazo["auth"]["key_file"],
        "/var/lib/wazo-auth-keys/wazo-dird-wazo-backend-key.yml"
    );
    // The tenant's lookups work at once, through its personal source (the wazo-confd sources of a
    // stack without wazo-confd cost nothing but their results).
    let (status, _) = s
        .dird
        .send(
            reqwest::Method::POST,
            "/0.1/personal",
            "t",
            Some(NEW_TENANT),
            Some(r#"{"firstname": "Alice", "number": "1234"}"#),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = s
        .dird
        .get(
            "/0.1/directories/lookup/default?term=alice",
            "t",
            Some(NEW_TENANT),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["column_types"],
        json!([
            "name",
            "firstname",
            "lastname",
            "number",
            "number",
            "voicemail",
            "favorite",
            "email"
        ])
    );
    assert_eq!(
        body["results"][0]["column_values"],
        json!(["Alice", "Alice", null, "1234", null, null, false, null]),
        "{body}"
    );
    clean_up(&s.exchange, Some(&s.queue)).await;
}

#[tokio::test]
async fn country_user_deletion_and_a_poison_message() {
    let s = setup().await;
    let client = s.database.client().await;
    user_with_a_contact(&client).await;
    publish(&s.exchange, "localization_edited", b"{not json").await;
    publish(
        &s.exchange,
        "user_deleted",
        br#"{"name": "user_deleted", "data": {}}"#,
    )
    .await;
    send(
        &s,
        "localization_edited",
        json!({"tenant_uuid": NEW_TENANT, "country": "CA"}),
    )
    .await;
    send(&s, "user_deleted", json!({"id": 7, "uuid": "30000000-0000-4000-8000-000000000001", "tenant_uuid": NEW_TENANT, "subscription_type": 0})).await;
    eventually(
        Duration::from_secs(10),
        "the country update after a poison message",
        || async {
            let row = client
                .query_one(
                    "SELECT country FROM dird_tenant WHERE uuid = $1",
                    &[&NEW_TENANT],
                )
                .await
                .expect("tenant");
            row.get::<_, Option<String>>(0).as_deref() == Some("CA")
        },
    )
    .await;
    eventually(
        Duration::from_secs(10),
        "the user's contacts removal",
        || async { contacts(&client).await == 0 },
    )
    .await;
    assert!(
        s.dird.stderr().contains("bus event rejected"),
        "{}",
        s.dird.stderr()
    );
    let (_, status) = s.dird.get("/0.1/status", "t", None).await;
    assert_eq!(
        status["bus_consumer"]["status"], "ok",
        "the consumer goes on"
    );
    clean_up(&s.exchange, Some(&s.queue)).await;
}

/// A stack whose exchange is a topic exchange (`bus.exchange_type: topic`): the publisher and the
/// consumer declare it alike, events routed by key are handled, and the others are let pass.
#[tokio::test]
async fn a_topic_exchange_is_declared_and_consumed_as_configured() {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    integration_tests::broker::declare_exchange(&exchange, lapin::ExchangeKind::Topic).await;
    let queue = format!("{exchange}-queue");
    let database = TestDatabase::create().await;
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let bus = json!({"enabled": true, "host": "127.0.0.1", "port": 5672, "exchange_name": exchange,
                     "exchange_type": "topic", "queue_name": queue});
    let config = base_config(
        free_port(),
        json!({"auth": auth, "db_uri": database.uri(), "bus": bus}),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    dird.wait_for_status("t", "bus_consumer", "ok", Duration::from_secs(15))
        .await;
    let event = |name: &str, data: Value| json!({"name": name, "data": data}).to_string();
    integration_tests::broker::publish_routed(
        &exchange,
        "calls.call.created",
        "call_created",
        event("call_created", json!({"call_id": "1"})).as_bytes(),
    )
    .await;
    integration_tests::broker::publish_routed(
        &exchange,
        "config.localization.edited",
        "localization_edited",
        event(
            "localization_edited",
            json!({"tenant_uuid": NEW_TENANT, "country": "FR"}),
        )
        .as_bytes(),
    )
    .await;
    let client = database.client().await;
    eventually(Duration::from_secs(10), "the country", || async {
        client
            .query_opt(
                "SELECT country FROM dird_tenant WHERE uuid = $1",
                &[&NEW_TENANT],
            )
            .await
            .expect("query")
            .and_then(|row| row.get::<_, Option<String>>(0))
            .as_deref()
            == Some("FR")
    })
    .await;
    let (_, status) = dird.get("/0.1/status", "t", None).await;
    assert_eq!(status["bus_consumer"]["status"], "ok", "{status}");
    assert_eq!(status["bus_publisher"]["status"], "ok", "{status}");
    assert!(
        !dird.stderr().contains("bus event rejected"),
        "an event of another service is not an error: {}",
        dird.stderr()
    );
    clean_up(&exchange, Some(&queue)).await;
}

#[tokio::test]
async fn the_consumer_reconnects_by_itself_and_handles_what_came_meanwhile() {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let queue = format!("{exchange}-queue");
    let proxy = integration_tests::broker::Proxy::start().await;
    let database = TestDatabase::create().await;
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let config = base_config(
        free_port(),
        json!({
            "auth": auth,
            "db_uri": database.uri(),
            "bus": {"enabled": true, "host": "127.0.0.1", "port": proxy.port, "exchange_name": exchange, "queue_name": queue},
        }),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("t", "bus_consumer", "ok", Duration::from_secs(15))
        .await;
    proxy.cut();
    dird.wait_for_status("t", "bus_consumer", "fail", Duration::from_secs(10))
        .await;
    // Published straight to the broker while the daemon is cut off: the durable queue keeps it.
    let body = json!({"name": "localization_edited", "data": {"tenant_uuid": NEW_TENANT, "country": "FR"}});
    publish(
        &exchange,
        "localization_edited",
        body.to_string().as_bytes(),
    )
    .await;
    proxy.resume();
    dird.wait_for_status("t", "bus_consumer", "ok", Duration::from_secs(10))
        .await;
    let client = database.client().await;
    eventually(
        Duration::from_secs(10),
        "the event published during the outage",
        || async {
            let rows = client
                .query(
                    "SELECT country FROM dird_tenant WHERE uuid = $1",
                    &[&NEW_TENANT],
                )
                .await
                .expect("query");
            rows.first()
                .and_then(|row| row.get::<_, Option<String>>(0))
                .as_deref()
                == Some("FR")
        },
    )
    .await;
    clean_up(&exchange, Some(&queue)).await;
}

/// The tenant, user and personal contact that `user_deleted` of that user removes.
async fn user_with_a_contact(client: &tokio_postgres::Client) {
    client
        .batch_execute(&format!(
            "INSERT INTO dird_tenant (uuid) VALUES ('{NEW_TENANT}');
             INSERT INTO dird_user VALUES ('30000000-0000-4000-8000-000000000001', '{NEW_TENANT}');
             INSERT INTO dird_contact (uuid, user_uuid, hash) VALUES ('c1', '30000000-0000-4000-8000-000000000001', 'h');"
        ))
        .await
        .expect("fixture");
}

async fn contacts(client: &tokio_postgres::Client) -> i64 {
    client
        .query_one("SELECT count(*) FROM dird_contact", &[])
        .await
        .expect("count")
        .get(0)
}

#[tokio::test]
async fn an_event_that_fails_while_the_database_is_down_is_applied_once_it_is_back() {
    let cluster = Cluster::init(free_port());
    cluster.start();
    let (dird, exchange, queue) = daemon_on(&cluster.uri(), json!({})).await;
    let client = integration_tests::postgres::connect(&cluster.uri()).await;
    user_with_a_contact(&client).await;
    drop(client);

    cluster.stop();
    dird.wait_for_status("t", "database", "fail", Duration::from_secs(15))
        .await;
    publish(
        &exchange,
        "user_deleted",
        json!({"name": "user_deleted", "data": {"id": 7, "uuid": "30000000-0000-4000-8000-000000000001", "tenant_uuid": NEW_TENANT}})
            .to_string()
            .as_bytes(),
    )
    .await;
    eventually(Duration::from_secs(10), "a failed attempt", || async {
        dird.stderr().contains("will try again")
    })
    .await;

    cluster.start();
    let client = integration_tests::postgres::connect(&cluster.uri()).await;
    eventually(
        Duration::from_secs(40),
        "the user's contacts removed once the database is back",
        || async { contacts(&client).await == 0 },
    )
    .await;
    assert!(
        take_one(&format!("{queue}-dead-letter"), "x-wazo-dird-error")
            .await
            .is_none(),
        "nothing was dead-lettered"
    );
    clean_up(&exchange, Some(&queue)).await;
}

#[tokio::test]
async fn an_event_that_keeps_failing_goes_to_the_dead_letter_queue_with_its_reason() {
    let database = TestDatabase::create().await;
    let (dird, exchange, queue) = daemon_on(&database.uri(), json!({"handler_attempts": 2})).await;
    // A tenant uuid longer than dird_tenant.uuid can hold: the database refuses it every time.
    let body = json!({"name": "localization_edited", "data": {"tenant_uuid": "x".repeat(100), "country": "CA"}});
    publish(
        &exchange,
        "localization_edited",
        body.to_string().as_bytes(),
    )
    .await;
    let dead_letters = format!("{queue}-dead-letter");
    let started = std::time::Instant::now();
    let (data, reason) = loop {
        if let Some(taken) = take_one(&dead_letters, "x-wazo-dird-error").await {
            break taken;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "nothing in the dead-letter queue: {}",
            dird.stderr()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        serde_json::from_slice::<Value>(&data).expect("json"),
        body,
        "the event as it came"
    );
    assert!(
        reason.is_some_and(|r| !r.is_empty()),
        "the reason is in its headers"
    );
    assert!(
        dird.stderr().contains("moved to the dead-letter queue"),
        "{}",
        dird.stderr()
    );
    // The consumer goes on.
    let client = database.client().await;
    client
        .batch_execute(&format!(
            "INSERT INTO dird_tenant (uuid) VALUES ('{NEW_TENANT}')"
        ))
        .await
        .expect("tenant");
    send_to(
        &exchange,
        "localization_edited",
        json!({"tenant_uuid": NEW_TENANT, "country": "BE"}),
    )
    .await;
    eventually(
        Duration::from_secs(10),
        "the next event applied",
        || async {
            client
                .query_one(
                    "SELECT country FROM dird_tenant WHERE uuid = $1",
                    &[&NEW_TENANT],
                )
                .await
                .expect("tenant")
                .get::<_, Option<String>>(0)
                .as_deref()
                == Some("BE")
        },
    )
    .await;
    clean_up(&exchange, Some(&queue)).await;
}
