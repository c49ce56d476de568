//! The bus actor's consuming side: one durable queue shared by the instances of a cluster (each
//! event is handled once), bound to the events the daemon reacts to, reconnecting with backoff.
//!
//! A message is acknowledged only once its handler succeeded. A handler that fails (the database is
//! down, say) is tried again after a growing, jittered pause, `bus.handler_attempts` times in all;
//! an event that still fails goes, with the reason in its headers, to the durable queue
//! `<queue_name>-dead-letter` (logged), then is acknowledged. A malformed message is rejected
//! without requeue, so it cannot loop forever.

use super::BusStatus;
use crate::config::Bus as BusConfig;
use actors::Backoff;
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, BasicRejectOptions,
    ConfirmSelectOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Why a message was not handled.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The message cannot be understood: rejected, never retried.
    #[error("malformed event: {0}")]
    Malformed(String),
    /// Handling failed: tried again, then dead-lettered.
    #[error("{0}")]
    Failed(String),
}

/// The name a handler of the instance's own queue is called with, with a `null` body, each time
/// that queue is declared (at start, and again after a disconnection): the events published before
/// it existed are not in it, so what they would have changed must be read again. Never on the wire.
pub const RESYNC: &str = "wazo_dird_events_missed";

/// Handles one event: its name and its whole body (`data` holds the payload).
pub type Handler =
    Arc<dyn Fn(String, Value) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync>;

/// Which queue a consumer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// `bus.queue_name`, durable, shared by the instances: each event is handled once. `/status`
    /// `bus_consumer` is `ok` when both queues are consumed.
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
    let mut connected_before = false;
    loop {
        match consume(
            &config,
            queue,
            &events,
            &handler,
            &status,
            &mut connected_before,
        )
        .await
        {
            Ok(()) => backoff.reset(),
            Err(error) => tracing::warn!(%error, ?queue, "bus consumer disconnected"),
        }
        status.set_ready(queue, false);
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// One connection's life: the queue declared and bound, then its deliveries handled until the
/// connection drops.
async fn consume(
    config: &BusConfig,
    queue: Queue,
    events: &[&'static str],
    handler: &Handler,
    status: &BusStatus,
    connected_before: &mut bool,
) -> Result<(), lapin::Error> {
    let connection = Connection::connect(
        &super::publisher::uri(config),
        ConnectionProperties::default(),
    )
    .await?;
    let channel = connection.create_channel().await?;
    channel.basic_qos(16, BasicQosOptions::default()).await?;
    super::publisher::declare_exchange(&channel, config).await?;
    let queue_name = declare(&channel, config, queue, events).await?;
    let mut deliveries = channel
        .basic_consume(
            queue_name.clone().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    status.set_ready(queue, true);
    tracing::info!(queue = %queue_name, events = ?events, "bus consumer ready");
    if queue == Queue::Own {
        // Events published before this queue existed are not in it: what was read before (copies
        // loaded while the queue was being declared, or before a disconnection) is read again.
        if std::mem::replace(connected_before, true) {
            tracing::warn!(
                "bus consumer reconnected: what the events missed meanwhile is read again"
            );
        }
        if let Err(error) = handle(handler, RESYNC, Value::Null, config.handler_attempts).await {
            tracing::error!(%error, "cannot read again what missed events changed");
        }
    }
    let dead_letters = dead_letter_queue(&channel, config).await?;
    while let Some(delivery) = deliveries.next().await {
        deliver(&channel, config, events, handler, &dead_letters, delivery?).await?;
    }
    Ok(())
}

/// Declares `queue` (the shared one durable, the instance's own exclusive) and binds it to the
/// events; answers its name.
async fn declare(
    channel: &Channel,
    config: &BusConfig,
    queue: Queue,
    events: &[&'static str],
) -> Result<String, lapin::Error> {
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
    let bind = |key: &str, arguments: FieldTable| {
        channel.queue_bind(
            queue_name.clone().into(),
            config.exchange_name.clone().into(),
            key.into(),
            QueueBindOptions::default(),
            arguments,
        )
    };
    if super::publisher::exchange_kind(config) != ExchangeKind::Headers {
        // Events are told apart by their `name`, which only a headers exchange can match: any
        // other type delivers everything (`#`), and the handler ignores the names it does not know.
        bind("#", FieldTable::default()).await?;
        return Ok(queue_name);
    }
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
        bind("", arguments).await?;
    }
    Ok(queue_name)
}

/// Handles one delivery, then acks it; one the handler keeps failing goes to the dead-letter
/// queue, a malformed one is rejected.
async fn deliver(
    channel: &Channel,
    config: &BusConfig,
    events: &[&'static str],
    handler: &Handler,
    dead_letters: &str,
    delivery: Delivery,
) -> Result<(), lapin::Error> {
    let event = match serde_json::from_slice::<Value>(&delivery.data) {
        Ok(body) => match body.get("name").and_then(Value::as_str).map(str::to_owned) {
            Some(name) => Ok((name, body)),
            None => Err(HandlerError::Malformed("no `name` in the body".into())),
        },
        Err(error) => Err(HandlerError::Malformed(format!("not JSON: {error}"))),
    };
    let outcome = match event {
        // A binding that is not by name (see `declare`) delivers other events too.
        Ok((name, _)) if !events.contains(&name.as_str()) => Ok(()),
        Ok((name, body)) => handle(handler, &name, body, config.handler_attempts).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => {}
        Err(HandlerError::Failed(error)) => {
            tracing::error!(%error, queue = %dead_letters, "bus event handler kept failing: event moved to the dead-letter queue");
            dead_letter(channel, dead_letters, &delivery, &error).await?;
        }
        Err(error @ HandlerError::Malformed(_)) => {
            tracing::error!(%error, "bus event rejected");
            delivery
                .reject(BasicRejectOptions { requeue: false })
                .await?;
            return Ok(());
        }
    }
    delivery.ack(BasicAckOptions::default()).await?;
    Ok(())
}

/// Runs the handler until it succeeds, the message turns out malformed, or `attempts` are spent,
/// pausing between attempts 0.5 s doubling to 30 s, jittered, so that the instances of a cluster
/// do not retry in step.
async fn handle(
    handler: &Handler,
    name: &str,
    body: Value,
    attempts: u32,
) -> Result<(), HandlerError> {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    let mut attempt = 1;
    loop {
        match handler(name.to_owned(), body.clone()).await {
            Err(HandlerError::Failed(error)) if attempt < attempts => {
                let delay = backoff.next_delay();
                tracing::warn!(%error, event = %name, retry_in = ?delay, "bus event handler failed: will try again");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// Declares the durable dead-letter queue of `bus.queue_name` (and puts the channel in confirm
/// mode, for what is published to it); answers its name.
async fn dead_letter_queue(channel: &Channel, config: &BusConfig) -> Result<String, lapin::Error> {
    let name = format!("{}-dead-letter", config.queue_name);
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    channel
        .queue_declare(
            name.clone().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok(name)
}

/// Publishes a copy of `delivery` (persistent, its headers kept, the reason added as
/// `x-wazo-dird-error`) to the dead-letter queue, confirmed by the broker.
async fn dead_letter(
    channel: &Channel,
    queue: &str,
    delivery: &Delivery,
    error: &str,
) -> Result<(), lapin::Error> {
    let mut headers = delivery.properties.headers().clone().unwrap_or_default();
    headers.insert(
        "x-wazo-dird-error".into(),
        AMQPValue::LongString(LongString::from(error)),
    );
    channel
        .basic_publish(
            "".into(),
            queue.to_owned().into(),
            BasicPublishOptions::default(),
            &delivery.data,
            BasicProperties::default()
                .with_headers(headers)
                .with_delivery_mode(2)
                .with_content_type("application/json".into()),
        )
        .await?
        .await?;
    Ok(())
}
