//! The in-memory copies of an instance follow the changes of its peers even when their events
//! are lost: an instance whose bus connection was cut (its own queue, and the events in it, are
//! gone with the connection) reads its copies again once it is back, instead of serving what it
//! held until the next periodic reload a minute later.

use integration_tests::broker::{clean_up, Proxy};
use integration_tests::peers::{
    instance, instance_on, names, profile_over_phonebook, send, within,
};
use integration_tests::postgres::TestDatabase;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn changes_made_while_an_instance_was_off_the_bus_are_read_again_when_it_is_back() {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let database = TestDatabase::create().await;
    let a = instance(&database, &exchange).await;
    let proxy = Proxy::start().await;
    let b = instance_on(&database, &exchange, proxy.port).await;
    let contacts = profile_over_phonebook(&a).await;
    within(Duration::from_secs(5), "b holds the phonebook", || async {
        names(&b, "ali").await == ["Alice Martin"]
    })
    .await;

    proxy.cut();
    within(Duration::from_secs(10), "b sees the bus gone", || async {
        let (_, status) = b.get("/0.1/status", "t", None).await;
        status["bus_consumer"]["status"] != "ok"
    })
    .await;
    let (status, _) = send(
        &a,
        Method::POST,
        contacts,
        json!({"firstname": "Alicia", "lastname": "Keys"}),
    )
    .await;
    assert_eq!(status, 201);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        names(&b, "ali").await,
        ["Alice Martin"],
        "b missed the event and still answers from its copy"
    );

    proxy.resume();
    let took = within(
        Duration::from_secs(10),
        "b reads the change again",
        || async { names(&b, "ali").await == ["Alice Martin", "Alicia Keys"] },
    )
    .await;
    assert!(
        b.stderr().contains("bus consumer reconnected"),
        "{}",
        b.stderr()
    );
    eprintln!("the missed change served {took:?} after the bus came back");
    clean_up(&exchange, Some(&format!("{exchange}-queue"))).await;
}
