//! The bus actor's publishing side. It owns the RabbitMQ connection: events wait in a bounded
//! backlog, go out in windows with publisher confirms, and leave the backlog only when the broker
//! has confirmed them. A lost connection keeps the unconfirmed events at the front of the backlog;
//! they are sent again after the reconnection (with the same `message_id`), so nothing is lost.

use super::event::{Event, Origin};
use super::BusStatus;
use crate::config::Bus as BusConfig;
use actors::Backoff;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Events published before their confirms are awaited.
const WINDOW: usize = 256;

/// The AMQP URI of the `bus` section (the password is never logged: see [`describe`]).
pub fn uri(config: &BusConfig) -> String {
    let encode =
        |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    format!(
        "amqp://{}:{}@{}:{}/%2f",
        encode(&config.username),
        encode(&config.password),
        config.host,
        config.port
    )
}

/// The broker's address for logs.
pub fn describe(config: &BusConfig) -> String {
    format!("amqp://{}@{}:{}", config.username, config.host, config.port)
}

fn amqp_value(value: &Value) -> AMQPValue {
    match value {
        Value::Null => AMQPValue::Void,
        Value::Bool(b) => AMQPValue::Boolean(*b),
        Value::String(s) => AMQPValue::LongString(LongString::from(s.as_bytes())),
        other => AMQPValue::LongString(LongString::from(other.to_string().as_bytes())),
    }
}

fn properties(event: &Event, origin: &Origin) -> BasicProperties {
    let mut headers = FieldTable::default();
    for (key, value) in event.headers(origin) {
        headers.insert(key.into(), amqp_value(&value));
    }
    BasicProperties::default()
        .with_content_type("application/json".into())
        .with_content_encoding("utf-8".into())
        .with_delivery_mode(2)
        .with_message_id(event.message_id.clone().into())
        .with_headers(headers)
}

async fn connect(config: &BusConfig) -> Result<(Connection, Channel), lapin::Error> {
    let connection = Connection::connect(&uri(config), ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    declare_exchange(&channel, config).await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    Ok((connection, channel))
}

/// The exchange's type as `bus.exchange_type` names it (`headers` unless told otherwise).
pub(super) fn exchange_kind(config: &BusConfig) -> ExchangeKind {
    match config.exchange_type.as_str() {
        "topic" => ExchangeKind::Topic,
        "direct" => ExchangeKind::Direct,
        "fanout" => ExchangeKind::Fanout,
        _ => ExchangeKind::Headers,
    }
}

/// Declares `bus.exchange_name` (durable, of `bus.exchange_type`): the publisher and the consumers
/// declare it alike, or the broker refuses the second declaration with a channel error.
pub(super) async fn declare_exchange(
    channel: &Channel,
    config: &BusConfig,
) -> Result<(), lapin::Error> {
    channel
        .exchange_declare(
            config.exchange_name.clone().into(),
            exchange_kind(config),
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
}

/// The publishing loop.
pub(super) struct Publisher {
    pub config: BusConfig,
    pub origin: Origin,
    pub incoming: mpsc::UnboundedReceiver<Event>,
    pub backlog: VecDeque<Event>,
    pub capacity: usize,
    pub status: Arc<BusStatus>,
}

impl Publisher {
    /// Moves newly submitted events into the backlog; the oldest are dropped (and counted) beyond
    /// its capacity. `false` once every sender is gone and nothing is left to receive.
    fn take_incoming(&mut self) -> bool {
        loop {
            match self.incoming.try_recv() {
                Ok(event) => self.push(event),
                Err(mpsc::error::TryRecvError::Empty) => return true,
                Err(mpsc::error::TryRecvError::Disconnected) => return false,
            }
        }
    }

    fn push(&mut self, event: Event) {
        if self.backlog.len() >= self.capacity {
            if let Some(dropped) = self.backlog.pop_front() {
                self.status.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::error!(name = %dropped.name, capacity = self.capacity, "bus backlog full: oldest event dropped");
            }
        }
        self.backlog.push_back(event);
        self.status
            .backlog
            .store(self.backlog.len(), Ordering::Relaxed);
    }

    /// How long the broker has to confirm an event or accept a connection (`bus.confirm_timeout`).
    fn confirm_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.config.confirm_timeout)
    }

    pub async fn run(mut self) {
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
        loop {
            let timeout = self.confirm_timeout();
            let connected = tokio::time::timeout(timeout, connect(&self.config))
                .await
                .unwrap_or_else(|_| {
                    Err(stalled(
                        "no answer to the connection within bus.confirm_timeout",
                    ))
                });
            let (connection, channel) = match connected {
                Ok(connected) => connected,
                Err(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(broker = %describe(&self.config), %error, backlog = self.backlog.len(), retry_in = ?delay, "bus unreachable");
                    if !self.wait(delay).await {
                        return;
                    }
                    continue;
                }
            };
            backoff.reset();
            self.status.publishing.store(true, Ordering::Release);
            tracing::info!(broker = %describe(&self.config), backlog = self.backlog.len(), "bus connected");
            let outcome = self.publish_until_error(&channel).await;
            self.status.publishing.store(false, Ordering::Release);
            // A stalled connection may never answer its close either.
            let _ =
                tokio::time::timeout(timeout, connection.close(200, "reconnecting".into())).await;
            match outcome {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(%error, backlog = self.backlog.len(), "bus connection lost: unconfirmed events will be sent again");
                }
            }
        }
    }

    /// Waits `delay` while collecting events. `false` when the daemon is shutting down.
    async fn wait(&mut self, delay: Duration) -> bool {
        let until = tokio::time::Instant::now() + delay;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => return true,
                event = self.incoming.recv() => match event {
                    Some(event) => self.push(event),
                    None => return false,
                },
            }
        }
    }

    /// Publishes the backlog in windows; returns on a broker error, or `Ok` at shutdown once empty.
    async fn publish_until_error(&mut self, channel: &Channel) -> Result<(), lapin::Error> {
        loop {
            let open = self.take_incoming();
            if self.backlog.is_empty() {
                if !open {
                    return Ok(());
                }
                match self.incoming.recv().await {
                    Some(event) => self.push(event),
                    None => return Ok(()),
                }
                continue;
            }
            let window: Vec<Event> = self.backlog.iter().take(WINDOW).cloned().collect();
            let mut confirms = Vec::with_capacity(window.len());
            for event in &window {
                let body = serde_json::to_vec(&event.body(&self.origin)).unwrap_or_default();
                let confirm = channel
                    .basic_publish(
                        self.config.exchange_name.clone().into(),
                        event.routing_key.clone().into(),
                        BasicPublishOptions::default(),
                        &body,
                        properties(event, &self.origin),
                    )
                    .await?;
                confirms.push(confirm);
            }
            let timeout = self.confirm_timeout();
            for confirm in confirms {
                // A broker (or a path to it) that stops answering must not hold the backlog forever:
                // past the timeout the connection is dropped and the events are sent on a new one.
                let confirmation =
                    tokio::time::timeout(timeout, confirm).await.map_err(|_| {
                        stalled("no confirmation from the broker within bus.confirm_timeout")
                    })??;
                if confirmation.is_nack() {
                    return Err(lapin::Error::from(lapin::ErrorKind::InvalidChannelState(
                        lapin::ChannelState::Error,
                        "the broker refused an event",
                    )));
                }
                self.backlog.pop_front();
                self.status.published.fetch_add(1, Ordering::Relaxed);
            }
            self.status
                .backlog
                .store(self.backlog.len(), Ordering::Relaxed);
        }
    }
}

/// The error of a connection that stopped answering.
fn stalled(what: &'static str) -> lapin::Error {
    lapin::Error::from(lapin::ErrorKind::InvalidChannelState(
        lapin::ChannelState::Error,
        what,
    ))
}
