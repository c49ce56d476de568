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

fn integer_of<E: Error>(value: &Value) -> Result<i64, E> {
    match value {
        Value::Number(number) if number.is_i64() => number
            .as_i64()
            .ok_or_else(|| E::custom("Not a valid integer.")),
        Value::Bool(_) => Err(E::custom("Not a valid integer.")),
        other => number(other)
            .filter(|n| n.fract() == 0.0 && n.is_finite() && n.abs() < 9.0e15)
            // Exact: integral and well within f64's integer range.
            .map(|n| n as i64)
            .ok_or_else(|| E::custom("Not a valid integer.")),
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
        for bad in [
            json!({"port": "80a", "https": true, "timeout": 1}),
            json!({"port": 80.5, "https": true, "timeout": 1}),
            json!({"port": true, "https": true, "timeout": 1}),
            json!({"port": 80, "https": "maybe", "timeout": 1}),
            json!({"port": 80, "https": true, "timeout": "soon"}),
        ] {
            assert!(sample(bad.clone()).is_err(), "{bad}");
        }
    }
}
