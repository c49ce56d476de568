//! Service discovery, as the Wazo daemons do it (`service_discovery.enabled: true`): the daemon
//! registers itself with the local consul agent as `wazo-dird`, tagged with the stack's uuid, its
//! name and `service_discovery.extra_tags`, with a TTL check (`ttl_interval`) that it passes every
//! `refresh_interval` seconds. A failed registration or check is tried again after
//! `retry_interval` seconds (a lost registration is made again). On stop it deregisters its check
//! and its service. Each registration and deregistration is announced on the bus
//! (`service_registered`, `service_deregistered`, routing key `service.registered.wazo-dird`), as
//! xivo's consul helpers do.

use crate::bus::{Bus, Event};
use crate::config::{Consul, ServiceDiscovery};
use serde_json::json;
use std::time::Duration;
use tokio::sync::watch;

/// The name the daemon registers under.
pub const SERVICE_NAME: &str = "wazo-dird";

/// A running registration; [`Registration::stop`] deregisters.
#[derive(Debug)]
pub struct Registration {
    stop: watch::Sender<bool>,
    done: tokio::task::JoinHandle<()>,
}

impl Registration {
    /// Starts registering when `service_discovery.enabled`; `None` otherwise.
    pub fn start(
        consul: &Consul,
        settings: &ServiceDiscovery,
        xivo_uuid: &str,
        bus: Bus,
    ) -> Result<Option<Registration>, String> {
        if !settings.enabled {
            return Ok(None);
        }
        let agent = Agent::new(consul, settings, xivo_uuid)?;
        tracing::info!(
            consul = %agent.base, service_id = %agent.service_id, address = %agent.address,
            port = agent.port, "registering with consul"
        );
        let (stop, stopped) = watch::channel(false);
        let refresh = Duration::from_secs_f64(settings.refresh_interval.max(0.1));
        let retry = Duration::from_secs_f64(settings.retry_interval.max(0.1));
        let done = tokio::spawn(agent.run(bus, refresh, retry, stopped));
        Ok(Some(Registration { stop, done }))
    }

    /// Deregisters (waits at most 5 s for consul).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.done).await;
    }
}

/// The consul agent's API, for this daemon's service.
struct Agent {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    service_id: String,
    address: String,
    port: u16,
    tags: Vec<String>,
    ttl: String,
}

impl Agent {
    fn new(consul: &Consul, settings: &ServiceDiscovery, xivo_uuid: &str) -> Result<Self, String> {
        let host = consul.host.as_deref().unwrap_or("localhost");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("cannot build the consul client: {e}"))?;
        let mut tags = vec![xivo_uuid.to_owned(), SERVICE_NAME.to_owned()];
        tags.extend(settings.extra_tags.iter().cloned());
        Ok(Agent {
            http,
            base: format!("{}://{host}:{}", consul.scheme, consul.port),
            token: consul.token.clone(),
            service_id: uuid::Uuid::new_v4().to_string(),
            address: advertise_address(settings),
            port: settings.advertise_port,
            tags,
            ttl: format!("{}s", settings.ttl_interval),
        })
    }

    async fn put(&self, path: &str, body: Option<serde_json::Value>) -> Result<(), String> {
        let mut request = self.http.put(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.header("X-Consul-Token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("consul answered {}", response.status()))
        }
    }

    async fn register(&self) -> Result<(), String> {
        let body = json!({
            "ID": self.service_id, "Name": SERVICE_NAME, "Address": self.address,
            "Port": self.port, "Tags": self.tags, "Check": {"TTL": self.ttl},
        });
        self.put("/v1/agent/service/register", Some(body)).await
    }

    fn check_id(&self) -> String {
        format!("service:{}", self.service_id)
    }

    async fn pass(&self) -> Result<(), String> {
        self.put(&format!("/v1/agent/check/pass/{}", self.check_id()), None)
            .await
    }

    async fn deregister(&self) -> Result<(), String> {
        self.put(
            &format!("/v1/agent/check/deregister/{}", self.check_id()),
            None,
        )
        .await?;
        self.put(
            &format!("/v1/agent/service/deregister/{}", self.service_id),
            None,
        )
        .await
    }

    fn event(&self, name: &str, mut data: serde_json::Value) -> Event {
        data["service_name"] = json!(SERVICE_NAME);
        data["service_id"] = json!(self.service_id);
        data["tags"] = json!(self.tags);
        Event::new(
            name,
            format!("service.registered.{SERVICE_NAME}"),
            None,
            data,
        )
    }

    async fn run(
        self,
        bus: Bus,
        refresh: Duration,
        retry: Duration,
        mut stopped: watch::Receiver<bool>,
    ) {
        let mut registered = false;
        loop {
            if !registered {
                match self.register().await {
                    Ok(()) => {
                        registered = true;
                        tracing::info!(service_id = %self.service_id, "registered with consul");
                        bus.publish(self.event(
                            "service_registered",
                            json!({"address": self.address, "port": self.port}),
                        ));
                    }
                    Err(error) => {
                        tracing::info!(%error, retry_in = ?retry, "consul registration failed")
                    }
                }
            }
            let wait = if registered {
                match self.pass().await {
                    Ok(()) => refresh,
                    Err(error) => {
                        // The agent may have lost the service (restarted): register again.
                        tracing::info!(%error, "consul TTL check failed: registering again");
                        registered = false;
                        retry
                    }
                }
            } else {
                retry
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stopped.changed() => break,
            }
        }
        match self.deregister().await {
            Ok(()) => tracing::info!(service_id = %self.service_id, "deregistered from consul"),
            Err(error) => tracing::info!(%error, "failed to deregister from consul"),
        }
        if registered {
            bus.publish(self.event("service_deregistered", json!({})));
        }
    }
}

/// `advertise_address`, or with `auto` the first IPv4 address of `advertise_address_interface`,
/// else of an `eth*` or `en*` interface, else of `lo`, else 127.0.0.1.
fn advertise_address(settings: &ServiceDiscovery) -> String {
    if settings.advertise_address != "auto" {
        return settings.advertise_address.clone();
    }
    let Ok(addresses) = nix::ifaddrs::getifaddrs() else {
        return "127.0.0.1".to_owned();
    };
    let ipv4: Vec<(String, std::net::Ipv4Addr)> = addresses
        .filter_map(|interface| {
            let address = interface.address?;
            let ip = address.as_sockaddr_in()?.ip();
            Some((interface.interface_name, ip))
        })
        .collect();
    let preferred = |wanted: &dyn Fn(&str) -> bool| {
        ipv4.iter()
            .find(|(name, _)| wanted(name))
            .map(|(_, ip)| ip.to_string())
    };
    preferred(&|name| name == settings.advertise_address_interface)
        .or_else(|| preferred(&|name| name.starts_with("eth") || name.starts_with("en")))
        .or_else(|| preferred(&|name| name == "lo"))
        .unwrap_or_else(|| "127.0.0.1".to_owned())
}
