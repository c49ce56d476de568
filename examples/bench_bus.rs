//! Measures the bus actor against the local RabbitMQ (`amqp://guest:guest@127.0.0.1:5672`):
//! 1. publish throughput with publisher confirms: N events submitted at once, time until the broker
//!    confirmed them all;
//! 2. backlog drain: N events submitted while the broker is unreachable (a closed TCP proxy), then
//!    the time from the broker's return (the proxy opens) to an empty backlog.
//!
//! `cargo run --release --example bench_bus -- 50000`

use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use wazo_dird::bus::{Bus, Event, Origin};
use wazo_dird::config::Bus as BusConfig;

fn config(port: u16, exchange: &str) -> BusConfig {
    BusConfig {
        enabled: true,
        username: "guest".into(),
        password: "guest".into(),
        host: "127.0.0.1".into(),
        port,
        exchange_name: exchange.into(),
        exchange_type: "headers".into(),
        backlog_size: 1_000_000,
        queue_name: format!("{exchange}-queue"),
        handler_attempts: 10,
        confirm_timeout: 10.0,
    }
}

fn event(index: usize) -> Event {
    Event::new(
        "dird_display_created",
        "directory.displays.created".into(),
        Some("20000000-0000-4000-8000-000000000001".into()),
        serde_json::json!({"uuid": format!("00000000-0000-4000-8000-{index:012}"), "name": format!("display {index}")}),
    )
}

async fn drained(bus: &Bus, published: u64, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let health = bus.health();
        if health.published >= published && health.backlog == 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    false
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let exchange = format!("dird-bench-{}", uuid::Uuid::new_v4().simple());

    let origin = Origin {
        origin_uuid: "bench".into(),
        instance_uuid: "bench".into(),
    };
    let bus = Bus::start(&config(5672, &exchange), origin.clone());
    bus.publish(event(0));
    assert!(
        drained(&bus, 1, Duration::from_secs(10)).await,
        "RabbitMQ must run on 127.0.0.1:5672"
    );
    let started = Instant::now();
    for index in 0..count {
        bus.publish(event(index));
    }
    assert!(
        drained(&bus, 1 + count as u64, Duration::from_secs(300)).await,
        "not all confirmed"
    );
    let elapsed = started.elapsed();
    println!(
        "publish with confirms: {count} events in {elapsed:.2?} = {:.0} events/s",
        count as f64 / elapsed.as_secs_f64()
    );

    // The broker is away: a proxy port that accepts nothing yet.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let away = Bus::start(&config(port, &exchange), origin);
    for index in 0..count {
        away.publish(event(index));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("backlog while the broker is away: {}", away.backlog());
    let returned = Instant::now();
    let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("proxy");
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut broker) = TcpStream::connect("127.0.0.1:5672").await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut broker).await;
                }
            });
        }
    });
    assert!(
        drained(&away, count as u64, Duration::from_secs(300)).await,
        "backlog not drained"
    );
    println!(
        "broker back to empty backlog: {:.2?} for {count} events (reconnection backoff included)",
        returned.elapsed()
    );
}
