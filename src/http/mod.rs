//! The HTTP shell: actix-web with optional rustls TLS and CORS, thin views, one error type, and the
//! OpenAPI document generated from the views themselves.

pub mod authorized;
pub mod codes;
pub mod error;
pub mod list_params;
pub mod metrics;
pub mod openapi;
mod server;
pub mod state;
pub mod views;

pub use server::{configure_app, serve};
