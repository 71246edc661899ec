//! `/api/setup/categories`: the values of a relationship's `category`, each
//! with its subcategories (`/api/setup/categories/{categoryId}/subcategories`).

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

const COLLECTION: &str = "/api/setup/categories";

/// A category value.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Category {
    pub entity_id: Uuid,
    /// Unique in the tenant, 1-200 characters, matched exactly.
    pub name: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for Category {
    type Data = domain::Category;
    const NAME: &'static str = "Category";

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

/// A subcategory value of one category.
#[derive(Object, Debug, Clone, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct SubCategory {
    pub entity_id: Uuid,
    pub category_id: Uuid,
    /// Unique within its category, 1-200 characters.
    pub name: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Resource for SubCategory {
    type Data = domain::SubCategory;
    const NAME: &'static str = "Subcategory";

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            entity_id: s.entity_id,
            category_id: s.parent_id.unwrap_or_default(),
            name: s.data.0.name,
            active: s.data.0.active,
            version: s.version.0,
            created_at: s.created_at,
            modified_at: s.modified_at,
        }
    }
}

/// What a client sends to create or replace a category or a subcategory.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct CategoryInput {
    #[oai(validator(max_length = 200))]
    pub name: String,
    /// Defaults to `true`; `false` deactivates.
    pub active: Option<bool>,
}

impl Example for CategoryInput {
    fn example() -> Self {
        Self {
            name: "Cat1".into(),
            active: Some(true),
        }
    }
}

impl CategoryInput {
    fn parse(self) -> Result<domain::Category, ProblemError> {
        Ok(domain::Category::parse(&self.name, self.active).map_err(invalid)?)
    }
}

pub struct CategoriesApi {
    ctx: ApiContext,
}

impl CategoriesApi {
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }
}

#[OpenApi(prefix_path = "/api/setup/categories", tag = "ApiTag::Setup")]
impl CategoriesApi {
    /// List categories
    ///
    /// Pages through categories of the caller's tenant, oldest first (`limit` 1-200, default 50; `offset`).
    #[oai(path = "/", method = "get", operation_id = "listCategories")]
    async fn categories_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<Category>, ProblemError> {
        super::list(&self.ctx.store, auth.0.tenant, None, page(limit.0, offset.0)).await
    }

    /// Create a category
    ///
    /// A name already present in the tenant: 409.
    #[oai(path = "/", method = "post", operation_id = "createCategory")]
    async fn categories_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        body: Body<CategoryInput>,
    ) -> Result<Created<Category>, ProblemError> {
        super::create(&self.ctx.store, auth.0.tenant, None, COLLECTION, body.0.parse()?).await
    }

    /// Get a category
    ///
    /// One of the caller's tenant, with its `ETag`; another tenant's is 404.
    #[oai(path = "/:categoryId", method = "get", operation_id = "getCategory")]
    async fn categories_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "categoryId")] category_id: Path<Uuid>,
    ) -> Result<Fetched<Category>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, None, category_id.0).await
    }

    /// Update a category
    ///
    /// Replaces it. With `If-Match`, only while the ETag is current (else 412 and nothing changes). Deactivate with `active: false` rather than deleting.
    #[oai(path = "/:categoryId", method = "put", operation_id = "updateCategory")]
    async fn categories_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "categoryId")] category_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<CategoryInput>,
    ) -> Result<Fetched<Category>, ProblemError> {
        let data = body.0.parse()?;
        super::update(
            &self.ctx.store,
            auth.0.tenant,
            None,
            category_id.0,
            if_match.0.as_deref(),
            data,
        )
        .await
    }

    /// List a category's subcategories
    ///
    /// Pages through them, oldest first (`limit` 1-200, default 50; `offset`); a parent of another tenant is 404.
    #[oai(
        path = "/:categoryId/subcategories",
        method = "get",
        operation_id = "listSubCategories"
    )]
    async fn sub_categories_list(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "categoryId")] category_id: Path<Uuid>,
        /// Page size, 1-200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
        /// Rows to skip (default 0).
        offset: Query<Option<u64>>,
    ) -> Result<Listed<SubCategory>, ProblemError> {
        let tenant = auth.0.tenant;
        require_parent::<Category>(&self.ctx.store, tenant, category_id.0).await?;
        super::list(&self.ctx.store, tenant, Some(category_id.0), page(limit.0, offset.0)).await
    }

    /// Add a subcategory to a category
    ///
    /// Creates it under the parent (404 when the parent is not the caller's tenant's): 201 with `Location` and `ETag`. Unknown fields are refused (400).
    #[oai(
        path = "/:categoryId/subcategories",
        method = "post",
        operation_id = "createSubCategory"
    )]
    async fn sub_categories_create(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "categoryId")] category_id: Path<Uuid>,
        body: Body<CategoryInput>,
    ) -> Result<Created<SubCategory>, ProblemError> {
        let tenant = auth.0.tenant;
        require_parent::<Category>(&self.ctx.store, tenant, category_id.0).await?;
        let collection = format!("{COLLECTION}/{}/subcategories", category_id.0);
        let data = domain::SubCategory(body.0.parse()?);
        super::create(&self.ctx.store, tenant, Some(category_id.0), &collection, data).await
    }

    /// Get a subcategory
    ///
    /// One of the caller's tenant under that parent, with its `ETag`; otherwise 404.
    #[oai(
        path = "/:categoryId/subcategories/:subCategoryId",
        method = "get",
        operation_id = "getSubCategory"
    )]
    async fn sub_categories_get(
        &self,
        #[oai(scope = "Scope::SetupRead")] auth: Bearer,
        #[oai(name = "categoryId")] category_id: Path<Uuid>,
        #[oai(name = "subCategoryId")] sub_category_id: Path<Uuid>,
    ) -> Result<Fetched<SubCategory>, ProblemError> {
        super::get(&self.ctx.store, auth.0.tenant, Some(category_id.0), sub_category_id.0).await
    }

    /// Update a subcategory
    ///
    /// Replaces it. With `If-Match`, only while the ETag is current (else 412 and nothing changes). Deactivate with `active: false`.
    #[oai(
        path = "/:categoryId/subcategories/:subCategoryId",
        method = "put",
        operation_id = "updateSubCategory"
    )]
    async fn sub_categories_update(
        &self,
        #[oai(scope = "Scope::SetupWrite")] auth: Bearer,
        #[oai(name = "categoryId")] category_id: Path<Uuid>,
        #[oai(name = "subCategoryId")] sub_category_id: Path<Uuid>,
        /// An ETag from an earlier GET or PUT.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<CategoryInput>,
    ) -> Result<Fetched<SubCategory>, ProblemError> {
        let data = domain::SubCategory(body.0.parse()?);
        let (tenant, parent) = (auth.0.tenant, Some(category_id.0));
        super::update(
            &self.ctx.store,
            tenant,
            parent,
            sub_category_id.0,
            if_match.0.as_deref(),
            data,
        )
        .await
    }
}
