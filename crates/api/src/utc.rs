//! Timestamps on the wire: RFC 3339 in UTC with its zone
//! (`2026-11-20T03:00:00Z`), as the OpenAPI `date-time` format requires;
//! the database keeps them naive, in UTC. Reading accepts any offset
//! (converted to UTC) and, for older clients, a naive time taken as UTC.
//!
//! Used as `#[serde(with = "crate::utc")]`, or `crate::utc::option` with
//! `default` for optional fields.

use chrono::{DateTime, NaiveDateTime, SecondsFormat};
use serde::{Deserialize, Deserializer, Serializer};

/// `at` (UTC) as RFC 3339 with `Z`.
pub fn to_text(at: &NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A zoned time in UTC, or a naive one as it is; `None` when neither.
pub fn parse(text: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.naive_utc())
        .ok()
        .or_else(|| text.parse::<NaiveDateTime>().ok())
}

pub fn serialize<S: Serializer>(at: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_text(at))
}

fn read<E: serde::de::Error>(text: &str) -> Result<NaiveDateTime, E> {
    parse(text).ok_or_else(|| E::custom(format!("not an RFC 3339 date-time: {text}")))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    read(&String::deserialize(d)?)
}

pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(at: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_str(&to_text(at)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| read(&text))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Stamped {
        #[serde(with = "crate::utc")]
        at: NaiveDateTime,
        #[serde(default, with = "crate::utc::option")]
        seen: Option<NaiveDateTime>,
    }

    fn at(text: &str) -> NaiveDateTime {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn written_in_utc_with_the_zone() {
        let value = Stamped {
            at: at("2026-11-20T03:05:00.250"),
            seen: None,
        };
        assert_eq!(
            serde_json::to_string(&value).ok().as_deref(),
            Some(r#"{"at":"2026-11-20T03:05:00.250Z","seen":null}"#)
        );
        let whole = Stamped {
            at: at("2026-11-20T03:05:00"),
            seen: Some(at("2026-11-21T00:00:00")),
        };
        assert_eq!(
            serde_json::to_string(&whole).ok().as_deref(),
            Some(r#"{"at":"2026-11-20T03:05:00Z","seen":"2026-11-21T00:00:00Z"}"#)
        );
    }

    #[test]
    fn read_with_any_offset_or_none() {
        let zoned: Result<Stamped, _> =
            serde_json::from_str(r#"{"at":"2026-11-20T10:05:00+07:00"}"#);
        assert_eq!(
            zoned.ok(),
            Some(Stamped {
                at: at("2026-11-20T03:05:00"),
                seen: None
            })
        );
        let naive: Result<Stamped, _> =
            serde_json::from_str(r#"{"at":"2026-11-20T03:05:00","seen":"2026-11-20T03:05:00Z"}"#);
        assert_eq!(
            naive.ok(),
            Some(Stamped {
                at: at("2026-11-20T03:05:00"),
                seen: Some(at("2026-11-20T03:05:00"))
            })
        );
        assert!(serde_json::from_str::<Stamped>(r#"{"at":"20/11/2026"}"#).is_err());
    }
}
