//! RabbitMQ for tests: the machine's broker (`$WAZO_DIRD_TEST_AMQP`, default
//! `amqp://guest:guest@127.0.0.1:5672/%2f`), an exchange of its own per test, a queue that records
//! every message, and a TCP proxy that can cut the daemon's connection to the broker.

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub fn uri() -> String {
    std::env::var("WAZO_DIRD_TEST_AMQP")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// A message as received: routing key, headers (as JSON), body.
#[derive(Debug, Clone)]
pub struct Received {
    pub routing_key: String,
    pub headers: Map<String, Value>,
    pub body: Value,
}

fn json_of(value: &AMQPValue) -> Value {
    match value {
        AMQPValue::Boolean(b) => Value::Bool(*b),
        AMQPValue::LongString(s) => {
            Value::String(String::from_utf8_lossy(s.as_bytes()).into_owned())
        }
        AMQPValue::ShortString(s) => Value::String(s.as_str().to_owned()),
        AMQPValue::Void => Value::Null,
        other => Value::String(format!("{other:?}")),
    }
}

/// A headers exchange of the test's own, and everything published to it.
#[derive(Debug)]
pub struct Recorder {
    pub exchange: String,
    received: Arc<Mutex<Vec<Received>>>,
    _connection: Connection,
    _consumer: JoinHandle<()>,
}

impl Recorder {
    pub async fn start() -> Recorder {
        let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
        let connection = Connection::connect(&uri(), ConnectionProperties::default())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "RabbitMQ is required at {} (the test script starts it): {e}",
                    uri()
                )
            });
        let channel = connection.create_channel().await.expect("channel");
        channel
            .exchange_declare(
                exchange.clone().into(),
                ExchangeKind::Headers,
                ExchangeDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("exchange");
        let queue = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("queue");
        let mut all = FieldTable::default();
        all.insert("x-match".into(), AMQPValue::LongString("all".into()));
        channel
            .queue_bind(
                queue.name().clone(),
                exchange.clone().into(),
                "".into(),
                QueueBindOptions::default(),
                all,
            )
            .await
            .expect("bind");
        let mut consumer = channel
            .basic_consume(
                queue.name().clone(),
                "recorder".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume");
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let sink = Arc::clone(&received);
        let task = tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let headers = delivery
                    .properties
                    .headers()
                    .as_ref()
                    .map(|table| {
                        table
                            .inner()
                            .iter()
                            .map(|(k, v)| (k.as_str().to_owned(), json_of(v)))
                            .collect()
                    })
                    .unwrap_or_default();
                let body = serde_json::from_slice(&delivery.data).unwrap_or(Value::Null);
                sink.lock().expect("lock").push(Received {
                    routing_key: delivery.routing_key.as_str().to_owned(),
                    headers,
                    body,
                });
                let _ = delivery.ack(BasicAckOptions::default()).await;
            }
        });
        Recorder {
            exchange,
            received,
            _connection: connection,
            _consumer: task,
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits until `count` messages arrived (or `timeout`), and returns them all.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline && self.received().len() < count {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.received()
    }
}

/// Publishes an event as another Wazo service would: header `name`, body `{name, data}`; or a raw body.
pub async fn publish(exchange: &str, name: &str, body: &[u8]) {
    publish_routed(exchange, "", name, body).await;
}

/// Declares `exchange` durable, of `kind`, as another Wazo service that started first would.
pub async fn declare_exchange(exchange: &str, kind: ExchangeKind) {
    let connection = Connection::connect(&uri(), ConnectionProperties::default())
        .await
        .expect("broker");
    let channel = connection.create_channel().await.expect("channel");
    channel
        .exchange_declare(
            exchange.into(),
            kind,
            ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("exchange");
    let _ = connection.close(200, "done".into()).await;
}

/// [`publish`] with a routing key (what a topic exchange routes by).
pub async fn publish_routed(exchange: &str, routing_key: &str, name: &str, body: &[u8]) {
    let connection = Connection::connect(&uri(), ConnectionProperties::default())
        .await
        .expect("broker");
    let channel = connection.create_channel().await.expect("channel");
    let mut headers = FieldTable::default();
    headers.insert("name".into(), AMQPValue::LongString(name.into()));
    channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            lapin::options::BasicPublishOptions::default(),
            body,
            lapin::BasicProperties::default()
                .with_headers(headers)
                .with_content_type("application/json".into()),
        )
        .await
        .expect("publish")
        .await
        .expect("confirm");
    let _ = connection.close(200, "done".into()).await;
}

/// Deletes a test's exchange and queue (best effort).
pub async fn clean_up(exchange: &str, queue: Option<&str>) {
    let Ok(connection) = Connection::connect(&uri(), ConnectionProperties::default()).await else {
        return;
    };
    if let Ok(channel) = connection.create_channel().await {
        if let Some(queue) = queue {
            for name in [queue.to_owned(), format!("{queue}-dead-letter")] {
                let _ = channel
                    .queue_delete(name.into(), lapin::options::QueueDeleteOptions::default())
                    .await;
            }
        }
        let _ = channel
            .exchange_delete(
                exchange.into(),
                lapin::options::ExchangeDeleteOptions::default(),
            )
            .await;
    }
    let _ = connection.close(200, "done".into()).await;
}

/// Takes one message from `queue` (acknowledged): its body and the text of its header `header`.
pub async fn take_one(queue: &str, header: &str) -> Option<(Vec<u8>, Option<String>)> {
    let connection = Connection::connect(&uri(), ConnectionProperties::default())
        .await
        .expect("broker");
    let channel = connection.create_channel().await.expect("channel");
    let message = channel
        .basic_get(
            queue.into(),
            lapin::options::BasicGetOptions { no_ack: true },
        )
        .await
        .ok()
        .flatten()?;
    let text = message
        .delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get(header))
        .and_then(|value| match value {
            lapin::types::AMQPValue::LongString(text) => Some(text.to_string()),
            _ => None,
        });
    let _ = connection.close(200, "done".into()).await;
    Some((message.delivery.data, text))
}

/// A TCP proxy to the broker whose connections can be cut.
#[derive(Debug)]
pub struct Proxy {
    pub port: u16,
    cut: Arc<Mutex<bool>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    _accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let cut = Arc::new(Mutex::new(false));
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (cut_flag, task_list) = (Arc::clone(&cut), Arc::clone(&tasks));
        let upstream = url::Url::parse(&uri())
            .ok()
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port().unwrap_or(5672))))
            .expect("broker address");
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if *cut_flag.lock().expect("lock") {
                    continue; // dropped: connection refused-like
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                task_list.lock().expect("lock").push(task);
            }
        });
        Proxy {
            port,
            cut,
            tasks,
            _accept: accept,
        }
    }

    /// Drops every connection and refuses new ones.
    pub fn cut(&self) {
        *self.cut.lock().expect("lock") = true;
        for task in self.tasks.lock().expect("lock").drain(..) {
            task.abort();
        }
    }

    /// Accepts connections again.
    pub fn resume(&self) {
        *self.cut.lock().expect("lock") = false;
    }
}
