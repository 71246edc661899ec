//! The setup API: every resource listed, created, read and updated alike,
//! and tenants kept apart.

use serde_json::{Value, json};

use crate::harness::*;

/// One setup resource: where it lives, a valid body, another valid body, and a field to check.
struct Resource {
    collection: String,
    create: Value,
    update: Value,
    field: &'static str,
}

/// Creates a supplier and a category to hang child resources on; returns every resource.
async fn resources(app: &TestApp) -> Vec<Resource> {
    let supplier = created(app, "/api/setup/suppliers", json!({"name": "Parent supplier"})).await;
    let category = created(app, "/api/setup/categories", json!({"name": "Parent category"})).await;
    vec![
        Resource {
            collection: "/api/setup/organizations".into(),
            create: json!({"name": "Org"}),
            update: json!({"name": "Org 2", "active": false}),
            field: "name",
        },
        Resource {
            collection: "/api/setup/users".into(),
            create: json!({"username": "jdoe", "firstName": "Jane", "lastName": "Doe", "email": "jdoe@example.com"}),
            update: json!({"username": "jdoe", "firstName": "Janet", "lastName": "Doe", "email": "jdoe@example.com"}),
            field: "firstName",
        },
        Resource {
            collection: "/api/setup/suppliers".into(),
            create: json!({"name": "Sup"}),
            update: json!({"name": "Sup 2"}),
            field: "name",
        },
        Resource {
            collection: format!("/api/setup/suppliers/{supplier}/addresses"),
            create: json!({"line1": "1 Road", "city": "Oslo", "country": "no"}),
            update: json!({"line1": "2 Road", "city": "Oslo", "country": "NO", "postalCode": "0150"}),
            field: "line1",
        },
        Resource {
            collection: "/api/setup/classifications".into(),
            create: json!({"value": "low"}),
            update: json!({"value": "lower"}),
            field: "value",
        },
        Resource {
            collection: "/api/setup/categories".into(),
            create: json!({"name": "Cat"}),
            update: json!({"name": "Cat 2"}),
            field: "name",
        },
        Resource {
            collection: format!("/api/setup/categories/{category}/subcategories"),
            create: json!({"name": "Sub"}),
            update: json!({"name": "Sub 2"}),
            field: "name",
        },
        Resource {
            collection: "/api/setup/extension_fields".into(),
            create: json!({"name": "riskScore", "maxLength": 10}),
            update: json!({"name": "riskScore", "maxLength": 20, "required": true}),
            field: "maxLength",
        },
    ]
}

async fn created(app: &TestApp, collection: &str, body: Value) -> String {
    let response = app.post(collection).json(&body).send().await.expect("request");
    assert_eq!(response.status(), 201, "create in {collection}");
    json(response).await["entityId"].as_str().expect("entityId").to_string()
}

/// The JSON body as the OpenAPI default XML mapping writes it.
fn as_xml(root: &str, body: &Value) -> String {
    let fields: String = body
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| {
            format!(
                "<{k}>{}</{k}>",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            )
        })
        .collect();
    format!("<{root}>{fields}</{root}>")
}

engine_tests! {
    async fn every_setup_resource_is_created_read_listed_and_updated(app: &TestApp) {
        for resource in resources(app).await {
            let c = &resource.collection;
            let response = app.post(c).json(&resource.create).send().await.expect("request");
            assert_eq!(response.status(), 201, "{c}");
            let location = header(&response, "location");
            let created = json(response).await;
            assert_eq!(created["version"], 1, "{c}");
            assert_eq!(location, format!("{c}/{}", created["entityId"].as_str().expect("id")));

            let fetched = app.get(&location).header("accept", "application/xml").send().await.expect("request");
            assert_eq!(fetched.status(), 200, "{c}");
            assert_eq!(header(&fetched, "etag"), "\"1\"");
            assert!(fetched.text().await.expect("body").contains("<entityId>"), "{c}");

            let list = json(app.get(c).send().await.expect("request")).await;
            assert!(list["items"].as_array().expect("items").iter().any(|i| i["entityId"] == created["entityId"]), "{c}");

            let root = format!("{}Input", list_root(c));
            let updated = app
                .put(&location)
                .header("if-match", "\"1\"")
                .header("content-type", "application/xml")
                .body(as_xml(&root, &resource.update))
                .send()
                .await
                .expect("request");
            assert_eq!(updated.status(), 200, "{c}");
            let updated = json(updated).await;
            assert_eq!(updated[resource.field], resource.update[resource.field].as_str().map_or(resource.update[resource.field].clone(), |s| json!(s)), "{c}");
            assert_eq!(updated["version"], 2, "{c}");

            let stale = app.put(&location).header("if-match", "\"1\"").json(&resource.update).send().await.expect("request");
            assert_eq!(stale.status(), 412, "{c}");

            let mut unknown = resource.create.clone();
            unknown["isAdmin"] = json!(true);
            let refused = app.post(c).json(&unknown).send().await.expect("request");
            assert_eq!(refused.status(), 400, "{c}: unknown fields are refused");
        }
    }

    async fn duplicates_conflict_and_invalid_values_are_all_reported(app: &TestApp) {
        created(app, "/api/setup/classifications", json!({"value": "high"})).await;
        let duplicate = app.post("/api/setup/classifications").json(&json!({"value": "high"})).send().await.expect("request");
        assert_eq!(duplicate.status(), 409);
        created(app, "/api/setup/users", json!({"username": "dup", "firstName": "A", "lastName": "B", "email": "a@b.co"})).await;
        let duplicate = app.post("/api/setup/users").json(&json!({"username": "dup", "firstName": "C", "lastName": "D", "email": "c@d.co"})).send().await.expect("request");
        assert_eq!(duplicate.status(), 409);

        let invalid = app.post("/api/setup/users").json(&json!({"username": "no spaces", "firstName": " ", "lastName": "B", "email": "nope"})).send().await.expect("request");
        assert_eq!(invalid.status(), 400);
        let body = json(invalid).await;
        let fields: Vec<&str> = body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["username", "firstName", "email"]);

        let bad_field = app.post("/api/setup/extension_fields").json(&json!({"name": "1 bad", "maxLength": 0})).send().await.expect("request");
        assert_eq!(json(bad_field).await["errors"].as_array().map(Vec::len), Some(2));
    }

    async fn user_ids_are_per_tenant_numbers(app: &TestApp) {
        let user = json!({"username": "u1", "firstName": "A", "lastName": "B", "email": "a@b.co"});
        let first = json(app.post("/api/setup/users").json(&user).send().await.expect("request")).await;
        let other = app.token_of("globex", &["setup.write"]).await;
        let theirs = app.client.post(app.url("/api/setup/users")).bearer_auth(&other).json(&user).send().await.expect("request");
        assert_eq!(theirs.status(), 201, "usernames are unique per tenant only");
        assert_eq!(json(theirs).await["id"], first["id"], "each tenant counts from 1");
    }

    async fn another_tenant_gets_404_for_every_resource_on_every_operation(app: &TestApp) {
        let other = app.token_of("globex", &["setup.read", "setup.write"]).await;
        for resource in resources(app).await {
            let c = &resource.collection;
            let id = created(app, c, resource.create.clone()).await;
            let item = format!("{c}/{id}");
            let get = app.client.get(app.url(&item)).bearer_auth(&other).send().await.expect("request");
            assert_eq!(get.status(), 404, "GET {item}");
            let put = app.client.put(app.url(&item)).bearer_auth(&other).json(&resource.update).send().await.expect("request");
            assert_eq!(put.status(), 404, "PUT {item}");
            let list = app.client.get(app.url(c)).bearer_auth(&other).send().await.expect("request");
            if c.matches('/').count() > 3 {
                // Child collections of another tenant's parent do not exist either.
                assert_eq!(list.status(), 404, "GET {c}");
                let post = app.client.post(app.url(c)).bearer_auth(&other).json(&resource.create).send().await.expect("request");
                assert_eq!(post.status(), 404, "POST {c}");
            } else {
                assert_eq!(json(list).await["totalCount"], 0, "GET {c}");
            }
            // And the owner still sees it unchanged.
            let mine = json(app.get(&item).send().await.expect("request")).await;
            assert_eq!(mine["version"], 1, "{item}");
        }
    }
}

/// The schema name stem of a collection (`/api/setup/suppliers/x/addresses` → `SupplierAddress`).
fn list_root(collection: &str) -> &'static str {
    match collection.rsplit('/').next().unwrap_or_default() {
        "organizations" => "Organization",
        "users" => "User",
        "suppliers" => "Supplier",
        "addresses" => "SupplierAddress",
        "classifications" => "Classification",
        "categories" | "subcategories" => "Category",
        "extension_fields" => "ExtensionField",
        other => panic!("unknown collection {other}"),
    }
}

#[tokio::test]
async fn seeding_the_demo_twice_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = liaison::store::Store::connect(&format!("sqlite://{}/demo.db", dir.path().display()))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let settings = liaison::demo::DemoSettings::default();
    let first = liaison::demo::seed(&store, &settings).await.expect("seed");
    let page = liaison::domain::Page { limit: 200, offset: 0 };
    let users = store
        .record_list::<liaison::domain::setup::User>(first.tenant, None, page, None)
        .await
        .expect("list");
    let second = liaison::demo::seed(&store, &settings).await.expect("seed again");
    assert_eq!(first.client_id, second.client_id);
    // Secrets are kept only as hashes, so each start prints new ones.
    assert_ne!(first.client_secret, second.client_secret);
    assert_ne!(first.api_key, second.api_key);
    let again = store
        .record_list::<liaison::domain::setup::User>(first.tenant, None, page, None)
        .await
        .expect("list");
    assert_eq!(users.1, again.1);
    assert_eq!(users.1, 3);
    let fixed = liaison::demo::DemoSettings {
        client_id: Some("demo-fixed".into()),
        client_secret: Some("fixed-secret".into()),
    };
    assert_eq!(
        liaison::demo::seed(&store, &fixed).await.expect("seed fixed").client_id,
        "demo-fixed"
    );
}
