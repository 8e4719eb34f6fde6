//! The FHIR datatypes the resources share, each in its own module.

mod address;
mod attachment;
mod codeable_concept;
mod decimal;
mod human_name;
mod identifier;
mod instant;
mod meta;
mod money;
mod period;
mod quantity;
mod reference;

pub use address::Address;
pub use attachment::Attachment;
pub use codeable_concept::{CodeableConcept, Coding};
pub use decimal::{Decimal, DecimalError};
pub use human_name::HumanName;
pub use identifier::Identifier;
pub use instant::{Instant, InstantError};
pub use meta::Meta;
pub use money::Money;
pub use period::Period;
pub use quantity::Quantity;
pub use reference::Reference;
