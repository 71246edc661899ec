//! The vocabulary of the change history: what a write did, to which kind
//! of resource (the history is `store::changes`).

crate::wire! {
    /// What a write did to a resource.
    #[oai(rename = "ChangeOperation")]
    pub enum Operation {
        Create = "create",
        Update = "update",
        Delete = "delete",
    }
}

crate::wire! {
    /// A kind of resource whose changes are recorded (its table's name).
    #[oai(rename = "ResourceType")]
    pub enum ResourceType {
        Relationships = "relationships",
        RelationshipUsers = "relationship_users",
        RelatedUsers = "related_users",
        Organizations = "organizations",
        Users = "users",
        Suppliers = "suppliers",
        SupplierAddresses = "supplier_addresses",
        Classifications = "classifications",
        Categories = "categories",
        SubCategories = "sub_categories",
        ExtensionFields = "extension_fields",
        RelationshipUserTypes = "relationship_user_types",
        FormConfigurations = "form_configurations",
        ApiClients = "api_clients",
        ApiKeys = "api_keys",
        Webhooks = "webhooks",
    }
}
