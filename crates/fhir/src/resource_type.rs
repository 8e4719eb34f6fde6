//! The `resourceType` member: every resource writes its own and refuses any other when read.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::ParseError;

/// A resource type this crate types, read only from JSON that names it.
pub trait TypedResource: Sized {
    /// The `resourceType` this type reads and writes.
    const RESOURCE_TYPE: &'static str;

    /// Reads the resource from JSON bytes; another `resourceType` is refused.
    fn from_json(bytes: &[u8]) -> Result<Self, ParseError>
    where
        Self: DeserializeOwned,
    {
        Self::from_value(serde_json::from_slice(bytes).map_err(ParseError::Json)?)
    }

    /// Reads the resource from a JSON value; another `resourceType` is refused.
    fn from_value(value: Value) -> Result<Self, ParseError>
    where
        Self: DeserializeOwned,
    {
        let found = resource_type_of(&value)?;
        if found != Self::RESOURCE_TYPE {
            return Err(ParseError::WrongResourceType {
                expected: Self::RESOURCE_TYPE,
                found: found.to_owned(),
            });
        }
        serde_json::from_value(value).map_err(|source| ParseError::Invalid {
            resource_type: Self::RESOURCE_TYPE,
            source,
        })
    }
}

/// The `resourceType` member of a JSON value, if it is a resource at all.
pub(crate) fn resource_type_of(value: &Value) -> Result<&str, ParseError> {
    value
        .get("resourceType")
        .and_then(Value::as_str)
        .ok_or(ParseError::NoResourceType)
}

/// The `resourceType` field of resource `R`: it holds nothing, writes `R`'s type name and reads
/// only that name, so even a plain `serde_json::from_str::<Claim>` refuses a Patient.
pub struct ResourceType<R>(PhantomData<fn() -> R>);

impl<R> Default for ResourceType<R> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<R> Clone for ResourceType<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for ResourceType<R> {}

impl<R> PartialEq for ResourceType<R> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<R> Eq for ResourceType<R> {}

impl<R: TypedResource> fmt::Debug for ResourceType<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(R::RESOURCE_TYPE)
    }
}

impl<R: TypedResource> Serialize for ResourceType<R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(R::RESOURCE_TYPE)
    }
}

impl<'de, R: TypedResource> Deserialize<'de> for ResourceType<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expect<R>(PhantomData<fn() -> R>);

        impl<R: TypedResource> Visitor<'_> for Expect<R> {
            type Value = ResourceType<R>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "the resourceType {:?}", R::RESOURCE_TYPE)
            }

            fn visit_str<E: de::Error>(self, found: &str) -> Result<Self::Value, E> {
                if found == R::RESOURCE_TYPE {
                    Ok(ResourceType::default())
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(found), &self))
                }
            }
        }

        deserializer.deserialize_str(Expect(PhantomData))
    }
}
