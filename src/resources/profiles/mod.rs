//! Profiles: for each service (lookup, reverse, favorites), which sources to ask and with which
//! options, plus the display of the results.

pub(crate) mod dao;
pub mod model;
pub mod service;
pub(crate) mod validator;
