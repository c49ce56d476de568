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

/// Handles one event: its name and its body's `data`.
pub type Handler =
    Arc<dyn Fn(String, Value) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync>;

pub(super) async fn run(
    config: BusConfig,
    events: Vec<&'static str>,
    handler: Handler,
    status: Arc<BusStatus>,
) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    loop {
        match consume(&config, &events, &handler, &status).await {
            Ok(()) => backoff.reset(),
            Err(error) => tracing::warn!(%error, "bus consumer disconnected"),
        }
        status.consuming.store(false, Ordering::Release);
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

async fn consume(
    config: &BusConfig,
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
    channel
        .queue_declare(
            config.queue_name.clone().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
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
                config.queue_name.clone().into(),
                config.exchange_name.clone().into(),
                "".into(),
                QueueBindOptions::default(),
                arguments,
            )
            .await?;
    }
    let mut deliveries = channel
        .basic_consume(
            config.queue_name.clone().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    status.consuming.store(true, Ordering::Release);
    tracing::info!(queue = %config.queue_name, events = ?events, "bus consumer ready");
    while let Some(delivery) = deliveries.next().await {
        let delivery = delivery?;
        let outcome = match serde_json::from_slice::<Value>(&delivery.data) {
            Ok(body) => match body.get("name").and_then(Value::as_str).map(str::to_owned) {
                Some(name) => handler(name, body.get("data").cloned().unwrap_or(Value::Null)).await,
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
