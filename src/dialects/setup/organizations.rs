//! `/api/setup/organizations`: the tenant's organizations.

use super::{named_resource, setup_api};

named_resource! {
    /// An organization of the tenant: relationships belong to one or more.
    Organization, OrganizationInput,
    body: "What a client sends to create or replace an organization.", name: "Display name, 1-200 characters.", example: "Procurement"
}

setup_api! {
    OrganizationsApi, "/api/setup/organizations", "/", "/:entityId", Organization, OrganizationInput,
    list: "listOrganizations", "List organizations",
    create: "createOrganization", "Create an organization",
    get: "getOrganization", "Get an organization",
    update: "updateOrganization", "Update an organization",
    example: "crate::demo::examples::organization",
}
