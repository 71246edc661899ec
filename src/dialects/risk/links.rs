//! The links a relationship carries: absolute URLs to itself, its update
//! and everything it refers to.

use uuid::Uuid;

use super::PATH;
use super::schema::{Link, Reference, Relationship, RelationshipWritten};
use crate::store::relationships::RelationshipView;

/// Builds absolute links under one base URL.
pub(super) struct Links {
    pub(super) base: String,
}

impl Links {
    /// `base` + `path` + `/id`, built without the formatting machinery (a
    /// list of 50 builds some 400 of these).
    fn href(&self, path: &str, id: Uuid) -> String {
        let mut href = String::with_capacity(self.base.len() + path.len() + 64);
        href.push_str(&self.base);
        href.push_str(path);
        push_id(&mut href, id);
        href
    }

    fn reference(&self, id: Uuid, name: Option<String>, href: String) -> Reference {
        Reference {
            entity_id: id,
            name: name.unwrap_or_default(),
            links: vec![Link {
                rel: "self".into(),
                href,
                method: "GET".into(),
            }],
        }
    }

    pub(super) fn written(&self, id: Uuid) -> RelationshipWritten {
        let href = self.href(PATH, id);
        RelationshipWritten {
            entity_id: id,
            links: vec![
                Link {
                    rel: "self".into(),
                    href: href.clone(),
                    method: "GET".into(),
                },
                Link {
                    rel: "update-relationship".into(),
                    href,
                    method: "PUT".into(),
                },
            ],
        }
    }

    pub(super) fn relationship(&self, view: RelationshipView) -> Relationship {
        let RelationshipView { record, names } = view;
        let s = record.state;
        let user = |id: Uuid| {
            let name = names.users.get(&id).map(|(first, last)| format!("{last}, {first}"));
            self.reference(id, name, self.href("/api/setup/users", id))
        };
        let written = self.written(record.entity_id);
        Relationship {
            entity_id: record.entity_id,
            relationship_number: record.number,
            name: s.name,
            status: s.status,
            start_effective_date: s.start_effective_date.into(),
            classification: s.classification,
            category: s.category,
            sub_category: s.sub_category,
            internal_access: s.internal_access,
            external_access: s.external_access,
            organizations: s
                .organizations
                .iter()
                .map(|&id| {
                    let name = names.organizations.get(&id).cloned();
                    self.reference(id, name, self.href("/api/setup/organizations", id))
                })
                .collect(),
            supplier: s.supplier.map(|id| {
                let name = names.suppliers.get(&id).cloned();
                self.reference(id, name, self.href("/api/setup/suppliers", id))
            }),
            parent_relationship: s.parent_relationship.map(|id| {
                let name = names.relationships.get(&id).cloned();
                self.reference(id, name, self.href(PATH, id))
            }),
            internal_manager: user(s.internal_manager),
            external_manager: user(s.external_manager),
            third_party_locations: s
                .third_party_locations
                .iter()
                .map(|&id| {
                    let (supplier, name) = names.addresses.get(&id).cloned().unzip();
                    let mut href = self.href("/api/setup/suppliers", supplier.unwrap_or_default());
                    href.push_str("/addresses");
                    push_id(&mut href, id);
                    self.reference(id, name, href)
                })
                .collect(),
            extension_fields: s.extension_fields,
            created_at: record.created_at.into(),
            modified_at: record.modified_at.into(),
            links: written.links,
        }
    }
}

/// Appends `/` and `id`, hyphenated.
fn push_id(href: &mut String, id: Uuid) {
    href.push('/');
    href.push_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
}
