//! The bus actor's consuming side: one durable queue shared by the instances of a cluster (each
//! event is handled once), bound to the events the daemon reacts to, reconnecting with backoff. A
//! handler that fails is logged and the message acknowledged (the consumer goes on); a malformed
//! message is rejected without requeue, so it cannot loop forever.

use super::BusStatus;
use crate::config::Bus as BusConfig;
use actors::Backoff;
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicQosOptions, BasicRejectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Why a message was not handled.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The message cannot be understood: rejected, never retried.
    #[error("malformed event: {0}")]
    Malformed(String),
    /// Handling failed: logged, acknowledged.
    #[error("{0}")]
    Failed(String),
}

/// Handles one event: its name and its whole body (`data` holds the payload).
pub type Handler =
    Arc<dyn Fn(String, Value) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync>;

/// Which queue a consumer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// `bus.queue_name`, durable, shared by the instances: each event is handled once. Its state is
    /// `/status` `bus_consumer`.
    Shared,
    /// A queue of this instance only (exclusive, deleted with the connection): every instance sees
    /// every event.
    Own,
}

pub(super) async fn run(
    config: BusConfig,
    queue: Queue,
    events: Vec<&'static str>,
    handler: Handler,
    status: Arc<BusStatus>,
) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    loop {
        match consume(&config, queue, &events, &handler, &status).await {
            Ok(()) => backoff.reset(),
            Err(error) => tracing::warn!(%error, ?queue, "bus consumer disconnected"),
        }
        if queue == Queue::Shared {
            status.consuming.store(false, Ordering::Release);
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

async fn consume(
    config: &BusConfig,
    queue: Queue,
    events: &[&'static str],
    handler: &Handler,
    status: &BusStatus,
) -> Result<(), lapin::Error> {
    let connection = Connection::connect(
        &super::publisher::uri(config),
        ConnectionProperties::default(),
    )
    .await?;
    let channel = connection.create_channel().await?;
    channel.basic_qos(16, BasicQosOptions::default()).await?;
    channel
        .exchange_declare(
            config.exchange_name.clone().into(),
            ExchangeKind::Headers,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    let (name, options) = match queue {
        Queue::Shared => (
            config.queue_name.clone(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
        ),
        Queue::Own => (
            String::new(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
        ),
    };
    let declared = channel
        .queue_declare(name.into(), options, FieldTable::default())
        .await?;
    let queue_name = declared.name().as_str().to_owned();
    for event in events {
        let mut arguments = FieldTable::default();
        arguments.insert(
            "x-match".into(),
            AMQPValue::LongString(LongString::from("all")),
        );
        arguments.insert(
            "name".into(),
            AMQPValue::LongString(LongString::from(*event)),
        );
        channel
            .queue_bind(
                queue_name.clone().into(),
                config.exchange_name.clone().into(),
                "".into(),
                QueueBindOptions::default(),
                arguments,
            )
            .await?;
    }
    let mut deliveries = channel
        .basic_consume(
            queue_name.clone().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    if queue == Queue::Shared {
        status.consuming.store(true, Ordering::Release);
    }
    tracing::info!(queue = %queue_name, events = ?events, "bus consumer ready");
    while let Some(delivery) = deliveries.next().await {
        let delivery = delivery?;
        let outcome = match serde_json::from_slice::<Value>(&delivery.data) {
            Ok(body) => match body.get("name").and_then(Value::as_str).map(str::to_owned) {
                Some(name) => handler(name, body).await,
                None => Err(HandlerError::Malformed("no `name` in the body".into())),
            },
            Err(error) => Err(HandlerError::Malformed(format!("not JSON: {error}"))),
        };
        match outcome {
            Ok(()) => {
                delivery.ack(BasicAckOptions::default()).await?;
            }
            Err(HandlerError::Failed(error)) => {
                tracing::error!(%error, "bus event handler failed");
                delivery.ack(BasicAckOptions::default()).await?;
            }
            Err(error @ HandlerError::Malformed(_)) => {
                tracing::error!(%error, "bus event rejected");
                delivery
                    .reject(BasicRejectOptions { requeue: false })
                    .await?;
            }
        }
    }
    Ok(())
}
