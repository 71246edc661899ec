//! An answer waiting for the front line to encode it as `Accept` asks:
//! JSON or XML, from its own fields (serde) or, for error envelopes, from
//! its JSON value.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use poem_openapi::types::ToJSON;
use serde::Serialize;
use serde_json::Value;

use crate::{wire, xml};

/// A response body waiting for the negotiation layer to encode it as JSON or
/// XML: the body plus what XML needs (root element, namespace).
#[derive(Clone)]
pub struct Rendered {
    body: Arc<dyn Encode>,
    pub root: Cow<'static, str>,
    pub kind: BodyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json` or `application/xml`.
    Plain,
    /// `application/problem+json` or `application/problem+xml` (namespace
    /// `urn:ietf:rfc:7807`, root element `problem`).
    Problem,
}

impl Rendered {
    /// A body from its JSON value (an error envelope: rare, so not worth a twin).
    pub fn of<T: ToJSON>(value: &T) -> Self {
        Self::from_value(
            value.to_json().unwrap_or_default(),
            wire::name_of::<T>(),
            BodyKind::Plain,
        )
    }

    pub fn from_value(value: Value, root: Cow<'static, str>, kind: BodyKind) -> Self {
        Self {
            body: Arc::new(value),
            root,
            kind,
        }
    }

    /// A body encoded from its own fields (serde), without building a JSON
    /// value first: [`crate::wire!`] declares serde's attributes and the
    /// spec's together, and a test holds every answer type to that.
    pub fn typed<T: ToJSON + Serialize + Send + Sync + 'static>(body: T) -> Self {
        Self {
            body: Arc::new(Typed(body)),
            root: wire::name_of::<T>(),
            kind: BodyKind::Plain,
        }
    }

    /// The body as JSON text.
    pub fn json(&self) -> Vec<u8> {
        self.body.json()
    }

    /// The body as an XML document, its root element [`Rendered::root`].
    pub fn xml(&self, namespace: Option<&str>) -> String {
        let xml = self.body.xml(&self.root, namespace);
        if let Some(dir) = KEPT_XML.get() {
            keep(dir, &xml);
        }
        xml
    }
}

/// Where [`keep_xml_answers`] keeps copies of the XML answers, once asked.
static KEPT_XML: OnceLock<PathBuf> = OnceLock::new();

/// Keeps a copy of every XML answer this process writes from now on, one
/// file each in `dir` (which must exist): the tests collect them so that
/// `scripts/test` can validate each against the XML Schemas. Nothing is
/// kept unless this is called; a second call changes nothing.
pub fn keep_xml_answers(dir: PathBuf) {
    let _ = KEPT_XML.set(dir);
}

fn keep(dir: &std::path::Path, xml: &str) {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let file = dir.join(format!("answer-{}-{n}.xml", std::process::id()));
    if let Err(e) = std::fs::write(&file, xml) {
        tracing::warn!(file = %file.display(), error = %e, "cannot keep a copy of an XML answer");
    }
}

/// What a [`Rendered`] body is encoded from.
trait Encode: Send + Sync {
    fn json(&self) -> Vec<u8>;
    fn xml(&self, root: &str, namespace: Option<&str>) -> String;
}

impl Encode for Value {
    fn json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn xml(&self, root: &str, namespace: Option<&str>) -> String {
        xml::to_xml(root, namespace, self)
    }
}

struct Typed<T>(T);

impl<T: Serialize + Send + Sync> Encode for Typed<T> {
    fn json(&self) -> Vec<u8> {
        // Most answers fit; a list grows it a few times rather than some twenty.
        let mut out = Vec::with_capacity(4096);
        match serde_json::to_writer(&mut out, &self.0) {
            Ok(()) => out,
            Err(_) => Vec::new(),
        }
    }

    fn xml(&self, root: &str, namespace: Option<&str>) -> String {
        // Only a shape the mapping lacks (an enum variant with data) fails;
        // the value writer then writes it as its JSON value.
        xml::ser::to_xml(root, namespace, &self.0)
            .unwrap_or_else(|_| xml::to_xml(root, namespace, &serde_json::to_value(&self.0).unwrap_or_default()))
    }
}
