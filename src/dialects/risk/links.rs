//! The links a relationship carries: absolute URLs to itself, its update
//! and everything it refers to.

use uuid::Uuid;

use super::PATH;
use super::schema::{Link, Reference, Relationship, RelationshipWritten, access_level, status};
use crate::store::relationships::RelationshipView;

/// Builds absolute links under one base URL.
pub(super) struct Links {
    pub(super) base: String,
}

impl Links {
    fn get(&self, rel: &str, path: String) -> Link {
        Link {
            rel: rel.into(),
            href: format!("{}{path}", self.base),
            method: "GET".into(),
        }
    }

    pub(super) fn written(&self, id: Uuid) -> RelationshipWritten {
        let href = format!("{}{PATH}/{id}", self.base);
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

    fn reference(&self, id: Uuid, name: Option<String>, path: String) -> Reference {
        Reference {
            entity_id: id,
            name: name.unwrap_or_default(),
            links: vec![self.get("self", path)],
        }
    }

    pub(super) fn relationship(&self, view: RelationshipView) -> Relationship {
        let RelationshipView { record, names } = view;
        let s = record.state;
        let user = |id: Uuid| {
            let name = names.users.get(&id).map(|(first, last)| format!("{last}, {first}"));
            self.reference(id, name, format!("/api/setup/users/{id}"))
        };
        let written = self.written(record.entity_id);
        Relationship {
            entity_id: record.entity_id,
            relationship_number: record.number,
            name: s.name,
            status: status(s.status),
            start_effective_date: s.start_effective_date,
            classification: s.classification,
            category: s.category,
            sub_category: s.sub_category,
            internal_access: access_level(s.internal_access),
            external_access: access_level(s.external_access),
            organizations: s
                .organizations
                .iter()
                .map(|&id| {
                    let name = names.organizations.get(&id).cloned();
                    self.reference(id, name, format!("/api/setup/organizations/{id}"))
                })
                .collect(),
            supplier: s.supplier.map(|id| {
                let name = names.suppliers.get(&id).cloned();
                self.reference(id, name, format!("/api/setup/suppliers/{id}"))
            }),
            parent_relationship: s.parent_relationship.map(|id| {
                let name = names.relationships.get(&id).cloned();
                self.reference(id, name, format!("{PATH}/{id}"))
            }),
            internal_manager: user(s.internal_manager),
            external_manager: user(s.external_manager),
            third_party_locations: s
                .third_party_locations
                .iter()
                .map(|&id| {
                    let (supplier, name) = names.addresses.get(&id).cloned().unzip();
                    let path = format!("/api/setup/suppliers/{}/addresses/{id}", supplier.unwrap_or_default());
                    self.reference(id, name, path)
                })
                .collect(),
            extension_fields: s.extension_fields,
            created_at: record.created_at,
            modified_at: record.modified_at,
            links: written.links,
        }
    }
}
