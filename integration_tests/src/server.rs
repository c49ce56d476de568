//! Running a stand-in HTTP server on a fixed loopback port in a thread of its own, stoppable and
//! restartable on the same port (to play a service that goes away and comes back).

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};
use std::sync::Arc;

/// A self-signed TLS configuration for `localhost`/`127.0.0.1`, and its certificate in PEM.
pub fn self_signed_tls() -> (rustls::ServerConfig, String) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("certificate");
    let pem = certified.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .expect("TLS config");
    (config, pem)
}

/// Starts a server with `data` shared by handlers registered by `configure`; returns its handle.
pub fn start<T: Send + Sync + 'static>(
    port: u16,
    tls: Option<rustls::ServerConfig>,
    data: web::Data<T>,
    configure: fn(&mut web::ServiceConfig),
) -> ServerHandle {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        system.block_on(async move {
            let server =
                HttpServer::new(move || App::new().app_data(data.clone()).configure(configure))
                    .workers(1)
                    .disable_signals()
                    .shutdown_timeout(0);
            let listener = loop {
                // The port may take a moment to be released after a stop.
                match std::net::TcpListener::bind(("127.0.0.1", port)) {
                    Ok(listener) => break listener,
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            };
            let server = match tls {
                Some(tls) => server.listen_rustls_0_23(listener, tls),
                None => server.listen(listener),
            }
            .expect("listen")
            .run();
            let _ = sender.send(server.handle());
            let _ = server.await;
        });
    });
    receiver.recv().expect("the stand-in server started")
}

/// Stops a server; callable from inside a test's async runtime.
pub fn stop(handle: ServerHandle) {
    let stopper = std::thread::spawn(move || {
        if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            runtime.block_on(handle.stop(false));
        }
    });
    let _ = stopper.join();
}

/// A stand-in server that stops (connections refused) and comes back on the same port, serving
/// the same data; stopped when dropped.
pub struct Restartable<T> {
    port: u16,
    tls: Option<rustls::ServerConfig>,
    data: web::Data<T>,
    configure: fn(&mut web::ServiceConfig),
    handle: std::sync::Mutex<Option<ServerHandle>>,
}

impl<T> std::fmt::Debug for Restartable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Restartable(127.0.0.1:{})", self.port)
    }
}

impl<T: Send + Sync + 'static> Restartable<T> {
    /// Starts serving `data` with the routes of `configure` on `port`.
    pub fn start(
        port: u16,
        tls: Option<rustls::ServerConfig>,
        data: Arc<T>,
        configure: fn(&mut web::ServiceConfig),
    ) -> Self {
        let server = Restartable {
            port,
            tls,
            data: web::Data::from(data),
            configure,
            handle: std::sync::Mutex::new(None),
        };
        server.resume();
        server
    }

    fn handle(&self) -> std::sync::MutexGuard<'_, Option<ServerHandle>> {
        self.handle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stops answering: connections are refused.
    pub fn stop(&self) {
        if let Some(handle) = self.handle().take() {
            stop(handle);
        }
    }

    /// Answers again on the same port.
    pub fn resume(&self) {
        let handle = start(
            self.port,
            self.tls.clone(),
            self.data.clone(),
            self.configure,
        );
        *self.handle() = Some(handle);
    }
}

impl<T> Drop for Restartable<T> {
    fn drop(&mut self) {
        let handle = self
            .handle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            stop(handle);
        }
    }
}
