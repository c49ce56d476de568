//! The deprecated `/0.1/tenants/{tenant}/phonebooks…` routes: the tenant by name (in the caller's
//! scope), the phonebook by integer id, wazo-dird's argument rules (non-negative limit and offset,
//! direction, order), the import answering 200, legacy error bodies, ACLs naming the tenant and the
//! id, the deprecation warning, and the same data as the uuid routes.

use integration_tests::users::{self, call_json as call};
use reqwest::Method;
use serde_json::{json, Value};

const TOKENS: &str = "tokens:\n  admin: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  sub: {user_uuid: 10000000-0000-4000-8000-00000000000b, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ['dird.#']}\n  reader: {user_uuid: 10000000-0000-4000-8000-00000000000c, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.tenants.master.phonebooks.read']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n  - {uuid: 20000000-0000-4000-8000-000000000002, name: sub, parent_uuid: 20000000-0000-4000-8000-000000000001}\n";

fn is_legacy(body: &Value) -> bool {
    body["reason"].is_array() && body["status_code"].is_u64() && body.get("error_id").is_none()
}

#[tokio::test]
async fn phonebooks_by_tenant_name_and_integer_id() {
    let (dird, _database) = users::start_with(TOKENS, "admin").await;
    let root = "/0.1/tenants/master/phonebooks";
    let mut books = Vec::new();
    for (name, description) in [("a", "c"), ("b", "b"), ("c", "a")] {
        let (status, book) = call(
            &dird,
            Method::POST,
            root,
            "admin",
            json!({"name": name, "description": description}),
        )
        .await;
        assert_eq!(status, 201, "{book}");
        assert!(book["id"].is_i64(), "{book}");
        books.push(book);
    }
    let (status, body) = call(&dird, Method::POST, root, "admin", json!({"name": "a"})).await;
    assert!(status == 409 && is_legacy(&body), "{status} {body}");
    let (status, body) = call(
        &dird,
        Method::POST,
        root,
        "admin",
        json!({"description": "no name"}),
    )
    .await;
    assert!(status == 400 && is_legacy(&body), "{status} {body}");

    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|b| b["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    for (query, expected) in [
        ("order=name&direction=asc", vec!["a", "b", "c"]),
        ("order=name&direction=desc", vec!["c", "b", "a"]),
        ("order=description", vec!["c", "b", "a"]),
        ("limit=2", vec!["a", "b"]),
        ("offset=1", vec!["b", "c"]),
        ("limit=1&offset=1", vec!["b"]),
        ("limit=0", vec!["a", "b", "c"]),
    ] {
        let (status, body) = call(
            &dird,
            Method::GET,
            &format!("{root}?{query}"),
            "admin",
            Value::Null,
        )
        .await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(
            (names(&body), &body["total"]),
            (
                expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                &json!(3)
            ),
            "{query}"
        );
    }
    for query in [
        "limit=-1",
        "limit=True",
        "offset=foobar",
        "offset=3.14",
        "direction=0",
        "direction=foobar",
        "order=0",
        "order=True",
    ] {
        let (status, body) = call(
            &dird,
            Method::GET,
            &format!("{root}?{query}"),
            "admin",
            Value::Null,
        )
        .await;
        assert!(
            status == 400 && is_legacy(&body),
            "{query}: {status} {body}"
        );
    }

    let first = format!("{root}/{}", books[0]["id"]);
    let (status, body) = call(&dird, Method::GET, &first, "admin", Value::Null).await;
    assert_eq!((status, &body), (200, &books[0]));
    let uuid = books[0]["uuid"].as_str().expect("uuid");
    assert_eq!(
        call(
            &dird,
            Method::GET,
            &format!("/0.1/phonebooks/{uuid}"),
            "admin",
            Value::Null
        )
        .await
        .1,
        books[0],
        "the same phonebook"
    );
    let (status, body) = call(
        &dird,
        Method::PUT,
        &first,
        "admin",
        json!({"name": "renamed"}),
    )
    .await;
    assert_eq!(
        (status, &body["name"], &body["id"]),
        (200, &json!("renamed"), &books[0]["id"]),
        "{body}"
    );
    let (status, body) = call(&dird, Method::PUT, &first, "admin", json!({"name": "b"})).await;
    assert!(status == 409 && is_legacy(&body), "{status} {body}");

    for (path, token, why) in [
        (
            "/0.1/tenants/nowhere/phonebooks".to_owned(),
            "admin",
            "unknown tenant",
        ),
        (
            "/0.1/tenants/master/phonebooks".to_owned(),
            "sub",
            "a tenant above the caller's",
        ),
        (format!("{root}/999999"), "admin", "unknown phonebook"),
        (
            format!("/0.1/tenants/sub/phonebooks/{}", books[1]["id"]),
            "admin",
            "a phonebook of another tenant",
        ),
        (format!("{root}/not-an-integer"), "admin", "no such route"),
    ] {
        let (status, body) = call(&dird, Method::GET, &path, token, Value::Null).await;
        assert_eq!(status, 404, "{why}: {body}");
    }
    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/tenants/nowhere/phonebooks",
        "admin",
        Value::Null,
    )
    .await;
    assert!(
        is_legacy(&body) && body["reason"][0] == "No such tenant: nowhere",
        "{body}"
    );
    let (status, body) = call(
        &dird,
        Method::POST,
        "/0.1/tenants/sub/phonebooks",
        "admin",
        json!({"name": "below"}),
    )
    .await;
    assert_eq!(
        (status, &body["tenant_uuid"]),
        (201, &json!("20000000-0000-4000-8000-000000000002")),
        "a sub-tenant by name: {body}"
    );

    // ACLs name the tenant (and the id); failures use the legacy body.
    assert_eq!(
        call(&dird, Method::GET, root, "reader", Value::Null)
            .await
            .0,
        200
    );
    let (status, body) = call(&dird, Method::POST, root, "reader", json!({"name": "x"})).await;
    assert!(status == 401 && is_legacy(&body), "{status} {body}");
    assert_eq!(
        call(&dird, Method::GET, &first, "reader", Value::Null)
            .await
            .0,
        401
    );

    let (status, _) = call(&dird, Method::DELETE, &first, "admin", Value::Null).await;
    assert_eq!(status, 204);
    assert_eq!(
        call(&dird, Method::GET, &first, "admin", Value::Null)
            .await
            .0,
        404
    );
    assert!(
        dird.stderr().contains("deprecated endpoint"),
        "each call logs a deprecation warning"
    );
}

#[tokio::test]
async fn contacts_by_tenant_name_and_integer_id() {
    let (dird, _database) = users::start_with(TOKENS, "admin").await;
    let (_, book) = call(
        &dird,
        Method::POST,
        "/0.1/tenants/master/phonebooks",
        "admin",
        json!({"name": "book"}),
    )
    .await;
    let contacts = format!("/0.1/tenants/master/phonebooks/{}/contacts", book["id"]);
    let mut created = Vec::new();
    for (first, last) in [("a", "c"), ("b", "b"), ("c", "a")] {
        let (status, contact) = call(
            &dird,
            Method::POST,
            &contacts,
            "admin",
            json!({"firstname": first, "lastname": last}),
        )
        .await;
        assert_eq!(status, 201, "{contact}");
        created.push(contact);
    }
    let (status, body) = call(
        &dird,
        Method::POST,
        &contacts,
        "admin",
        json!({"firstname": "a", "lastname": "c"}),
    )
    .await;
    assert!(status == 409 && is_legacy(&body), "{status} {body}");

    let firsts = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["firstname"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    for (query, expected) in [
        ("order=firstname&direction=asc", vec!["a", "b", "c"]),
        ("order=firstname&direction=desc", vec!["c", "b", "a"]),
        ("order=lastname", vec!["c", "b", "a"]),
        ("order=firstname&limit=2", vec!["a", "b"]),
        ("order=firstname&offset=1", vec!["b", "c"]),
        ("order=firstname&limit=1&offset=1", vec!["b"]),
    ] {
        let (status, body) = call(
            &dird,
            Method::GET,
            &format!("{contacts}?{query}"),
            "admin",
            Value::Null,
        )
        .await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(
            (firsts(&body), &body["total"]),
            (
                expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                &json!(3)
            ),
            "{query}"
        );
    }
    let (_, body) = call(
        &dird,
        Method::GET,
        &format!("{contacts}?search=B"),
        "admin",
        Value::Null,
    )
    .await;
    assert_eq!(
        (firsts(&body), &body["total"]),
        (vec!["b".to_owned()], &json!(1))
    );
    for query in ["limit=-1", "offset=False", "direction=True"] {
        let (status, body) = call(
            &dird,
            Method::GET,
            &format!("{contacts}?{query}"),
            "admin",
            Value::Null,
        )
        .await;
        assert!(
            status == 400 && is_legacy(&body),
            "{query}: {status} {body}"
        );
    }

    let one = format!("{contacts}/{}", created[1]["id"].as_str().expect("id"));
    assert_eq!(
        call(&dird, Method::GET, &one, "admin", Value::Null).await,
        (200, created[1].clone())
    );
    let (status, body) = call(
        &dird,
        Method::PUT,
        &one,
        "admin",
        json!({"firstname": "Bob"}),
    )
    .await;
    assert_eq!(
        (status, &body),
        (200, &json!({"id": created[1]["id"], "firstname": "Bob"}))
    );
    assert_eq!(
        call(&dird, Method::DELETE, &one, "admin", Value::Null)
            .await
            .0,
        204
    );
    let (status, body) = call(&dird, Method::GET, &one, "admin", Value::Null).await;
    assert!(status == 404 && is_legacy(&body), "{status} {body}");
    assert_eq!(
        call(
            &dird,
            Method::GET,
            &one.replace("/master/", "/sub/"),
            "admin",
            Value::Null
        )
        .await
        .0,
        404,
        "the phonebook is not in sub"
    );

    let (status, body) = dird
        .post_bytes(
            &format!("{contacts}/import"),
            "admin",
            "text/csv; charset=utf-8",
            b"firstname,lastname\nAlice,A\nBob,B\n".to_vec(),
        )
        .await;
    assert_eq!(status, 200, "the deprecated import answers 200: {body}");
    assert_eq!(
        (body["created"].as_array().map(Vec::len), &body["failed"]),
        (Some(2), &json!([]))
    );
    let (_, body) = call(
        &dird,
        Method::GET,
        &format!("{contacts}?search=alice"),
        "admin",
        Value::Null,
    )
    .await;
    assert_eq!(body["total"], 1);
    let uuid_route = format!(
        "/0.1/phonebooks/{}/contacts",
        book["uuid"].as_str().expect("uuid")
    );
    let (_, body) = call(&dird, Method::GET, &uuid_route, "admin", Value::Null).await;
    assert_eq!(
        body["total"], 4,
        "the same contacts through the uuid route: {body}"
    );
}
