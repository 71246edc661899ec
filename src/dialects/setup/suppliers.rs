//! `/api/setup/suppliers`: third parties, and their addresses
//! (`/api/setup/suppliers/{supplierId}/addresses`), which relationships
//! name as `thirdPartyLocations`.

use poem_openapi::Object;
use poem_openapi::types::Example;
use uuid::Uuid;

use super::{Input, Meta, Resource, WriteContext, named_resource, setup_api};
use crate::codec::text::Text;
use crate::domain::FieldError;
use crate::domain::setup as domain;
use crate::domain::setup::NAME_MAX;
use crate::domain::text::{CountryCode, Line, OptionalLine};
use crate::store::setup::records::Stored;

named_resource! {
    /// A supplier (third party) a relationship is with.
    Supplier, SupplierInput,
    body: "What a client sends to create or replace a supplier.", name: "Display name, 1-200 characters.", example: "Acme Supplies"
}

crate::wire! {
    /// An address of a supplier.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct SupplierAddress {
        pub entity_id: Uuid,
        pub supplier_id: Uuid,
        pub line1: String,
        #[skip_none]
        pub line2: Option<String>,
        pub city: String,
        #[skip_none]
        pub postal_code: Option<String>,
        /// ISO 3166-1 alpha-2.
        pub country: String,
        pub active: bool,
        #[flatten]
        pub meta: Meta,
    }
}

impl Resource for SupplierAddress {
    type Data = domain::SupplierAddress;

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            meta: (&s).into(),
            entity_id: s.entity_id,
            supplier_id: s.parent_id.unwrap_or_default(),
            line1: s.data.line1,
            line2: s.data.line2,
            city: s.data.city,
            postal_code: s.data.postal_code,
            country: s.data.country,
            active: s.data.active,
        }
    }
}

/// What a client sends to create or replace a supplier address.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct SupplierAddressInput {
    /// 1-200 characters on one line, not blank; stored trimmed.
    pub line1: Text<Line<NAME_MAX>>,
    /// Up to 200 characters on one line; blank or `null` means none.
    #[oai(nullable, skip_serializing_if_is_none)]
    pub line2: Option<Text<OptionalLine<NAME_MAX>>>,
    /// 1-100 characters on one line, not blank; stored trimmed.
    pub city: Text<Line<100>>,
    /// Up to 20 characters on one line; blank or `null` means none.
    #[oai(nullable, skip_serializing_if_is_none)]
    pub postal_code: Option<Text<OptionalLine<20>>>,
    /// ISO 3166-1 alpha-2, two letters, e.g. `DE` (stored upper-case).
    pub country: Text<CountryCode>,
    /// Defaults to `true` (absent or `null`); `false` deactivates.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub active: Option<bool>,
}

impl Example for SupplierAddressInput {
    fn example() -> Self {
        Self {
            line1: "1 Harbour Road".into(),
            line2: None,
            city: "Hamburg".into(),
            postal_code: Some("20457".into()),
            country: "DE".into(),
            active: Some(true),
        }
    }
}

impl Input for SupplierAddressInput {
    type Data = domain::SupplierAddress;

    fn into_data(self, _: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>> {
        domain::SupplierAddress::parse(
            &self.line1,
            self.line2.as_deref(),
            &self.city,
            self.postal_code.as_deref(),
            &self.country,
            self.active,
        )
    }
}

setup_api! {
    SuppliersApi, "/api/setup/suppliers", "/", "/:entityId", Supplier, SupplierInput,
    list: "listSuppliers", "List suppliers",
    create: "createSupplier", "Create a supplier",
    get: "getSupplier", "Get a supplier",
    update: "updateSupplier", "Update a supplier",
    example: "crate::demo::examples::supplier",
}

setup_api! {
    SupplierAddressesApi, "/api/setup/suppliers", "/:supplierId/addresses", "/:supplierId/addresses/:entityId", SupplierAddress, SupplierAddressInput,
    list: "listSupplierAddresses", "List a supplier's addresses",
    create: "createSupplierAddress", "Add an address to a supplier",
    get: "getSupplierAddress", "Get a supplier address",
    update: "updateSupplierAddress", "Update a supplier address",
    example: "crate::demo::examples::supplier_address",
    parent: "supplierId" => Supplier, example: "crate::demo::examples::supplier",
}
