//! wazo-dird-client's 18 command groups replayed as the client sends them (see
//! `integration_tests::dird_client`), each answer checked the way the client checks it (expected
//! status, or no error body) and its body compared key by key with upstream wazo-dird's.
//!
//! Groups: status, config, backends, sources, displays, profiles, csv_source, csv_ws_source,
//! ldap_source, personal_source, phonebook_source, wazo_source, conference_source (admin);
//! personal, phonebook, phonebook_deprecated (user data); directories, graphql (queries).

use integration_tests::api_setup::{setup, Setup, ADMIN};
use integration_tests::auth_stand_in::{MASTER_TENANT, SUB_TENANT};
use integration_tests::confd_stand_in::{conference, user, ConfdStandIn};
use integration_tests::dird_client::{assert_keys, keys, set, upstream, Body, DirdClient};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

const CONFD_TOKEN: &str = "replay-confd-token";
/// The ADMIN token's user.
const ADMIN_USER: &str = "aaaaaaaa-0000-4000-8000-000000000001";

/// The daemon (wazo-auth stand-in, real database), a wazo-confd stand-in with two users and a
/// conference room, and credentials for the sources that use it.
async fn stack() -> (Setup, Arc<ConfdStandIn>, DirdClient) {
    let s = setup(json!({})).await;
    let confd = ConfdStandIn::start(CONFD_TOKEN, MASTER_TENANT);
    confd.put_user(
        MASTER_TENANT,
        user(
            42,
            "00000000-0000-4000-8000-000000000042",
            "Bob",
            Some("Dylan"),
            Some("1000"),
            None,
            Some(3),
            Some("2"),
        ),
    );
    confd.put_user(
        MASTER_TENANT,
        user(
            43,
            "00000000-0000-4000-8000-000000000043",
            "Bobby",
            Some("Brown"),
            Some("1001"),
            Some("+33600000001"),
            None,
            None,
        ),
    );
    confd.put_conference(MASTER_TENANT, conference(1, "scrum", &["4001"], &["1009"]));
    s.auth
        .add_credentials("replay-source", "secret", CONFD_TOKEN, MASTER_TENANT);
    let client = DirdClient::new(s.dird.port, ADMIN);
    (s, confd, client)
}

fn confd_source(s: &Setup, confd: &ConfdStandIn, name: &str) -> Value {
    let mut auth = s.auth.config();
    auth["prefix"] = Value::Null;
    auth["username"] = json!("replay-source");
    auth["password"] = json!("secret");
    json!({"name": name, "auth": auth, "confd": confd.config(),
           "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["exten", "mobile_phone_number"],
           "format_columns": {"name": "{firstname} {lastname}", "number": "{exten}", "reverse": "{firstname} {lastname}"}})
}

fn uuid_of(body: &Value) -> String {
    body["uuid"].as_str().unwrap_or_default().to_owned()
}

/// `{total, filtered, items}` whose items have exactly `item` keys.
fn assert_list(body: &Value, item: &[&str], what: &str) {
    assert_keys(body, upstream::LIST, what);
    let items = body["items"].as_array().expect("items");
    assert!(!items.is_empty(), "{what}: {body}");
    for entry in items {
        assert_keys(entry, item, what);
    }
}

/// The `*_source` commands (`create`, `get`, `edit`, `list`, `delete`) on one backend, whose body
/// has upstream's common keys plus `own`. Answers the source as created.
async fn replay_source_command(
    client: &DirdClient,
    backend: &str,
    body: Value,
    own: &[&str],
) -> Value {
    let base = format!("/backends/{backend}/sources");
    let expected: Vec<&str> = upstream::SOURCE.iter().chain(own).copied().collect();
    let created = client
        .call(Method::POST, &base, &[], Body::Json(body.clone()))
        .await
        .ok(&format!("{backend}_source.create"));
    assert_keys(&created, &expected, &format!("{backend}_source.create"));
    let one = format!("{base}/{}", uuid_of(&created));
    let read = client
        .call(Method::GET, &one, &[], Body::None)
        .await
        .ok(&format!("{backend}_source.get"));
    assert_eq!(
        read, created,
        "{backend}_source.get answers what create did"
    );

    let mut edited = body;
    edited["searched_columns"] = json!(["firstname"]);
    let reply = client
        .call(Method::PUT, &one, &[], Body::Json(edited))
        .await;
    assert_eq!(reply.status, 204, "{backend}_source.edit: {}", reply.text);
    assert!(!reply.raises());

    let name = created["name"].as_str().unwrap_or_default();
    let listed = client
        .call(Method::GET, &base, &[("name", name)], Body::None)
        .await
        .ok(&format!("{backend}_source.list"));
    assert_list(&listed, &expected, &format!("{backend}_source.list"));
    assert_eq!(listed["items"][0]["searched_columns"], json!(["firstname"]));
    created
}

async fn delete_source(client: &DirdClient, backend: &str, source: &Value) {
    let one = format!("/backends/{backend}/sources/{}", uuid_of(source));
    let reply = client.call(Method::DELETE, &one, &[], Body::None).await;
    assert_eq!(reply.status, 204, "{backend}_source.delete: {}", reply.text);
    assert!(!reply.raises());
    let reply = client.call(Method::GET, &one, &[], Body::None).await;
    assert_eq!(reply.status, 404);
    assert!(reply.raises(), "the client raises on a deleted source");
}

#[tokio::test]
async fn admin_command_groups_answer_as_upstream() {
    let (s, confd, client) = stack().await;

    // status.get
    let status = client
        .call(Method::GET, "/status", &[], Body::None)
        .await
        .ok("status.get");
    for key in upstream::STATUS {
        assert_keys(&status[key], &["status"], &format!("status.get {key}"));
    }

    // config.get, config.patch
    let config = client
        .call(Method::GET, "/config", &[], Body::None)
        .await
        .ok("config.get");
    assert!(
        keys(&config).is_superset(&set(upstream::CONFIG)),
        "config.get lacks upstream keys: {:?}",
        set(upstream::CONFIG)
            .difference(&keys(&config))
            .collect::<Vec<_>>()
    );
    let patch = json!([{"op": "replace", "path": "/debug", "value": true}]);
    let patched = client
        .call(Method::PATCH, "/config", &[], Body::Json(patch))
        .await
        .expect(200, "config.patch");
    assert_eq!(patched["debug"], true);
    let patch = json!([{"op": "replace", "path": "/debug", "value": false}]);
    let reply = client
        .call(Method::PATCH, "/config", &[], Body::Json(patch))
        .await;
    assert_eq!(reply.status, 200);

    // backends.list, with the client's list parameters
    let backends = client
        .call(
            Method::GET,
            "/backends",
            &[("order", "name"), ("direction", "asc")],
            Body::None,
        )
        .await
        .ok("backends.list");
    assert_list(&backends, upstream::BACKEND, "backends.list");
    let names: Vec<&str> = backends["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["name"].as_str())
        .collect();
    for backend in [
        "conference",
        "csv",
        "csv_ws",
        "ldap",
        "personal",
        "phonebook",
        "wazo",
    ] {
        assert!(names.contains(&backend), "backends.list: {names:?}");
    }
    // backends.list(name=...): an exact filter, as upstream's searchable column.
    let named = client
        .call(Method::GET, "/backends", &[("name", "csv")], Body::None)
        .await
        .ok("backends.list(name=csv)");
    assert_eq!(named["items"], json!([{"name": "csv"}]), "{named}");
    assert_eq!(named["filtered"], 1, "{named}");
    assert_eq!(named["total"], backends["total"], "{named}");

    // The seven *_source command groups.
    let csv = replay_source_command(
        &client,
        "csv",
        json!({"name": "csv", "file": s.csv, "unique_column": "id", "searched_columns": ["firstname", "lastname"],
               "first_matched_columns": ["number"], "format_columns": {"name": "{firstname} {lastname}"}}),
        upstream::CSV_SOURCE,
    )
    .await;
    let csv_ws = replay_source_command(
        &client,
        "csv_ws",
        json!({"name": "csv_ws", "lookup_url": "http://127.0.0.1:1/ws", "searched_columns": ["firstname"]}),
        upstream::CSV_WS_SOURCE,
    )
    .await;
    let ldap = replay_source_command(
        &client,
        "ldap",
        json!({"name": "ldap", "ldap_uri": "ldap://127.0.0.1:1", "ldap_base_dn": "dc=example,dc=com",
               "ldap_username": "cn=admin,dc=example,dc=com", "ldap_password": "secret"}),
        upstream::LDAP_SOURCE,
    )
    .await;
    assert_eq!(
        ldap["ldap_password"],
        Value::Null,
        "the password is never read back (upstream's key, shown null)"
    );
    let personal = replay_source_command(
        &client,
        "personal",
        json!({"name": "personal", "format_columns": {"name": "{firstname} {lastname}"}}),
        &[],
    )
    .await;
    let book = client
        .call(
            Method::POST,
            "/phonebooks",
            &[],
            Body::Json(json!({"name": "company", "description": "all of us"})),
        )
        .await
        .expect(201, "phonebook.create");
    let phonebook = replay_source_command(
        &client,
        "phonebook",
        json!({"name": "ignored", "phonebook_uuid": book["uuid"], "searched_columns": ["firstname"]}),
        upstream::PHONEBOOK_SOURCE,
    )
    .await;
    assert_eq!(phonebook["name"], "company", "named after its phonebook");
    assert_eq!(phonebook["phonebook_description"], "all of us");
    let wazo = replay_source_command(
        &client,
        "wazo",
        confd_source(&s, &confd, "wazo"),
        upstream::CONFD_SOURCE,
    )
    .await;
    let conference_source = replay_source_command(
        &client,
        "conference",
        confd_source(&s, &confd, "conference"),
        upstream::CONFD_SOURCE,
    )
    .await;

    // backends: the same through the generic commands, and the contacts of a source.
    let created = client
        .call(
            Method::POST,
            "/backends/csv/sources",
            &[],
            Body::Json(json!({"name": "csv-2", "file": s.csv, "unique_column": "id"})),
        )
        .await
        .ok("backends.create_source");
    let one = format!("/backends/csv/sources/{}", uuid_of(&created));
    let read = client
        .call(Method::GET, &one, &[], Body::None)
        .await
        .ok("backends.get_source");
    assert_eq!(read, created);
    let sources = client
        .call(
            Method::GET,
            "/backends/csv/sources",
            &[("search", "csv")],
            Body::None,
        )
        .await
        .ok("backends.list_sources");
    assert_eq!(sources["total"], 2, "{sources}");
    assert_eq!(sources["filtered"], 2);
    delete_source(&client, "csv", &created).await;

    // wazo: list_contacts_from_source(uuids=[…]) sends uuid=a,b
    let path = format!("/backends/wazo/sources/{}/contacts", uuid_of(&wazo));
    let uuids = "00000000-0000-4000-8000-000000000042,00000000-0000-4000-8000-000000000043";
    let contacts = client
        .call(Method::GET, &path, &[("uuid", uuids)], Body::None)
        .await
        .ok("backends.list_contacts_from_source wazo");
    assert_keys(&contacts, upstream::LIST, "wazo contacts");
    assert_eq!(contacts["total"], 2, "{contacts}");
    assert_eq!(contacts["filtered"], 2);
    for contact in contacts["items"].as_array().into_iter().flatten() {
        assert_keys(
            contact,
            &[
                "id",
                "uuid",
                "firstname",
                "lastname",
                "email",
                "exten",
                "mobile_phone_number",
                "voicemail_number",
            ],
            "wazo contact",
        );
    }
    let path = format!(
        "/backends/conference/sources/{}/contacts",
        uuid_of(&conference_source)
    );
    let rooms = client
        .call(Method::GET, &path, &[], Body::None)
        .await
        .ok("backends.list_contacts_from_source conference");
    assert_keys(&rooms, upstream::LIST, "conference contacts");
    assert_keys(
        &rooms["items"][0],
        &["id", "name", "extensions", "incalls"],
        "conference contact",
    );
    assert_eq!(
        rooms["items"][0]["incalls"],
        json!([{"context": "from-extern", "exten": "1009"}])
    );
    let path = format!(
        "/backends/phonebook/sources/{}/contacts",
        uuid_of(&phonebook)
    );
    let entries = client
        .call(Method::GET, &path, &[], Body::None)
        .await
        .ok("backends.list_contacts_from_source phonebook");
    assert_keys(&entries, upstream::LIST, "phonebook contacts");

    // sources.list
    let all = client
        .call(Method::GET, "/sources", &[("order", "backend")], Body::None)
        .await
        .ok("sources.list");
    assert_list(&all, upstream::SOURCE_ITEM, "sources.list");
    assert_eq!(all["total"], 7, "{all}");
    let scoped = client
        .with_tenant(SUB_TENANT)
        .call(Method::GET, "/sources", &[], Body::None)
        .await
        .ok("sources.list(tenant_uuid=…)");
    assert_eq!(scoped["total"], 0, "Wazo-Tenant scopes the list: {scoped}");

    // displays: create, get, edit, list, delete
    let display = client
        .call(
            Method::POST,
            "/displays",
            &[],
            Body::Json(json!({"name": "d", "columns": [{"title": "Nom", "field": "name"},
                                                      {"title": "Fav", "field": "favorite", "type": "favorite"}]})),
        )
        .await
        .ok("displays.create");
    assert_keys(&display, upstream::DISPLAY, "displays.create");
    for column in display["columns"].as_array().into_iter().flatten() {
        assert_keys(column, upstream::DISPLAY_COLUMN, "display column");
    }
    let one = format!("/displays/{}", uuid_of(&display));
    let read = client
        .call(Method::GET, &one, &[], Body::None)
        .await
        .ok("displays.get");
    assert_eq!(read, display);
    let reply = client
        .call(
            Method::PUT,
            &one,
            &[],
            Body::Json(json!({"name": "d", "columns": [{"title": "Name", "field": "name"}]})),
        )
        .await;
    assert_eq!(reply.status, 204, "displays.edit: {}", reply.text);
    let displays = client
        .call(Method::GET, "/displays", &[("name", "d")], Body::None)
        .await
        .ok("displays.list");
    assert_list(&displays, upstream::DISPLAY, "displays.list");
    assert_eq!(displays["items"][0]["columns"][0]["title"], "Name");

    // profiles: create (without display first: no display key, as upstream), get, edit, list, delete
    let refs = json!([{"uuid": csv["uuid"]}, {"uuid": wazo["uuid"]}]);
    let bare = client
        .call(
            Method::POST,
            "/profiles",
            &[],
            Body::Json(json!({"name": "bare", "services": {"lookup": {"sources": refs}}})),
        )
        .await
        .ok("profiles.create");
    assert_keys(
        &bare,
        &["uuid", "tenant_uuid", "name", "services"],
        "profiles.create without display",
    );
    let profile = client
        .call(
            Method::POST,
            "/profiles",
            &[],
            Body::Json(json!({"name": "default", "display": {"uuid": display["uuid"]},
                              "services": {"lookup": {"sources": refs, "options": {"timeout": 2}}}})),
        )
        .await
        .ok("profiles.create");
    assert_keys(&profile, upstream::PROFILE, "profiles.create");
    assert_keys(&profile["display"], &["uuid"], "profile display");
    assert_keys(
        &profile["services"]["lookup"],
        upstream::PROFILE_SERVICE,
        "profile service",
    );
    let one = format!("/profiles/{}", uuid_of(&profile));
    let read = client
        .call(Method::GET, &one, &[], Body::None)
        .await
        .ok("profiles.get");
    assert_keys(&read, upstream::PROFILE, "profiles.get");
    let reply = client
        .call(
            Method::PUT,
            &one,
            &[],
            Body::Json(
                json!({"name": "default", "display": {"uuid": display["uuid"]},
                              "services": {"reverse": {"sources": refs}}}),
            ),
        )
        .await;
    assert_eq!(reply.status, 204, "profiles.edit: {}", reply.text);
    let profiles = client
        .call(Method::GET, "/profiles", &[("search", "def")], Body::None)
        .await
        .ok("profiles.list");
    assert_list(&profiles, upstream::PROFILE, "profiles.list");
    assert_eq!(profiles["total"], 2);
    assert_eq!(profiles["filtered"], 1);
    for one in [
        format!("/profiles/{}", uuid_of(&bare)),
        one,
        format!("/displays/{}", uuid_of(&display)),
    ] {
        let reply = client.call(Method::DELETE, &one, &[], Body::None).await;
        assert_eq!(reply.status, 204, "delete {one}: {}", reply.text);
    }

    for (backend, source) in [
        ("csv", &csv),
        ("csv_ws", &csv_ws),
        ("ldap", &ldap),
        ("personal", &personal),
        ("phonebook", &phonebook),
        ("wazo", &wazo),
        ("conference", &conference_source),
    ] {
        delete_source(&client, backend, source).await;
    }

    // An error the client turns into DirdError: the new-style body.
    let reply = client
        .call(
            Method::POST,
            "/displays",
            &[],
            Body::Json(json!({"name": ""})),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.raises());
    assert_keys(&reply.body, upstream::ERROR, "displays.create error");
}

/// A `get` that answers `created`, then an `edit` with `body` (200 and the new body, as the
/// phonebook commands expect); answers what the edit answered.
async fn get_then_edit(
    client: &DirdClient,
    path: &str,
    created: &Value,
    body: Value,
    commands: &str,
) -> Value {
    let read = client
        .call(Method::GET, path, &[], Body::None)
        .await
        .expect(200, commands);
    assert_eq!(&read, created, "{commands}");
    client
        .call(Method::PUT, path, &[], Body::Json(body))
        .await
        .expect(200, commands)
}

/// The phonebook commands of `group` (`phonebook` or `phonebook_deprecated`) under `base`, where a
/// phonebook is addressed by its `key` and an import answers `import_status`: create, list, get,
/// edit, create_contact, get_contact, edit_contact, import_csv, list_contacts, delete_contact,
/// delete.
async fn replay_phonebook_commands(
    client: &DirdClient,
    group: &str,
    base: &str,
    key: &str,
    import_status: u16,
) {
    let book = client
        .call(
            Method::POST,
            base,
            &[],
            Body::Json(json!({"name": "company", "description": "desc"})),
        )
        .await
        .expect(201, &format!("{group}.create"));
    assert_keys(&book, upstream::PHONEBOOK, &format!("{group}.create"));
    let listed = client
        .call(Method::GET, base, &[("search", "comp")], Body::None)
        .await
        .expect(200, &format!("{group}.list"));
    assert_keys(&listed, upstream::PHONEBOOK_LIST, &format!("{group}.list"));
    assert_keys(
        &listed["items"][0],
        upstream::PHONEBOOK,
        &format!("{group}.list item"),
    );
    let id = match &book[key] {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let one = format!("{base}/{id}");
    let edited = get_then_edit(
        client,
        &one,
        &book,
        json!({"name": "company", "description": "everyone"}),
        &format!("{group}.get / {group}.edit"),
    )
    .await;
    assert_keys(&edited, upstream::PHONEBOOK, &format!("{group}.edit"));
    assert_eq!(edited["description"], "everyone");

    let contacts = format!("{one}/contacts");
    let contact = client
        .call(
            Method::POST,
            &contacts,
            &[],
            Body::Json(json!({"firstname": "Alice", "number": "1001"})),
        )
        .await
        .expect(201, &format!("{group}.create_contact"));
    assert_keys(
        &contact,
        &["id", "firstname", "number"],
        &format!("{group}.create_contact"),
    );
    let contact_path = format!("{contacts}/{}", contact["id"].as_str().unwrap_or_default());
    let edited = get_then_edit(
        client,
        &contact_path,
        &contact,
        json!({"firstname": "Alicia", "number": "1001"}),
        &format!("{group}.get_contact / {group}.edit_contact"),
    )
    .await;
    assert_eq!(edited["firstname"], "Alicia");
    let imported = client
        .call(
            Method::POST,
            &format!("{contacts}/import"),
            &[],
            Body::Csv("firstname,number\nBob,1002\n", Some("utf-8")),
        )
        .await;
    // The client checks for 200 but finds no error body in a 201 and returns it as well.
    assert_eq!(imported.status, import_status, "{}", imported.text);
    assert!(!imported.raises());
    assert_keys(
        &imported.body,
        upstream::IMPORT,
        &format!("{group}.import_csv"),
    );
    let listed = client
        .call(
            Method::GET,
            &contacts,
            &[("order", "firstname")],
            Body::None,
        )
        .await
        .expect(200, &format!("{group}.list_contacts"));
    assert_keys(
        &listed,
        upstream::PHONEBOOK_LIST,
        &format!("{group}.list_contacts"),
    );
    assert_eq!(listed["total"], 2, "{listed}");
    assert_eq!(listed["items"][0]["firstname"], "Alicia");

    let reply = client
        .call(Method::DELETE, &contact_path, &[], Body::None)
        .await;
    assert_eq!(reply.status, 204, "{group}.delete_contact");
    let reply = client.call(Method::DELETE, &one, &[], Body::None).await;
    assert_eq!(reply.status, 204, "{group}.delete");
    let missing = client.call(Method::GET, &one, &[], Body::None).await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.raises(),
        "{group}.get of a deleted phonebook raises"
    );
}

#[tokio::test]
async fn user_data_command_groups_answer_as_upstream() {
    let (_s, _confd, client) = stack().await;

    // personal: create, get, edit, list, export_csv, import_csv, delete, purge
    let alice = client
        .call(
            Method::POST,
            "/personal",
            &[],
            Body::Json(json!({"firstname": "Alice", "lastname": "Martin", "number": "1234"})),
        )
        .await
        .expect(201, "personal.create");
    assert_keys(
        &alice,
        &["id", "firstname", "lastname", "number"],
        "personal.create",
    );
    let one = format!("/personal/{}", alice["id"].as_str().unwrap_or_default());
    let read = client
        .call(Method::GET, &one, &[], Body::None)
        .await
        .expect(200, "personal.get");
    assert_eq!(read, alice);
    let edited = client
        .call(
            Method::PUT,
            &one,
            &[],
            Body::Json(json!({"firstname": "Alice", "number": "5678"})),
        )
        .await
        .expect(200, "personal.edit");
    assert_keys(&edited, &["id", "firstname", "number"], "personal.edit");
    assert_eq!(edited["id"], alice["id"]);
    let listed = client
        .call(
            Method::GET,
            "/personal",
            &[("order", "firstname")],
            Body::None,
        )
        .await
        .expect(200, "personal.list");
    assert_keys(&listed, &["items"], "personal.list");
    assert_eq!(listed["items"][0], edited);
    let exported = client.export_csv().await;
    assert_eq!(
        exported.status, 200,
        "personal.export_csv: {}",
        exported.text
    );
    assert!(
        exported.content_type.starts_with("text/csv"),
        "{}",
        exported.content_type
    );
    assert!(
        exported.text.starts_with("firstname,id,number\r\n"),
        "{:?}",
        exported.text
    );
    let imported = client
        .call(
            Method::POST,
            "/personal/import",
            &[],
            Body::Csv(
                "firstname,lastname\nBob,Marley\nChloé,Zhao\n",
                Some("utf-8"),
            ),
        )
        .await
        .expect(201, "personal.import_csv");
    assert_keys(&imported, upstream::IMPORT, "personal.import_csv");
    assert_eq!(imported["created"].as_array().map(Vec::len), Some(2));
    let reply = client.call(Method::DELETE, &one, &[], Body::None).await;
    assert_eq!(reply.status, 204, "personal.delete");
    let reply = client
        .call(Method::DELETE, "/personal", &[], Body::None)
        .await;
    assert_eq!(reply.status, 204, "personal.purge");
    let exported = client.export_csv().await;
    assert_eq!(exported.status, 204, "export_csv answers None when empty");
    let missing = client.call(Method::GET, &one, &[], Body::None).await;
    assert_eq!(missing.status, 404);
    assert_keys(
        &missing.body,
        upstream::LEGACY_ERROR,
        "personal.get unknown",
    );

    // phonebook, then phonebook_deprecated: the same commands under /tenants/{name}/phonebooks,
    // by integer id, whose import answers 200.
    replay_phonebook_commands(&client, "phonebook", "/phonebooks", "uuid", 201).await;
    replay_phonebook_commands(
        &client,
        "phonebook_deprecated",
        "/tenants/master/phonebooks",
        "id",
        200,
    )
    .await;
}

#[tokio::test]
async fn directory_and_graphql_command_groups_answer_as_upstream() {
    let (s, confd, client) = stack().await;
    let wazo = client
        .call(
            Method::POST,
            "/backends/wazo/sources",
            &[],
            Body::Json(confd_source(&s, &confd, "users")),
        )
        .await
        .ok("wazo_source.create");
    let personal = client
        .call(
            Method::POST,
            "/backends/personal/sources",
            &[],
            Body::Json(json!({"name": "personal", "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["number"],
                              "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname}"}})),
        )
        .await
        .ok("personal_source.create");
    let display = client
        .call(
            Method::POST,
            "/displays",
            &[],
            Body::Json(json!({"name": "d", "columns": [{"title": "Nom", "field": "name"},
                                                      {"title": "Numéro", "field": "number", "type": "number"},
                                                      {"title": "Favori", "field": "favorite", "type": "favorite"},
                                                      {"title": "Perso", "field": "personal", "type": "personal"}]})),
        )
        .await
        .ok("displays.create");
    let refs = json!([{"uuid": wazo["uuid"]}, {"uuid": personal["uuid"]}]);
    client
        .call(
            Method::POST,
            "/profiles",
            &[],
            Body::Json(json!({"name": "default", "display": {"uuid": display["uuid"]},
                              "services": {"lookup": {"sources": refs}, "reverse": {"sources": refs},
                                           "favorites": {"sources": refs}}})),
        )
        .await
        .ok("profiles.create");
    client
        .call(
            Method::POST,
            "/personal",
            &[],
            Body::Json(json!({"firstname": "Carla", "lastname": "Bruni", "number": "5550100"})),
        )
        .await
        .expect(201, "personal.create");

    // directories.lookup and lookup_user
    let lookup = client
        .call(
            Method::GET,
            "/directories/lookup/default",
            &[("term", "bob")],
            Body::None,
        )
        .await
        .expect(200, "directories.lookup");
    assert_keys(&lookup, upstream::LOOKUP, "directories.lookup");
    let results = lookup["results"].as_array().expect("results");
    assert_eq!(results.len(), 2, "{lookup}");
    for result in results {
        assert_keys(result, upstream::RESULT, "lookup result");
        assert_keys(
            &result["relations"],
            upstream::RELATIONS,
            "lookup relations",
        );
    }
    let lookup_user = client
        .call(
            Method::GET,
            &format!("/directories/lookup/default/{ADMIN_USER}"),
            &[("term", "carla")],
            Body::None,
        )
        .await
        .expect(200, "directories.lookup_user");
    assert_keys(&lookup_user, upstream::LOOKUP, "directories.lookup_user");
    assert_eq!(
        lookup_user["results"][0]["column_values"],
        json!(["Carla Bruni", "5550100", false, true])
    );

    // directories.reverse (user_uuid in the path), found and not found
    let path = format!("/directories/reverse/default/{ADMIN_USER}");
    let reverse = client
        .call(Method::GET, &path, &[("exten", "1000")], Body::None)
        .await
        .expect(200, "directories.reverse");
    assert_keys(&reverse, upstream::REVERSE, "directories.reverse");
    assert_eq!(reverse["display"], "Bob Dylan");
    assert_eq!(reverse["source"], "users");
    let nobody = client
        .call(Method::GET, &path, &[("exten", "999999")], Body::None)
        .await
        .expect(200, "directories.reverse");
    assert_eq!(
        nobody,
        json!({"display": null, "exten": "999999", "fields": {}, "source": null})
    );

    // directories.headers
    let headers = client
        .call(
            Method::GET,
            "/directories/lookup/default/headers",
            &[],
            Body::None,
        )
        .await
        .expect(200, "directories.headers");
    assert_keys(&headers, upstream::HEADERS, "directories.headers");
    assert_eq!(
        headers["column_types"],
        json!([null, "number", "favorite", "personal"])
    );

    // directories.new_favorite, favorites, remove_favorite
    let reply = client
        .call(
            Method::PUT,
            "/directories/favorites/users/42",
            &[],
            Body::None,
        )
        .await;
    assert_eq!(
        reply.status, 204,
        "directories.new_favorite: {}",
        reply.text
    );
    let favorites = client
        .call(
            Method::GET,
            "/directories/favorites/default",
            &[],
            Body::None,
        )
        .await
        .expect(200, "directories.favorites");
    assert_keys(&favorites, upstream::FORMATTED, "directories.favorites");
    assert_eq!(
        favorites["results"][0]["column_values"],
        json!(["Bob Dylan", "1000", true, false])
    );
    assert_keys(
        &favorites["results"][0],
        upstream::RESULT,
        "favorite result",
    );
    let reply = client
        .call(
            Method::DELETE,
            "/directories/favorites/users/42",
            &[],
            Body::None,
        )
        .await;
    assert_eq!(reply.status, 204, "directories.remove_favorite");
    let again = client
        .call(
            Method::DELETE,
            "/directories/favorites/users/42",
            &[],
            Body::None,
        )
        .await;
    assert_eq!(again.status, 404);
    assert_keys(
        &again.body,
        upstream::LEGACY_ERROR,
        "remove_favorite unknown",
    );

    // directories.personal
    let mine = client
        .call(
            Method::GET,
            "/directories/personal/default",
            &[],
            Body::None,
        )
        .await
        .expect(200, "directories.personal");
    assert_keys(&mine, upstream::FORMATTED, "directories.personal");
    assert_eq!(mine["results"].as_array().map(Vec::len), Some(1));

    // directories.list_sources
    let sources = client
        .call(
            Method::GET,
            "/directories/default/sources",
            &[("order", "name")],
            Body::None,
        )
        .await
        .expect(200, "directories.list_sources");
    assert_list(&sources, upstream::SOURCE_ITEM, "directories.list_sources");
    assert_eq!(sources["total"], 2);

    // An unknown profile: the legacy 404 the client raises on.
    let unknown = client
        .call(
            Method::GET,
            "/directories/lookup/nope",
            &[("term", "bob")],
            Body::None,
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_keys(
        &unknown.body,
        upstream::LEGACY_ERROR,
        "lookup on an unknown profile",
    );

    // graphql.query: the body is the dict the caller passes
    let query = json!({"query": format!(
        "{{ user(uuid: \"{ADMIN_USER}\") {{ contacts(profile: \"default\", extens: [\"1000\", \"404\", \"5550100\"]) {{ edges {{ node {{ wazoReverse wazoBackend ... on WazoContact {{ userUuid }} }} }} }} }} }}"
    )});
    let answer = client
        .call(Method::POST, "/graphql", &[], Body::Json(query))
        .await
        .ok("graphql.query");
    assert_keys(&answer, &["data"], "graphql.query");
    assert_eq!(
        answer["data"]["user"]["contacts"]["edges"],
        json!([
            {"node": {"wazoReverse": "Bob Dylan", "wazoBackend": "wazo", "userUuid": "00000000-0000-4000-8000-000000000042"}},
            {"node": null},
            {"node": {"wazoReverse": "Carla", "wazoBackend": "personal"}},
        ])
    );
    let answer = client
        .call(
            Method::POST,
            "/graphql",
            &[],
            Body::Json(json!({"query": "{ me { contacts(profile: \"nope\", extens: [\"1\"]) { edges { node { wazoReverse } } } } }"})),
        )
        .await;
    assert_eq!(answer.status, 200, "GraphQL errors travel in a 200");
    assert_keys(&answer.body, &["data", "errors"], "graphql error");
    assert_eq!(
        answer.body["errors"][0]["extensions"]["error_id"],
        "unknown-profile"
    );
}
