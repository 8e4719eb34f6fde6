//! JSON parsed as RFC 8785 requires its input to be (I-JSON, RFC 7493): no duplicate member
//! names, and no integers beyond ±(2^53 − 1), which canonicalisation would silently round. Without
//! these checks a document could hash as one thing and read as another.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// The largest integer an IEEE double holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Parses `bytes` as I-JSON.
pub fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<Strict>(bytes).map(|Strict(value)| value)
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("I-JSON")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        if v > MAX_SAFE_INTEGER {
            return Err(E::custom(format!(
                "the integer {v} is too large to be hashed exactly (over 2^53 - 1)"
            )));
        }
        Ok(Value::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        if v.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(E::custom(format!(
                "the integer {v} is too large to be hashed exactly (over 2^53 - 1)"
            )));
        }
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("not a finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "the member {key:?} appears twice"
                )));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn accepts_ordinary_json() {
        let value =
            parse(br#"{"a":[1,-2,3.5,true,null,"x"],"b":{"c":9007199254740991}}"#).expect("valid");
        assert_eq!(value["b"]["c"], 9_007_199_254_740_991u64);
    }

    #[test]
    fn refuses_duplicate_members_at_any_depth() {
        let err = parse(br#"{"copay":10,"copay":1000}"#).expect_err("duplicate");
        assert!(err.to_string().contains("appears twice"), "{err}");
        assert!(parse(br#"{"a":[{"b":1,"b":1}]}"#).is_err());
    }

    #[test]
    fn refuses_integers_that_would_be_rounded() {
        assert!(parse(b"9007199254740992").is_err());
        assert!(parse(b"-9007199254740992").is_err());
        assert!(parse(b"-9007199254740991").is_ok());
    }

    #[test]
    fn refuses_trailing_garbage() {
        assert!(parse(br#"{"a":1} x"#).is_err());
    }
}
