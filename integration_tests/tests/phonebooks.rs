//! Company phonebooks and their contacts through `/0.1/phonebooks`: wazo-dird's codes (PUT answers
//! 200 with the body), tenants (items in the current tenant only), stored values read back as text,
//! duplicates, search, order and paging, and the cascade of a deleted phonebook.

use integration_tests::daemon::Daemon;
use integration_tests::users;
use reqwest::Method;
use serde_json::{json, Value};

const TOKENS: &str = "tokens:\n  admin: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  sub: {user_uuid: 10000000-0000-4000-8000-00000000000b, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n  - {uuid: 20000000-0000-4000-8000-000000000002, name: sub, parent_uuid: 20000000-0000-4000-8000-000000000001}\n";

async fn call(
    dird: &Daemon,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let body = body.map(|b| b.to_string());
    dird.send(method, path, token, None, body.as_deref()).await
}

#[tokio::test]
async fn phonebooks_and_contacts_with_wazo_dirds_codes() {
    let (dird, database) = users::start_with(TOKENS, "admin").await;

    let (status, book) = call(
        &dird,
        Method::POST,
        "/0.1/phonebooks",
        "admin",
        Some(json!({"name": "Société", "description": "HQ"})),
    )
    .await;
    assert_eq!(status, 201, "{book}");
    assert!(
        book["id"].is_i64() && book["uuid"].as_str().is_some_and(|u| u.len() == 36),
        "{book}"
    );
    assert_eq!(
        (book["name"].clone(), book["tenant_uuid"].clone()),
        (
            json!("Société"),
            json!("20000000-0000-4000-8000-000000000001")
        )
    );
    let uuid = book["uuid"].as_str().expect("uuid").to_owned();
    let item = format!("/0.1/phonebooks/{uuid}");
    assert_eq!(
        call(
            &dird,
            Method::POST,
            "/0.1/phonebooks",
            "admin",
            Some(json!({"name": "Société"}))
        )
        .await
        .0,
        409
    );
    assert_eq!(
        call(
            &dird,
            Method::POST,
            "/0.1/phonebooks",
            "sub",
            Some(json!({"name": "Société"}))
        )
        .await
        .0,
        201,
        "names are per tenant"
    );
    let (status, body) = call(
        &dird,
        Method::POST,
        "/0.1/phonebooks",
        "admin",
        Some(json!({"description": "x"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["reason"].is_array(), "legacy body: {body}");
    assert_eq!(
        call(
            &dird,
            Method::GET,
            "/0.1/phonebooks/not-a-uuid",
            "admin",
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(&dird, Method::GET, &item, "sub", None).await.0,
        404,
        "another tenant's phonebook"
    );
    let (status, updated) = call(
        &dird,
        Method::PUT,
        &item,
        "admin",
        Some(json!({"name": "Société SA", "description": null})),
    )
    .await;
    assert_eq!(
        (
            status,
            updated["name"].clone(),
            updated["description"].clone()
        ),
        (200, json!("Société SA"), Value::Null),
        "PUT answers 200 with the body"
    );
    let (_, listed) = call(
        &dird,
        Method::GET,
        "/0.1/phonebooks?recurse=true&search=soc",
        "admin",
        None,
    )
    .await;
    assert_eq!(listed["total"], 2);

    // Contacts.
    let contacts = format!("{item}/contacts");
    let (status, alice) = call(
        &dird,
        Method::POST,
        &contacts,
        "admin",
        Some(
            json!({"id": "ignored", "firstname": "Alice", "lastname": "Martin", "extension": 1001}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{alice}");
    assert_eq!(alice["extension"], 1001, "the answer echoes what was sent");
    assert_ne!(alice["id"], "ignored");
    let alice_id = alice["id"].as_str().expect("id").to_owned();
    let (_, read) = call(
        &dird,
        Method::GET,
        &format!("{contacts}/{alice_id}"),
        "admin",
        None,
    )
    .await;
    assert_eq!(read["extension"], "1001", "values are stored as text");
    assert_eq!(
        call(
            &dird,
            Method::POST,
            &contacts,
            "admin",
            Some(json!({"firstname": "Alice", "lastname": "Martin", "extension": 1001}))
        )
        .await
        .0,
        409
    );
    for bad in [json!({}), json!({"": "x"}), json!([])] {
        assert_eq!(
            call(&dird, Method::POST, &contacts, "admin", Some(bad.clone()))
                .await
                .0,
            400,
            "{bad}"
        );
    }
    for (first, last) in [
        ("bob", "Marley"),
        ("Élodie", "Béranger"),
        ("charles", "Aznavour"),
    ] {
        assert_eq!(
            call(
                &dird,
                Method::POST,
                &contacts,
                "admin",
                Some(json!({"firstname": first, "lastname": last}))
            )
            .await
            .0,
            201
        );
    }
    let (_, page) = call(
        &dird,
        Method::GET,
        &format!("{contacts}?order=firstname&limit=2&offset=1"),
        "admin",
        None,
    )
    .await;
    let names: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["firstname"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        (page["total"].clone(), names),
        (json!(4), vec!["bob", "charles"])
    );
    let (_, found) = call(
        &dird,
        Method::GET,
        &format!("{contacts}?search=MAR"),
        "admin",
        None,
    )
    .await;
    assert_eq!(found["total"], 2, "any value, case-insensitive: {found}");
    let (status, edited) = call(
        &dird,
        Method::PUT,
        &format!("{contacts}/{alice_id}"),
        "admin",
        Some(json!({"firstname": "Alicia"})),
    )
    .await;
    assert_eq!(
        (status, edited),
        (200, json!({"id": alice_id, "firstname": "Alicia"}))
    );
    assert_eq!(
        call(
            &dird,
            Method::DELETE,
            &format!("{contacts}/{alice_id}"),
            "admin",
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(
            &dird,
            Method::DELETE,
            &format!("{contacts}/{alice_id}"),
            "admin",
            None
        )
        .await
        .0,
        404
    );

    // Deleting the phonebook deletes its contacts.
    assert_eq!(
        call(&dird, Method::DELETE, &item, "admin", None).await.0,
        204
    );
    assert_eq!(call(&dird, Method::GET, &item, "admin", None).await.0, 404);
    let client = database.client().await;
    let left: i64 = client
        .query_one("SELECT count(*) FROM dird_contact", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(left, 0);
}

async fn import(dird: &Daemon, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    dird.post_bytes(path, "admin", content_type, body).await
}

#[tokio::test]
async fn imports_are_all_or_nothing_with_wazo_dirds_error_ids() {
    let (dird, _database) = users::start_with(TOKENS, "admin").await;
    let (_, book) = call(
        &dird,
        Method::POST,
        "/0.1/phonebooks",
        "admin",
        Some(json!({"name": "imports"})),
    )
    .await;
    let path = format!(
        "/0.1/phonebooks/{}/contacts/import",
        book["uuid"].as_str().expect("uuid")
    );
    call(
        &dird,
        Method::POST,
        &format!(
            "/0.1/phonebooks/{}/contacts",
            book["uuid"].as_str().expect("uuid")
        ),
        "admin",
        Some(json!({"firstname": "Alice", "lastname": "Martin"})),
    )
    .await;

    let csv = "firstname,lastname\nAlice,Martin\nBob,Marley\nBob,Marley\nÉlodie,Béranger\n";
    let (status, body) = import(
        &dird,
        &path,
        "text/csv; charset=utf-8",
        csv.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["created"].as_array().map(Vec::len),
        Some(2),
        "existing and repeated contacts are skipped: {body}"
    );
    assert_eq!(body["failed"], json!([]));

    let latin: Vec<u8> = "firstname\nFrançoise\n"
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let (status, body) = import(&dird, &path, "text/csv; charset=iso-8859-1", latin).await;
    assert_eq!(
        (status, body["created"][0]["firstname"].clone()),
        (201, json!("Françoise"))
    );

    for (content_type, payload, error_id) in [
        (
            "text/csv",
            vec![0xff, 0xfe, b'\n'],
            "phonebook-contact-import-bad-encoding",
        ),
        (
            "text/csv",
            b"firstname,firstname\nA,B\n".to_vec(),
            "phonebook-contact-import-duplicate-columns",
        ),
        (
            "text/csv",
            format!("firstname,lastname\nA,{}\n", "x".repeat(131_073)).into_bytes(),
            "phonebook-contact-import-invalid-file",
        ),
        (
            "text/csv",
            b"firstname\n".to_vec(),
            "phonebook-contact-import-empty-file",
        ),
        (
            "text/csv",
            b"firstname,lastname\nZed,Zorro\n,\n".to_vec(),
            "phonebook-contact-import-bad-contacts",
        ),
    ] {
        let (status, body) = import(&dird, &path, content_type, payload).await;
        assert_eq!(
            (status, body["error_id"].clone()),
            (400, json!(error_id)),
            "{body}"
        );
    }
    // A row longer than the header is a bad contact (Python's csv files the extra values under a
    // null key), reported with its index; a shorter row is a contact without the last fields.
    let (status, body) = import(
        &dird,
        &path,
        "text/csv",
        b"firstname,lastname\nZed,Zorro\nAl,Bo,extra\n".to_vec(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_id"], "phonebook-contact-import-bad-contacts");
    assert_eq!(
        body["details"]["errors"],
        json!([{"contact": {"firstname": "Al", "lastname": "Bo", "null": ["extra"]},
                "message": "Contacts cannot have null keys", "index": 1}])
    );
    let (_, listed) = call(
        &dird,
        Method::GET,
        &format!(
            "/0.1/phonebooks/{}/contacts?search=zed",
            book["uuid"].as_str().expect("uuid")
        ),
        "admin",
        None,
    )
    .await;
    assert_eq!(listed["total"], 0, "a refused import created nothing");

    // A large import is written in batches; an existing contact among them is still skipped.
    let mut big = String::from("firstname,lastname,number\n");
    for i in 0..2_500 {
        big.push_str(&format!("First{i},Last{i},{}\n", 100_000 + i));
        if i == 1_200 {
            big.push_str("First7,Last7,100007\n");
        }
    }
    let (status, body) = import(&dird, &path, "text/csv", big.into_bytes()).await;
    let created = body["created"].as_array().cloned().unwrap_or_default();
    assert_eq!((status, created.len()), (201, 2_500));
    let id = created[1_999]["id"].as_str().expect("an id");
    let contacts = format!(
        "/0.1/phonebooks/{}/contacts",
        book["uuid"].as_str().expect("uuid")
    );
    let (status, one) = call(
        &dird,
        Method::GET,
        &format!("{contacts}/{id}"),
        "admin",
        None,
    )
    .await;
    assert_eq!(
        (status, one),
        (
            200,
            json!({"id": id, "firstname": "First1999", "lastname": "Last1999", "number": "101999"})
        )
    );
    let (_, listed) = call(
        &dird,
        Method::GET,
        &format!("{contacts}?limit=1"),
        "admin",
        None,
    )
    .await;
    assert_eq!(listed["total"], 2_504, "4 contacts before, 2,500 imported");
}
