//! Displays: which columns a formatted result has.

pub mod model;
pub mod service;
pub(crate) mod validator;
