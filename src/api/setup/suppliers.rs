//! `/api/setup/suppliers`: third parties, and their addresses
//! (`/api/setup/suppliers/{supplierId}/addresses`), which relationships
//! name as `thirdPartyLocations`.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use super::{Created, Fetched, Listed, Resource, invalid, page, require_parent};
use crate::api::{ApiContext, ApiTag};
use crate::auth::Scope;
use crate::domain::setup as domain;
use crate::http::auth::Bearer;
use crate::http::{Body, ProblemError};
use crate::store::records::Stored;

const COLLECTION: &str = "/api/setup/suppliers";

/// A supplier (third party) a relationship is with.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Supplier {
    pub entity_id: Uuid,
    pub name: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for Supplier {
    type Data = domain::Supplier;
    const NAME: &'static str = "Supplier";

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            entity_id: s.entity_id,
            name: s.data.name,
            active: s.data.active,
            version: s.version.0,
            created_at: s.created_at,
            modified_at: s.modified_at,
        }
    }
}

/// What a client sends to create or replace a supplier.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct SupplierInput {
    #[oai(validator(max_length = 200))]
    pub name: String,
    /// Defaults to `true`; `false` deactivates.
    pub active: Option<bool>,
}

impl Example for SupplierInput {
    fn example() -> Self {
        Self {
            name: "Acme Supplies".into(),
            active: Some(true),
        }
    }
}

impl SupplierInput {
    fn parse(self) -> Result<domain::Supplier, ProblemError> {
        Ok(domain::Supplier::parse(&self.name, self.active).map_err(invalid)?)
    }
}

/// An address of a supplier.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct SupplierAddress {
    pub entity_id: Uuid,
    pub supplier_id: Uuid,
    pub line1: String,
    #[oai(skip_serializing_if_is_none)]
    pub line2: Option<String>,
    pub city: String,
    #[oai(skip_serializing_if_is_none)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for SupplierAddress {
    type Data = domain::SupplierAddress;
    const NAME: &'static str = "Supplier address";

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            entity_id: s.entity_id,
            supplier_id: s.parent_id.unwrap_or_default(),
            line1: s.data.line1,
            line2: s.data.line2,
            city: s.data.city,
            postal_code: s.data.postal_code,
            country: s.data.country,
            active: s.data.active,
            version: s.version.0,
            created_at: s.created_at,
            modified_at: s.modified_at,
        }
    }
}

/// What a client sends to create or replace a supplier address.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct SupplierAddressInput {
    #[oai(validator(max_length = 200))]
    pub line1: String,
    #[oai(skip_serializing_if_is_none, validator(max_length = 200))]
    pub line2: Option<String>,
    #[oai(validator(max_length = 100))]
    pub city: String,
    #[oai(skip_serializing_if_is_none, validator(max_length = 20))]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
    /// Defaults to `true`; `false` deactivates.
    #[oai(skip_serializing_if_is_none)]
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

impl SupplierAddressInput {
    fn parse(self) -> Result<domain::SupplierAddress, ProblemError> {
        Ok(domain::SupplierAddress::parse(
            &self.line1,
            self.line2.as_deref(),
            &self.city,
            self.postal_code.as_deref(),
            &self.country,
            self.active,
        )
        .map_err(invalid)?)
    }
}

pub struct SuppliersApi {
    ctx: ApiContext,
}

impl SuppliersApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

#[OpenApi(prefix_path = "/api/setup/suppliers", tag = "ApiTag::Setup")]
impl SuppliersApi {
    /// List suppliers
    ///
    /// Pages through suppliers of the caller's tenant, oldest first (`limit` 1-200, default 50; `offset`).
    #[oai(path = "/", method = "get", operation_id = "listSuppliers")]
    async fn suppliers_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<Supplier>, ProblemError> {
        super::list(&self.ctx.store, auth.0.tenant, None, page(limit.0, offset.0)).await
    }

    /// Create a supplier
    ///
    /// Creates it in the caller's tenant: 201 with `Location` and `ETag`. Fields the schema does not know are refused (400), never stored.
    #[oai(path = "/", method = "post", operation_id = "createSupplier")]
    async fn suppliers_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        body: Body<SupplierInput>,
    ) -> Result<Created<Supplier>, ProblemError> {
        super::create(&self.ctx.store, auth.0.tenant, None, COLLECTION, body.0.parse()?).await
    }

    /// Get a supplier
    ///
    /// One of the caller's tenant, with its `ETag`; another tenant's is 404.
    #[oai(path = "/:supplierId", method = "get", operation_id = "getSupplier")]
    async fn suppliers_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "supplierId")] supplier_id: Path<Uuid>,
    ) -> Result<Fetched<Supplier>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, None, supplier_id.0).await
    }

    /// Update a supplier
    ///
    /// Replaces it. With `If-Match`, only while the ETag is current (else 412 and nothing changes). Deactivate with `active: false` rather than deleting.
    #[oai(path = "/:supplierId", method = "put", operation_id = "updateSupplier")]
    async fn suppliers_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "supplierId")] supplier_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<SupplierInput>,
    ) -> Result<Fetched<Supplier>, ProblemError> {
        let data = body.0.parse()?;
        super::update(
            &self.ctx.store,
            auth.0.tenant,
            None,
            supplier_id.0,
            if_match.0.as_deref(),
            data,
        )
        .await
    }

    /// List a supplier's addresses
    ///
    /// Pages through them, oldest first (`limit` 1-200, default 50; `offset`); a parent of another tenant is 404.
    #[oai(
        path = "/:supplierId/addresses",
        method = "get",
        operation_id = "listSupplierAddresses"
    )]
    async fn supplier_addresses_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "supplierId")] supplier_id: Path<Uuid>,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<SupplierAddress>, ProblemError> {
        let tenant = auth.0.tenant;
        require_parent::<Supplier>(&self.ctx.store, tenant, supplier_id.0).await?;
        super::list(&self.ctx.store, tenant, Some(supplier_id.0), page(limit.0, offset.0)).await
    }

    /// Add an address to a supplier
    ///
    /// Creates it under the parent (404 when the parent is not the caller's tenant's): 201 with `Location` and `ETag`. Unknown fields are refused (400).
    #[oai(
        path = "/:supplierId/addresses",
        method = "post",
        operation_id = "createSupplierAddress"
    )]
    async fn supplier_addresses_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "supplierId")] supplier_id: Path<Uuid>,
        body: Body<SupplierAddressInput>,
    ) -> Result<Created<SupplierAddress>, ProblemError> {
        let tenant = auth.0.tenant;
        require_parent::<Supplier>(&self.ctx.store, tenant, supplier_id.0).await?;
        let collection = format!("{COLLECTION}/{}/addresses", supplier_id.0);
        super::create(
            &self.ctx.store,
            tenant,
            Some(supplier_id.0),
            &collection,
            body.0.parse()?,
        )
        .await
    }

    /// Get a supplier address
    ///
    /// One of the caller's tenant under that parent, with its `ETag`; otherwise 404.
    #[oai(
        path = "/:supplierId/addresses/:addressId",
        method = "get",
        operation_id = "getSupplierAddress"
    )]
    async fn supplier_addresses_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "supplierId")] supplier_id: Path<Uuid>,
        #[oai(name = "addressId")] address_id: Path<Uuid>,
    ) -> Result<Fetched<SupplierAddress>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, Some(supplier_id.0), address_id.0).await
    }

    /// Update a supplier address
    ///
    /// Replaces it. With `If-Match`, only while the ETag is current (else 412 and nothing changes). Deactivate with `active: false`.
    #[oai(
        path = "/:supplierId/addresses/:addressId",
        method = "put",
        operation_id = "updateSupplierAddress"
    )]
    async fn supplier_addresses_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "supplierId")] supplier_id: Path<Uuid>,
        #[oai(name = "addressId")] address_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<SupplierAddressInput>,
    ) -> Result<Fetched<SupplierAddress>, ProblemError> {
        let data = body.0.parse()?;
        let (tenant, parent) = (auth.0.tenant, Some(supplier_id.0));
        super::update(
            &self.ctx.store,
            tenant,
            parent,
            address_id.0,
            if_match.0.as_deref(),
            data,
        )
        .await
    }
}
