//! Directory sources: their model, the validation of their bodies, their SQL, and the service that
//! serves them (declared in YAML or stored in the database). Their actors belong to the engine
//! (`services::engine`).

pub(crate) mod dao;
pub mod model;
pub(crate) mod notifier;
pub mod service;
pub(crate) mod validator;
