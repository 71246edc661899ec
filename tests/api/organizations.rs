//! The proof resource: `/api/setup/organizations`.

use serde_json::json;

use crate::harness::*;

engine_tests! {
    async fn organizations_are_created_read_listed_and_updated(app: &TestApp) {
        let response = app
            .post("/api/setup/organizations")
            .json(&json!({"name": "  Procurement  "}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201);
        let location = header(&response, "location");
        assert_eq!(header(&response, "etag"), "\"1\"");
        let created = json(response).await;
        assert_eq!(created["name"], "Procurement", "trimmed");
        assert_eq!(created["active"], true);
        assert_eq!(location, format!("/api/setup/organizations/{}", created["entityId"].as_str().expect("id")));

        let fetched = app.get(&location).send().await.expect("request");
        assert_eq!(fetched.status(), 200);
        assert_eq!(header(&fetched, "etag"), "\"1\"");
        assert_eq!(json(fetched).await, created);

        let updated = app
            .put(&location)
            .header("if-match", "\"1\"")
            .json(&json!({"name": "Purchasing", "active": false}))
            .send()
            .await
            .expect("request");
        assert_eq!(updated.status(), 200);
        assert_eq!(header(&updated, "etag"), "\"2\"");
        let updated = json(updated).await;
        assert_eq!(updated["name"], "Purchasing");
        assert_eq!(updated["active"], false);
        assert_eq!(updated["createdAt"], created["createdAt"], "createdAt never moves");
        assert_ne!(updated["modifiedAt"], created["modifiedAt"]);
    }

    async fn a_stale_if_match_gets_412_and_changes_nothing(app: &TestApp) {
        let created = create_organization(app, "Original").await;
        let path = format!("/api/setup/organizations/{}", created["entityId"].as_str().expect("id"));
        let first = app.put(&path).json(&json!({"name": "First"})).send().await.expect("request");
        assert_eq!(first.status(), 200);
        let stale = app
            .put(&path)
            .header("if-match", "\"1\"")
            .json(&json!({"name": "Lost update"}))
            .send()
            .await
            .expect("request");
        assert_eq!(stale.status(), 412);
        assert_eq!(json(stale).await["status"], 412);
        let now = json(app.get(&path).send().await.expect("request")).await;
        assert_eq!(now["name"], "First");
    }

    async fn unknown_organizations_are_404(app: &TestApp) {
        let path = format!("/api/setup/organizations/{}", uuid::Uuid::new_v4());
        let missing = app.get(&path).send().await.expect("request");
        assert_eq!(missing.status(), 404);
        assert_eq!(json(missing).await["detail"], "Organization not found");
        let update = app.put(&path).json(&json!({"name": "x"})).send().await.expect("request");
        assert_eq!(update.status(), 404);
    }

    async fn lists_page_in_creation_order(app: &TestApp) {
        for name in ["a", "b", "c"] {
            create_organization(app, name).await;
        }
        let page = json(app.get("/api/setup/organizations?limit=2&offset=1").send().await.expect("request")).await;
        assert_eq!(page["totalCount"], 3);
        assert_eq!(page["limit"], 2);
        let names: Vec<&str> = page["items"].as_array().expect("items").iter().filter_map(|o| o["name"].as_str()).collect();
        assert_eq!(names, ["b", "c"]);
        for bad in ["limit=0", "limit=201", "limit=x", "offset=-1"] {
            let response = app.get(&format!("/api/setup/organizations?{bad}")).send().await.expect("request");
            assert_eq!(response.status(), 400, "{bad}");
        }
        let xml = app
            .get("/api/setup/organizations")
            .header("accept", "application/xml")
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("body");
        assert_eq!(xml.matches("<items>").count(), 3, "arrays are unwrapped: {xml}");
    }

    async fn invalid_bodies_are_refused_with_every_reason(app: &TestApp) {
        let cases = [
            json!({}),
            json!({"name": ""}),
            json!({"name": "x".repeat(201)}),
            json!({"name": "ok", "unknown": true}),
            json!([]),
        ];
        for body in cases {
            let response = app.post("/api/setup/organizations").json(&body).send().await.expect("request");
            assert_eq!(response.status(), 400, "{body}");
        }
        let validation = json(
            app.post("/api/setup/organizations").json(&json!({"name": " "})).send().await.expect("request"),
        )
        .await;
        assert_eq!(validation["errors"][0]["field"], "name");
        let list = json(app.get("/api/setup/organizations").send().await.expect("request")).await;
        assert_eq!(list["totalCount"], 0);
    }
}
