//! The displays the daemon serves (declared and stored): a [`Records`] of [`Display`].

use super::model::Display;
use super::validator;
use crate::resources::catalog::{Index, Snapshot};
use crate::resources::records::{Record, Records, Validate};
use std::sync::Arc;

pub type DisplayService = Records<Display>;

impl Record for Display {
    const RESOURCE: &'static str = "displays";
    const EVENT: &'static str = "display";
    const PART: fn(&Snapshot) -> &Arc<Index<Self>> = |snapshot| &snapshot.displays;
    const VALIDATE: Validate<Self> = validator::validate;
}
