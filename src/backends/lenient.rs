//! Values as wazo-dird's marshmallow fields take them (`deserialize_with` helpers of the kinds'
//! configs): an integer may come as `"9497"` (the Wazo UI's forms send ports so), a boolean as
//! `"true"`, `"False"`, `"yes"` or `1`, a number as `"0.5"`.

use serde::de::{Deserializer, Error};
use serde::Deserialize;
use serde_json::Value;

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Python's `int(value)`, as marshmallow's non-strict `Integer` applies it: a float is
/// truncated (`9497.9` → 9497), a string must hold an integer (`" 9497 "`, not `"9497.0"`), a
/// boolean is refused.
fn integer_of<E: Error>(value: &Value) -> Result<i64, E> {
    let invalid = || E::custom("Not a valid integer.");
    match value {
        Value::Number(number) => match number.as_i64() {
            Some(integer) => Ok(integer),
            None => number
                .as_f64()
                .filter(|n| n.is_finite() && n.abs() < 9.0e15)
                // Within f64's exact integer range, so the truncation is Python's.
                .map(|n| n.trunc() as i64)
                .ok_or_else(invalid),
        },
        Value::String(text) => text.trim().parse().map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

/// An integer, or a string or number holding one.
pub fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    integer_of(&Value::deserialize(deserializer)?)
}

/// A number, or a string holding one.
pub fn float<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let value = Value::deserialize(deserializer)?;
    number(&value)
        .filter(|n| n.is_finite())
        .ok_or_else(|| D::Error::custom("Not a valid number."))
}

/// [`float`], or `null`.
pub fn opt_float<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        value => number(&value)
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or_else(|| D::Error::custom("Not a valid number.")),
    }
}

/// marshmallow's `Boolean`: its truthy and falsy strings and numbers.
pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Bool(value) => Ok(value),
        Value::Number(number) if number.as_f64() == Some(1.0) => Ok(true),
        Value::Number(number) if number.as_f64() == Some(0.0) => Ok(false),
        Value::String(text) => match text.as_str() {
            "t" | "T" | "true" | "True" | "TRUE" | "on" | "On" | "ON" | "y" | "Y" | "yes"
            | "Yes" | "YES" | "1" => Ok(true),
            "f" | "F" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" | "n" | "N" | "no"
            | "No" | "NO" | "0" => Ok(false),
            _ => Err(D::Error::custom("Not a valid boolean.")),
        },
        _ => Err(D::Error::custom("Not a valid boolean.")),
    }
}

/// [`boolean`], or `null`.
pub fn opt_boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    boolean(value).map(Some).map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Sample {
        #[serde(deserialize_with = "super::integer")]
        port: i64,
        #[serde(deserialize_with = "super::boolean")]
        https: bool,
        #[serde(deserialize_with = "super::float")]
        timeout: f64,
    }

    fn sample(value: serde_json::Value) -> Result<Sample, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn marshmallow_reads_strings_as_the_wazo_ui_sends_them() {
        let read = sample(json!({"port": "9497", "https": "False", "timeout": "0.5"})).expect("ok");
        assert_eq!(
            read,
            Sample {
                port: 9497,
                https: false,
                timeout: 0.5
            }
        );
        let read = sample(json!({"port": 443.0, "https": 1, "timeout": 2})).expect("ok");
        assert_eq!((read.port, read.https), (443, true));
        let read = sample(json!({"port": 9497.9, "https": "yes", "timeout": 2})).expect("ok");
        assert_eq!(read.port, 9497, "truncated, as Python's int()");
        for bad in [
            json!({"port": "80a", "https": true, "timeout": 1}),
            json!({"port": "80.0", "https": true, "timeout": 1}),
            json!({"port": true, "https": true, "timeout": 1}),
            json!({"port": 80, "https": "maybe", "timeout": 1}),
            json!({"port": 80, "https": true, "timeout": "soon"}),
        ] {
            assert!(sample(bad.clone()).is_err(), "{bad}");
        }
    }
}
