//! One declaration per wire shape.
//!
//! An answer is documented by poem-openapi (`Object`, `Enum`: the spec) and
//! written by serde (`Serialize`: the JSON and XML encoders, which skip the
//! `serde_json::Value` tree `ToJSON` would build). [`crate::wire!`] takes one
//! declaration and emits both derives with the same renames and the same
//! omissions, so the spec and the bytes cannot drift apart; `tests` holds
//! every answer type of the application to that.
//!
//! The attributes a declaration may carry are this vocabulary and nothing
//! else (anything unknown on a field is a compile error):
//!
//! | on | write | means |
//! |---|---|---|
//! | struct | `#[rename_all = "camelCase"]` | field names as the wire spells them |
//! | struct | `#[oai(...)]`, `#[derive(...)]`, docs | passed through (they do not change what is written) |
//! | field | `#[skip_none]` | an absent `Option` is no member at all |
//! | field | `#[rename = "in"]` | this member's wire name |
//! | field | `#[flatten]` | the struct's members inline |
//! | field | `#[nullable]`, `#[validator(...)]` | documented only (how a body is read) |
//! | enum | `Variant = "Wire_Name"`, or `Variant` alone | the variant's one spelling (its own name when none is given) |
//!
//! A generic struct takes one type parameter, bounded as poem-openapi
//! needs (`ParseFromJSON + ToJSON`; serde adds `Serialize` itself). Its
//! instances are named after their parameter, the generic's own name
//! (`#[oai(rename = "Envelope")]`) following it: `RelationshipEnvelope`,
//! `CategoryList`, the names a JAXB or .NET user expects (see
//! [`concrete_name`]).
//!
//! An enum also gets `ALL` (its values), `NAMES` (their spellings),
//! `named` (a spelling's value) and `as_str`: the domain parses and words its errors from those, so each
//! spelling is written once.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use poem_openapi::registry::MetaSchemaRef;
use poem_openapi::types::{ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// Declares a wire struct or enum once; see the [module](self) for the
/// vocabulary.
#[macro_export]
macro_rules! wire {
    // Struct-level attributes.
    (@s [$($a:tt)*] #[rename_all = $r:literal] $($rest:tt)*) => {
        $crate::wire!(@s [$($a)* #[oai(rename_all = $r)] #[serde(rename_all = $r)]] $($rest)*);
    };
    (@s [$($a:tt)*] #[$($m:tt)*] $($rest:tt)*) => {
        $crate::wire!(@s [$($a)* #[$($m)*]] $($rest)*);
    };
    (@s [$($a:tt)*] $v:vis struct $name:ident $(<$T:ident>)? { $($fields:tt)* }) => {
        $crate::wire!(@f [$($a)*] [$v $name $(<$T>)?] [] [] $($fields)*);
    };
    (@s [$($a:tt)*] $v:vis enum $name:ident {
        $($(#[doc = $d:literal])* $var:ident $(= $s:literal)?),* $(,)?
    }) => {
        #[derive(poem_openapi::Enum, serde::Serialize, Debug, Clone, Copy, PartialEq, Eq)]
        $($a)*
        $v enum $name {
            $($(#[doc = $d])* $(#[oai(rename = $s)] #[serde(rename = $s)])? $var),*
        }

        impl $name {
            /// Every value, in declared order.
            pub const ALL: &'static [Self] = &[$(Self::$var),*];
            /// Every value as the wire spells it, in declared order.
            pub const NAMES: &'static [&'static str] = &[$($crate::wire!(@name $var $($s)?)),*];

            /// The value as the wire spells it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$var => $crate::wire!(@name $var $($s)?)),*
                }
            }

            /// The value spelled `name` exactly as the wire spells it.
            pub fn named(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == name)
            }
        }
    };
    // A variant's wire name: its own, or the one it is given.
    (@name $var:ident) => { stringify!($var) };
    (@name $var:ident $s:literal) => { $s };
    // Field attributes, gathered until the field itself.
    (@f $a:tt $h:tt [$($o:tt)*] [$($fa:tt)*] #[doc = $d:literal] $($rest:tt)*) => {
        $crate::wire!(@f $a $h [$($o)*] [$($fa)* #[doc = $d]] $($rest)*);
    };
    (@f $a:tt $h:tt [$($o:tt)*] [$($fa:tt)*] #[skip_none] $($rest:tt)*) => {
        $crate::wire!(@f $a $h [$($o)*] [$($fa)*
            #[oai(skip_serializing_if_is_none)] #[serde(skip_serializing_if = "Option::is_none")]] $($rest)*);
    };
    (@f $a:tt $h:tt [$($o:tt)*] [$($fa:tt)*] #[rename = $r:literal] $($rest:tt)*) => {
        $crate::wire!(@f $a $h [$($o)*] [$($fa)* #[oai(rename = $r)] #[serde(rename = $r)]] $($rest)*);
    };
    (@f $a:tt $h:tt [$($o:tt)*] [$($fa:tt)*] #[flatten] $($rest:tt)*) => {
        $crate::wire!(@f $a $h [$($o)*] [$($fa)* #[oai(flatten)] #[serde(flatten)]] $($rest)*);
    };
    (@f $a:tt $h:tt [$($o:tt)*] [$($fa:tt)*] #[nullable] $($rest:tt)*) => {
        $crate::wire!(@f $a $h [$($o)*] [$($fa)* #[oai(nullable)]] $($rest)*);
    };
    (@f $a:tt $h:tt [$($o:tt)*] [$($fa:tt)*] #[validator($($v:tt)*)] $($rest:tt)*) => {
        $crate::wire!(@f $a $h [$($o)*] [$($fa)* #[oai(validator($($v)*))]] $($rest)*);
    };
    (@f $a:tt $h:tt [$($o:tt)*] [$($fa:tt)*] $fv:vis $f:ident : $t:ty $(, $($rest:tt)*)?) => {
        $crate::wire!(@f $a $h [$($o)* $($fa)* $fv $f: $t,] [] $($($rest)*)?);
    };
    // The struct, once every field is read.
    (@f [$($a:tt)*] [$v:vis $name:ident] [$($o:tt)*] []) => {
        #[derive(poem_openapi::Object, serde::Serialize)]
        $($a)*
        $v struct $name { $($o)* }
    };
    (@f [$($a:tt)*] [$v:vis $name:ident <$T:ident>] [$($o:tt)*] []) => {
        #[derive(poem_openapi::Object, serde::Serialize)]
        $($a)*
        $v struct $name<$T: poem_openapi::types::ParseFromJSON + poem_openapi::types::ToJSON> { $($o)* }
    };
    ($($item:tt)*) => {
        $crate::wire!(@s [] $($item)*);
    };
}

/// The wire name of `T`: its schema component in the spec, the root
/// element of its XML documents (see [`concrete_name`]).
pub fn name_of<T: Type>() -> Cow<'static, str> {
    let name = T::name();
    if name.contains('_') {
        Cow::Owned(concrete_name(&name).into_owned())
    } else {
        name
    }
}

/// The wire name of a schema poem-openapi names `name`.
///
/// poem-openapi names an instance of a generic struct `{Generic}_{Param}`
/// (`Envelope_Relationship`), an internal name no client should see. Its
/// wire name is the parameter's (itself a wire name, for a nested generic)
/// followed by the generic's: `RelationshipEnvelope`. A name without `_`
/// is not an instance and is its own wire name. So no other schema may be
/// named with `_` (`#[oai(rename = "A_B")]` would be taken for an instance
/// and renamed `BA`); two schemas given the same wire name stop the
/// document.
pub fn concrete_name(name: &str) -> Cow<'_, str> {
    match name.split_once('_') {
        Some((generic, param)) => Cow::Owned(format!("{}{generic}", concrete_name(param))),
        None => Cow::Borrowed(name),
    }
}

/// An instant on the wire: RFC 3339 with a `+00:00` offset, documented as
/// `date-time`. The spec and the encoders write it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self(at)
    }
}

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = DateTime<Utc>;
    type RawElementValueType = DateTime<Utc>;

    fn name() -> Cow<'static, str> {
        <DateTime<Utc> as Type>::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        <DateTime<Utc> as Type>::schema_ref()
    }

    fn as_raw_value(&self) -> Option<&DateTime<Utc>> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a DateTime<Utc>> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.to_rfc3339()))
    }
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        DateTime::<Utc>::parse_from_json(value)
            .map(Self)
            .map_err(poem_openapi::types::ParseError::propagate)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.to_rfc3339())
    }
}

#[cfg(test)]
mod tests;
