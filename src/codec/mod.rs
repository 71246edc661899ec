//! The codec: how request bodies are read (JSON, XML, forms, by
//! `Content-Type`, validated against their schema and worded in the
//! client's terms) and how answers are written (JSON or XML, as `Accept`
//! asks). Nothing here knows a resource or a vendor's wording.

pub mod body;
pub mod expected;
pub mod form;
pub mod negotiate;
pub mod object;
pub mod rendered;
pub mod text;

pub use body::{Body, JsonXmlOrForm, MaybeBody, Negotiated};
pub use object::BodyObject;
