//! The reference point of the benchmarks: an actix-web hello world with the daemon's actix-web
//! features and worker count. `cargo run --release --example hello_world -- PORT`

use actix_web::{get, App, HttpResponse, HttpServer};

#[get("/")]
async fn hello() -> HttpResponse {
    HttpResponse::Ok().body("Hello, world!")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    HttpServer::new(|| App::new().service(hello))
        .workers(workers)
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
