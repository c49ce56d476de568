//! A display and its columns.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One column of formatted results. Every attribute may be null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DisplayColumn {
    /// The header of the column.
    pub title: Option<String>,
    /// `name`, `number`, `favorite`, `personal`, … (free text; `favorite` and `personal` are special).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The value when the result has no such field.
    pub default: Option<String>,
    /// The result field shown in this column.
    pub field: Option<String>,
    /// Kept for clients; unused by the daemon.
    pub number_display: Option<String>,
}

/// A display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Display {
    pub uuid: String,
    pub tenant_uuid: String,
    pub name: String,
    pub columns: Vec<DisplayColumn>,
}

crate::resources::catalog::item!(Display);
