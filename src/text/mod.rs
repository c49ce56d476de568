//! Text, the leaf every layer may use and that uses none of them: case- and accent-folding as
//! wazo-dird and PostgreSQL compare, LIKE escaping, the trigram and dial-pad (T9) indexes of the in-memory copies, and
//! Python's `str.format` and `str()` as wazo-dird's `format_columns` render values.

mod fold;
pub mod python;
pub mod t9;
pub mod trigram;

pub use fold::{fold, fold_accents, like_literal, sort_by_field};
