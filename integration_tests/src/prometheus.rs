//! A strict reader of the Prometheus text format 0.0.4, as a scraper reads `/metrics`: every line
//! is a `# HELP`, a `# TYPE` or a sample whose family was typed before; label values are quoted and
//! escaped (they may hold `{`, `}`, `,` or `"`). Anything else fails the test.

use std::collections::BTreeMap;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed exposition: each family's type, and every sample.
#[derive(Debug, Default)]
pub struct Exposition {
    pub types: BTreeMap<String, String>,
    pub samples: Vec<Sample>,
}

impl Exposition {
    /// Parses `text`, or says which line is wrong.
    pub fn parse(text: &str) -> Result<Exposition, String> {
        let mut exposition = Exposition::default();
        for (number, line) in text.lines().enumerate() {
            let wrong = |why: &str| format!("line {}: {why}: {line:?}", number + 1);
            if line.is_empty() || line.starts_with("# HELP ") {
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').ok_or_else(|| wrong("bad TYPE"))?;
                if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                    return Err(wrong("unknown type"));
                }
                exposition.types.insert(name.to_owned(), kind.to_owned());
                continue;
            }
            let sample = sample(line).ok_or_else(|| wrong("not a sample"))?;
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    let base = sample.name.strip_suffix(suffix)?;
                    (exposition.types.get(base).map(String::as_str) == Some("histogram"))
                        .then_some(base)
                })
                .unwrap_or(&sample.name);
            if !exposition.types.contains_key(family) {
                return Err(wrong("a sample of an untyped family"));
            }
            exposition.samples.push(sample);
        }
        Ok(exposition)
    }

    /// The value of the sample `name` whose labels include `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
    }

    /// The cumulative buckets `(le, count)` of histogram `name` for `labels`, in file order.
    pub fn buckets(&self, name: &str, labels: &[(&str, &str)]) -> Vec<(String, f64)> {
        let bucket = format!("{name}_bucket");
        self.samples
            .iter()
            .filter(|s| {
                s.name == bucket
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| (s.labels.get("le").cloned().unwrap_or_default(), s.value))
            .collect()
    }
}

fn sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = &line[..name_end];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    {
        return None;
    }
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(mut inner) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = inner.strip_prefix('}') {
                rest = after;
                break;
            }
            let (key, after) = inner.split_once("=\"")?;
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                let (i, c) = chars.next()?;
                match c {
                    '\\' => match chars.next()?.1 {
                        'n' => value.push('\n'),
                        other => value.push(other),
                    },
                    '"' => break i,
                    c => value.push(c),
                }
            };
            labels.insert(key.trim_start_matches(',').to_owned(), value);
            inner = &after[end + 1..];
            inner = inner.strip_prefix(',').unwrap_or(inner);
        }
    }
    let value = rest.trim();
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().ok()?,
    };
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_braces_and_escapes() {
        let text =
            "# HELP x A thing.\n# TYPE x counter\nx{route=\"/a/{b}\",name=\"q\\\"\\\\\"} 3\n\
                    # TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n";
        let parsed = Exposition::parse(text).expect("valid");
        assert_eq!(
            parsed.value("x", &[("route", "/a/{b}"), ("name", "q\"\\")]),
            Some(3.0)
        );
        assert_eq!(parsed.buckets("h", &[]), [("+Inf".to_owned(), 2.0)]);
        assert!(Exposition::parse("y 1\n").is_err(), "untyped family");
        assert!(Exposition::parse("# TYPE x counter\nx{a=\"1} 1\n").is_err());
    }
}
