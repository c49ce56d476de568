//! A TCP proxy in front of a service that can stop answering the way a firewall dropping packets
//! does: nothing is refused or closed, bytes just stop flowing. While frozen, every connection
//! (old or new) hangs; after a thaw, new connections flow again but those that hung stay hung, as
//! a real TCP connection stays stuck in its retransmission backoff long after the path is back.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Default)]
struct Gate {
    frozen: AtomicBool,
    /// Bumped by each thaw: connections of an older generation hang for good.
    generation: AtomicU64,
}

impl Gate {
    fn flows(&self, generation: u64) -> bool {
        !self.frozen.load(Ordering::Acquire)
            && self.generation.load(Ordering::Acquire) == generation
    }
}

/// The running proxy; it stops with the value.
#[derive(Debug)]
pub struct FreezingProxy {
    pub port: u16,
    gate: Arc<Gate>,
    accept: JoinHandle<()>,
}

impl FreezingProxy {
    /// Forwards `127.0.0.1:<port>` to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> FreezingProxy {
        Self::start_at(0, upstream).await
    }

    /// The same on a given port (0: any free one), for a service that appears late.
    pub async fn start_at(port: u16, upstream: &str) -> FreezingProxy {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let gate = Arc::new(Gate::default());
        let upstream = upstream.to_owned();
        let accept_gate = Arc::clone(&gate);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let generation = accept_gate.generation.load(Ordering::Acquire);
                let gate = Arc::clone(&accept_gate);
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::join!(
                        pump(client_read, server_write, Arc::clone(&gate), generation),
                        pump(server_read, client_write, gate, generation),
                    );
                });
            }
        });
        FreezingProxy { port, gate, accept }
    }

    /// Bytes stop flowing on every connection, and on new ones.
    pub fn freeze(&self) {
        self.gate.frozen.store(true, Ordering::Release);
    }

    /// New connections flow again; those opened before stay hung.
    pub fn thaw(&self) {
        self.gate.generation.fetch_add(1, Ordering::AcqRel);
        self.gate.frozen.store(false, Ordering::Release);
    }
}

impl Drop for FreezingProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Copies `from` to `to` while the gate lets this connection's generation through; holds the
/// bytes (forever, for a hung connection) otherwise.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, gate: Arc<Gate>, generation: u64) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        while !gate.flows(generation) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
