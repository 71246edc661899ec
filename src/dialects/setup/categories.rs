//! `/api/setup/categories`: the values of a relationship's `category`, each
//! with its subcategories (`/api/setup/categories/{categoryId}/subcategories`).

use poem_openapi::Object;
use poem_openapi::types::Example;
use uuid::Uuid;

use super::{Input, Meta, Resource, WriteContext, named_resource, setup_api};
use crate::codec::text::Text;
use crate::domain::FieldError;
use crate::domain::setup as domain;
use crate::domain::setup::NAME_MAX;
use crate::domain::text::Line;
use crate::store::setup::records::Stored;

named_resource! {
    /// A category value.
    Category, CategoryInput,
    body: "What a client sends to create or replace a category.", name: "Unique in the tenant, 1-200 characters, matched exactly.", example: "Cat1"
}

crate::wire! {
    /// A subcategory value of one category.
    #[derive(Debug, Clone, PartialEq)]
    #[rename_all = "camelCase"]
    pub struct SubCategory {
        pub entity_id: Uuid,
        pub category_id: Uuid,
        /// Unique within its category, 1-200 characters.
        pub name: String,
        pub active: bool,
        #[flatten]
        pub meta: Meta,
    }
}

impl Resource for SubCategory {
    type Data = domain::SubCategory;

    fn from_stored(s: Stored<Self::Data>) -> Self {
        Self {
            meta: (&s).into(),
            entity_id: s.entity_id,
            category_id: s.parent_id.unwrap_or_default(),
            name: s.data.0.name,
            active: s.data.0.active,
        }
    }
}

/// A subcategory is written with the same body as a category.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase", deny_unknown_fields, example)]
pub struct SubCategoryInput {
    /// 1-200 characters on one line (no control characters), not blank;
    /// stored trimmed.
    pub name: Text<Line<NAME_MAX>>,
    /// Defaults to `true` (absent or `null`); `false` deactivates.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub active: Option<bool>,
}

impl Example for SubCategoryInput {
    fn example() -> Self {
        Self {
            name: "SubCat1".into(),
            active: Some(true),
        }
    }
}

impl Input for SubCategoryInput {
    type Data = domain::SubCategory;

    fn into_data(self, _: &WriteContext<'_, Self::Data>) -> Result<Self::Data, Vec<FieldError>> {
        domain::Category::parse(&self.name, self.active).map(domain::SubCategory)
    }
}

setup_api! {
    CategoriesApi, "/api/setup/categories", "/", "/:entityId", Category, CategoryInput,
    list: "listCategories", "List categories",
    create: "createCategory", "Create a category",
    get: "getCategory", "Get a category",
    update: "updateCategory", "Update a category",
    example: "crate::demo::examples::category",
    unique: "the name",
}

setup_api! {
    SubCategoriesApi, "/api/setup/categories", "/:categoryId/subcategories", "/:categoryId/subcategories/:entityId", SubCategory, SubCategoryInput,
    list: "listSubCategories", "List a category's subcategories",
    create: "createSubCategory", "Add a subcategory to a category",
    get: "getSubCategory", "Get a subcategory",
    update: "updateSubCategory", "Update a subcategory",
    example: "crate::demo::examples::sub_category",
    parent: "categoryId" => Category, example: "crate::demo::examples::category",
    unique: "the name within its category",
}
