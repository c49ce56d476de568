//! Directory sources: their model, the validation of their bodies, and the service that serves
//! them (sources declared in YAML now; stored ones join with the database routes).

pub mod model;
pub mod service;
pub(crate) mod validator;
