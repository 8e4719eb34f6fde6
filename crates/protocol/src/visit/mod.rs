//! The visit's records (steps 8–14), the same for the staff's apps, the relay and the patient's:
//! which kinds each role writes and the relay's check of a staff member's upload
//! ([`authority`]); the organization's batch of a visit's records, the relay's proofs and the
//! reader's check of them ([`batch`]); and the doctor's orders as FHIR R4 ([`orders`]).

pub mod authority;
pub mod batch;
pub mod bill;
pub mod lab;
pub mod orders;
