//! A bus event as wazo-bus sends it: headers on the AMQP message (`name`, `origin_uuid`,
//! `timestamp`, `tenant_uuid`, `user_uuid:{uuid}: true` for user events or `user_uuid:*: true` for
//! tenant events, `required_access: event.{name}`, the deprecated `required_acl:
//! events.{routing_key}`) and a JSON body made of the same keys plus `data`. We add `message_id`
//! (kept across re-sends, so a consumer can drop a duplicate after a broker failure) and
//! `instance_uuid` (the publishing process, so the instances of a cluster tell each other apart).

use serde_json::{json, Map, Value};

/// Who publishes: the Wazo stack (`origin_uuid`, wazo-bus's `service_uuid`: `XIVO_UUID`, else the
/// instance) and this process (`instance_uuid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub origin_uuid: String,
    pub instance_uuid: String,
}

/// An event to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Wazo's event name, e.g. `favorite_added`, `dird_source_created`.
    pub name: String,
    /// AMQP routing key, e.g. `directory.sources.created`.
    pub routing_key: String,
    pub tenant_uuid: Option<String>,
    /// Users concerned (user-scoped events): each becomes a `user_uuid:{uuid}: true` header.
    pub user_uuids: Vec<String>,
    pub data: Value,
    /// Unique per event, identical across re-sends.
    pub message_id: String,
    /// When the event happened: ISO 8601 without offset, as wazo-bus writes it (here in UTC).
    pub timestamp: String,
}

impl Event {
    pub fn new(name: &str, routing_key: String, tenant_uuid: Option<String>, data: Value) -> Self {
        Event {
            name: name.to_owned(),
            routing_key,
            tenant_uuid,
            user_uuids: Vec::new(),
            data,
            message_id: uuid::Uuid::new_v4().to_string(),
            timestamp: now_rfc3339(),
        }
    }

    /// Marks the event as concerning `user_uuid`.
    #[must_use]
    pub fn for_user(mut self, user_uuid: &str) -> Self {
        self.user_uuids.push(user_uuid.to_owned());
        self
    }

    /// The headers of the AMQP message (also the top-level keys of the body).
    pub fn headers(&self, origin: &Origin) -> Map<String, Value> {
        let mut headers = Map::new();
        headers.insert("name".into(), json!(self.name));
        headers.insert("origin_uuid".into(), json!(origin.origin_uuid));
        headers.insert("instance_uuid".into(), json!(origin.instance_uuid));
        headers.insert("timestamp".into(), json!(self.timestamp));
        headers.insert("tenant_uuid".into(), json!(self.tenant_uuid));
        headers.insert(
            "required_access".into(),
            json!(format!("event.{}", self.name)),
        );
        headers.insert(
            "required_acl".into(),
            json!(format!("events.{}", self.routing_key)),
        );
        headers.insert("message_id".into(), json!(self.message_id));
        if self.user_uuids.is_empty() {
            if self.tenant_uuid.is_some() {
                headers.insert("user_uuid:*".into(), json!(true));
            }
        } else {
            for user in &self.user_uuids {
                headers.insert(format!("user_uuid:{user}"), json!(true));
            }
        }
        headers
    }

    /// The JSON body: the headers plus `data`.
    pub fn body(&self, origin: &Origin) -> Value {
        let mut body = self.headers(origin);
        body.insert("data".into(), self.data.clone());
        Value::Object(body)
    }
}

/// The current UTC time as `2026-11-23T20:00:00.123456` (wazo-bus's `datetime.now().isoformat()`).
fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = now.as_secs();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(i64::try_from(days).unwrap_or_default());
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        now.subsec_micros()
    )
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_body_follow_wazo() {
        let event = Event::new(
            "favorite_added",
            "directory.u1.favorite.created".into(),
            Some("t1".into()),
            json!({"source": "s"}),
        )
        .for_user("u1");
        let origin = Origin {
            origin_uuid: "origin".into(),
            instance_uuid: "me".into(),
        };
        let headers = event.headers(&origin);
        assert_eq!(headers["name"], "favorite_added");
        assert_eq!(headers["origin_uuid"], "origin");
        assert_eq!(headers["instance_uuid"], "me");
        assert_eq!(headers["tenant_uuid"], "t1");
        assert_eq!(headers["required_access"], "event.favorite_added");
        assert_eq!(
            headers["required_acl"],
            "events.directory.u1.favorite.created"
        );
        assert_eq!(headers["user_uuid:u1"], true);
        assert!(headers.get("user_uuid:*").is_none());
        let tenant_event = Event::new(
            "dird_source_created",
            "directory.sources.created".into(),
            Some("t1".into()),
            json!({}),
        );
        assert_eq!(
            tenant_event.headers(&origin)["user_uuid:*"],
            true,
            "a tenant event is for every user of the tenant"
        );
        let body = event.body(&origin);
        assert_eq!(body["data"]["source"], "s");
        assert_eq!(body["message_id"], headers["message_id"]);
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
        let now = now_rfc3339();
        assert_eq!(
            (now.len(), &now[10..11], &now[19..20]),
            (26, "T", "."),
            "{now}"
        );
    }
}
