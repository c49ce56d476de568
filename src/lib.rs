//! wazo-dird, the Wazo directory daemon, as an actor-model service.
//!
//! The layers, top-down (no module imports one above it): `app` (the composition root) → `http`
//! (views, the Authorized extractor, errors, metrics) → `services` (the directory actor, the engine,
//! source actors, GraphQL, bus reactions) → `resources` (catalog and CRUD of sources, displays,
//! profiles, phonebooks, personal contacts, favorites) → `backends` → `contacts` (the read model of
//! stored contacts) → `storage` → `text`, `validation`, `input`, `context` and `health` (leaves); `auth`, `bus`, `config` and
//! `discovery` (consul) stand beside them. See docs/architecture.md.

mod app;
pub mod auth;
pub mod backends;
pub mod bus;
pub mod config;
pub mod contacts;
pub mod context;
pub mod discovery;
pub mod health;
pub mod http;
pub mod input;
pub mod logging;
pub mod numbers;
mod privileges;
pub mod resources;
pub mod services;
pub mod storage;
pub mod text;
pub mod validation;

pub use app::run;
