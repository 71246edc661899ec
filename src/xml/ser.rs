//! Writing XML straight from a type's serde `Serialize`, by the same mapping
//! as [`super::to_xml`] writes a JSON value (which stays the reference: in
//! debug builds every answer is checked against it, see
//! [`crate::codec::rendered::Rendered::typed`]). An answer's fields go to
//! their elements without building the value tree first.

use std::fmt;

use serde::ser::{self, Impossible, Serialize};

use super::write::{close, escape_into, open};
use crate::domain::text::is_xml_name;

/// Writes `value` as an XML document whose root element is `root`, with an
/// optional default namespace: the same document as [`super::to_xml`] of
/// `value`'s JSON value.
pub fn to_xml<T: Serialize + ?Sized>(root: &str, namespace: Option<&str>, value: &T) -> Result<String, Error> {
    let mut out = String::with_capacity(1024);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let mut attrs = String::new();
    if let Some(ns) = namespace {
        attrs.push_str(r#" xmlns=""#);
        escape_into(&mut attrs, ns);
        attrs.push('"');
    }
    value.serialize(Element {
        out: &mut out,
        name: root,
        root: Some(&attrs),
    })?;
    Ok(out)
}

/// Why a value could not be written (only a type's own `Serialize` fails).
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Self(msg.to_string())
    }
}

/// A value written as the element(s) `name`: a scalar as one element of
/// text, an object as one element of its members, a sequence as `name`
/// repeated (at the root: `item`s inside the root), null as nothing (at the
/// root: an empty root element).
struct Element<'a> {
    out: &'a mut String,
    name: &'a str,
    /// At the root: the root element's attributes.
    root: Option<&'a str>,
}

impl<'a> Element<'a> {
    fn text(self, text: &str) -> Result<(), Error> {
        open(self.out, self.name, self.root);
        escape_into(self.out, text);
        close(self.out, self.name);
        Ok(())
    }

    fn display(self, value: impl fmt::Display) -> Result<(), Error> {
        open(self.out, self.name, self.root);
        fmt::Write::write_fmt(self.out, format_args!("{value}")).map_err(ser::Error::custom)?;
        close(self.out, self.name);
        Ok(())
    }

    fn nothing(self) -> Result<(), Error> {
        if let Some(attrs) = self.root {
            self.out.push('<');
            self.out.push_str(self.name);
            self.out.push_str(attrs);
            self.out.push_str("/>");
        }
        Ok(())
    }

    fn object(self) -> Members<'a> {
        open(self.out, self.name, self.root);
        Members {
            out: self.out,
            name: self.name,
            key: None,
        }
    }

    fn sequence(self) -> Items<'a> {
        if self.root.is_some() {
            open(self.out, self.name, self.root);
        }
        Items {
            out: self.out,
            name: if self.root.is_some() { "item" } else { self.name },
            root: self.root.map(|_| self.name),
        }
    }
}

macro_rules! displayed {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<(), Error> {
            self.display(v)
        })*
    };
}

impl<'a> ser::Serializer for Element<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Items<'a>;
    type SerializeTuple = Items<'a>;
    type SerializeTupleStruct = Items<'a>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Members<'a>;
    type SerializeStruct = Members<'a>;
    type SerializeStructVariant = Impossible<(), Error>;

    displayed!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_i128: i128, serialize_u128: u128);

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // As JSON writes it; JSON has no NaN or infinity (null: no element).
        match serde_json::Number::from_f64(v) {
            Some(number) => self.display(number),
            None => self.nothing(),
        }
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.text(v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // As JSON writes bytes: an array of numbers.
        let mut items = self.sequence();
        for byte in v {
            ser::SerializeSeq::serialize_element(&mut items, byte)?;
        }
        ser::SerializeSeq::end(items)
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.nothing()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.nothing()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.nothing()
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.text(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(ser::Error::custom(format!(
            "enum variant {variant} with data has no XML mapping"
        )))
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Items<'a>, Error> {
        Ok(self.sequence())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Items<'a>, Error> {
        Ok(self.sequence())
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Items<'a>, Error> {
        Ok(self.sequence())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom(format!(
            "enum variant {variant} with data has no XML mapping"
        )))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Members<'a>, Error> {
        Ok(self.object())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Members<'a>, Error> {
        Ok(self.object())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom(format!(
            "enum variant {variant} with data has no XML mapping"
        )))
    }
}

/// A sequence's items, each written as the element `name`.
struct Items<'a> {
    out: &'a mut String,
    name: &'a str,
    /// At the root: the root element to close.
    root: Option<&'a str>,
}

impl Items<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(Element {
            out: self.out,
            name: self.name,
            root: None,
        })
    }

    fn finish(self) -> Result<(), Error> {
        if let Some(root) = self.root {
            close(self.out, root);
        }
        Ok(())
    }
}

/// The three kinds of sequence serde knows, each an [`Items`].
macro_rules! items {
    ($($trait:ident :: $method:ident),*) => {
        $(impl ser::$trait for Items<'_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.item(value)
            }

            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        })*
    };
}

items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

/// An object's members, each written as the element of its key.
struct Members<'a> {
    out: &'a mut String,
    /// The object's own element, closed at the end.
    name: &'a str,
    /// A map's key, between `serialize_key` and `serialize_value`.
    key: Option<String>,
}

impl Members<'_> {
    fn member<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        // As the value writer: a key that is not an XML name cannot be an
        // element, and is left out rather than making the document unreadable.
        if !is_xml_name(key) {
            tracing::warn!(name = key, "skipping a key that is not an XML name");
            return Ok(());
        }
        value.serialize(Element {
            out: self.out,
            name: key,
            root: None,
        })
    }

    fn finish(self) -> Result<(), Error> {
        close(self.out, self.name);
        Ok(())
    }
}

impl ser::SerializeMap for Members<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key.serialize(Key)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ser::Error::custom("a map value without its key"))?;
        self.member(&key, value)
    }

    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for Members<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.member(key, value)
    }

    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// A map key, as JSON would write it: a string (numbers as their text).
struct Key;

fn not_a_key<T>() -> Result<T, Error> {
    Err(ser::Error::custom("a map key must be a string"))
}

macro_rules! key_displayed {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<String, Error> {
            Ok(v.to_string())
        })*
    };
}

impl ser::Serializer for Key {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = Impossible<String, Error>;
    type SerializeTuple = Impossible<String, Error>;
    type SerializeTupleStruct = Impossible<String, Error>;
    type SerializeTupleVariant = Impossible<String, Error>;
    type SerializeMap = Impossible<String, Error>;
    type SerializeStruct = Impossible<String, Error>;
    type SerializeStructVariant = Impossible<String, Error>;

    key_displayed!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_i128: i128, serialize_u128: u128, serialize_char: char, serialize_str: &str);

    fn serialize_f32(self, _v: f32) -> Result<String, Error> {
        not_a_key()
    }

    fn serialize_f64(self, _v: f64) -> Result<String, Error> {
        not_a_key()
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<String, Error> {
        not_a_key()
    }

    fn serialize_none(self) -> Result<String, Error> {
        not_a_key()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, Error> {
        not_a_key()
    }

    fn serialize_unit(self) -> Result<String, Error> {
        not_a_key()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, Error> {
        not_a_key()
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<String, Error> {
        Ok(variant.to_string())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<String, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, Error> {
        not_a_key()
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        not_a_key()
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        not_a_key()
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, Error> {
        not_a_key()
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        not_a_key()
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        not_a_key()
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, Error> {
        not_a_key()
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        not_a_key()
    }
}
