//! Risk relationships (seeds/002): the documented example, every rule, both encodings.

use serde_json::{Value, json};

use crate::harness::*;

const EXAMPLE_ID: &str = "d32a9192-353c-45fe-bbd4-b88702800467";
const SUPPLIER: &str = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10";
const ADDRESS: &str = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d11";

/// The document's example request body, verbatim.
const EXAMPLE_BODY: &str = r#"{
  "name": "Example relationship (updated)",
  "startEffectiveDate": "2026-05-01",
  "organizations": [
    "3fa85f64-5717-4562-b3fc-2c963f66afa6"
  ],
  "internalManager": "a218d8e5-8c7a-4f3e-9b12-111111111111",
  "externalManager": "b218d8e5-8c7a-4f3e-9b12-222222222222",
  "classification": "classification1",
  "category": "Cat1",
  "internalAccess": "Team",
  "externalAccess": "Team",
  "status": "Relationship_Active"
}"#;

fn example() -> Value {
    serde_json::from_str(EXAMPLE_BODY).expect("example is JSON")
}

/// Sends `body` in `enc` with `token`.
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    enc: Enc,
    body: &Value,
) -> reqwest::Response {
    let authorization = format!("Bearer {token}");
    send_body(app, method, path, &authorization, (enc, "RelationshipInput"), body).await
}

async fn put(app: &TestApp, token: &str, enc: Enc, body: &Value) -> reqwest::Response {
    send(
        app,
        reqwest::Method::PUT,
        &format!("/api/relationships/{EXAMPLE_ID}"),
        token,
        enc,
        body,
    )
    .await
}

async fn get(app: &TestApp, token: &str, id: &str) -> Value {
    let response = app
        .client
        .get(app.url(&format!("/api/relationships/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    json(response).await["result"].clone()
}

/// The `errors[].message` texts of a 400.
async fn messages(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), 400);
    let body = json(response).await;
    assert_eq!(body["success"], false);
    assert_eq!(body["result"], Value::Null);
    body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            assert_eq!(e["errorCode"], "ValidationError");
            e["message"].as_str().expect("message").to_string()
        })
        .collect()
}

/// Adds an extension field, a second supplier with an address, a subcategory elsewhere and an inactive classification.
async fn more_setup(app: &TestApp, token: &str) -> (String, String) {
    let post = |path: &'static str, body: Value| async move {
        let r = app
            .client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 201, "{path}");
        json(r).await["entityId"].as_str().expect("id").to_string()
    };
    post(
        "/api/setup/classifications",
        json!({"value": "retired", "active": false}),
    )
    .await;
    let other_supplier = post("/api/setup/suppliers", json!({"name": "Other"})).await;
    let r = app
        .client
        .post(app.url(&format!("/api/setup/suppliers/{other_supplier}/addresses")))
        .bearer_auth(token)
        .json(&json!({"line1": "9 Elsewhere", "city": "Paris", "country": "FR"}))
        .send()
        .await
        .expect("request");
    let other_address = json(r).await["entityId"].as_str().expect("id").to_string();
    post("/api/setup/extension_fields", json!({"name": "short", "maxLength": 3})).await;
    (other_supplier, other_address)
}

engine_tests! {
    async fn the_documented_put_example_succeeds_verbatim_in_json_and_xml(app: &TestApp) {
        let token = app.demo_token().await;
        let response = app
            .client
            .put(app.url(&format!("/api/relationships/{EXAMPLE_ID}")))
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .bearer_auth(&token)
            .body(EXAMPLE_BODY)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "etag"), "\"2\"");
        let body = json(response).await;
        let href = format!("{}/api/relationships/{EXAMPLE_ID}", app.base);
        assert_eq!(body, json!({
            "success": true,
            "result": {
                "entityId": EXAMPLE_ID,
                "links": [
                    {"rel": "self", "href": href, "method": "GET"},
                    {"rel": "update-relationship", "href": href, "method": "PUT"}
                ]
            },
            "errors": []
        }));

        let xml = app
            .client
            .put(app.url(&format!("/api/relationships/{EXAMPLE_ID}")))
            .header("Accept", "application/xml")
            .header("Content-Type", "application/json")
            .bearer_auth(&token)
            .body(EXAMPLE_BODY)
            .send()
            .await
            .expect("request");
        assert_eq!(xml.status(), 200);
        assert_eq!(content_type(&xml), "application/xml");
        let text = xml.text().await.expect("body");
        assert!(text.contains("<success>true</success><result><entityId>d32a9192-353c-45fe-bbd4-b88702800467</entityId><links><rel>self</rel>"), "{text}");

        // The same body as XML is read identically.
        let from_xml = put(app, &token, Enc::Xml, &example()).await;
        assert_eq!(from_xml.status(), 200);
        let stored = get(app, &token, EXAMPLE_ID).await;
        assert_eq!(stored["name"], "Example relationship (updated)");
        assert_eq!(stored["startEffectiveDate"], "2026-05-01T00:00:00+00:00");
        assert_eq!(stored["internalManager"]["name"], "Internal, Irene");
        assert_eq!(stored["supplier"]["entityId"], SUPPLIER, "an omitted supplier is kept");
        assert_eq!(stored["thirdPartyLocations"][0]["entityId"], ADDRESS, "omitted locations are kept");
        assert_eq!(stored["extensionFields"]["riskScore"], "low", "omitted extension fields are kept");
    }

    async fn the_documented_not_found_example_is_reproduced(app: &TestApp) {
        let token = app.demo_token().await;
        let missing = uuid::Uuid::new_v4();
        for enc in [Enc::Json, Enc::Xml] {
            let response = send(app, reqwest::Method::PUT, &format!("/api/relationships/{missing}"), &token, enc, &example()).await;
            assert_eq!(response.status(), 404);
            assert_eq!(json(response).await, json!({
                "success": false,
                "result": null,
                "errors": [{"message": "Relationship not found", "errorCode": "DataNotFound"}]
            }));
        }
        // Another tenant's relationship is not found either, read or write.
        let other = app.token_of("globex", &["riskassess.relationship.read", "riskassess.relationship.write"]).await;
        let read = app.client.get(app.url(&format!("/api/relationships/{EXAMPLE_ID}"))).bearer_auth(&other).send().await.expect("request");
        assert_eq!(read.status(), 404);
        assert_eq!(put(app, &other, Enc::Json, &example()).await.status(), 404);
        let list = app.client.get(app.url("/api/relationships")).bearer_auth(&other).send().await.expect("request");
        assert_eq!(json(list).await["totalCount"], 0);
        assert_eq!(get(app, &token, EXAMPLE_ID).await["name"], "Example relationship", "unchanged");
    }

    async fn every_rule_is_enforced_and_all_violations_reported(app: &TestApp) {
        let token = app.demo_token().await;
        let (other_supplier, other_address) = more_setup(app, &token).await;
        let nil = "00000000-0000-0000-0000-000000000000";
        let unknown = uuid::Uuid::new_v4().to_string();
        let with = |changes: Value| {
            let mut body = example();
            for (k, v) in changes.as_object().expect("object") {
                body[k] = v.clone();
            }
            body
        };
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            ("name too long", with(json!({"name": "x".repeat(501)})), vec!["name must be at most 500 characters"]),
            ("bad date", with(json!({"startEffectiveDate": "05/01/2026"})), vec!["startEffectiveDate must be an ISO"]),
            ("no organizations", with(json!({"organizations": []})), vec!["organizations must name at least one"]),
            ("duplicate organizations", with(json!({"organizations": ["3fa85f64-5717-4562-b3fc-2c963f66afa6", "3fa85f64-5717-4562-b3fc-2c963f66afa6"]})), vec!["organizations[1] repeats"]),
            ("empty GUID organization", with(json!({"organizations": [nil]})), vec!["organizations[0] must not be the empty GUID"]),
            ("unknown organization", with(json!({"organizations": [unknown]})), vec!["organizations[0] organization"]),
            ("unknown managers", with(json!({"internalManager": unknown, "externalManager": unknown})), vec!["internalManager user", "externalManager user"]),
            ("supplier changed", with(json!({"supplier": other_supplier})), vec!["supplier cannot change"]),
            ("supplier nulled", with(json!({"supplier": null})), vec!["supplier cannot change"]),
            ("inactive classification", with(json!({"classification": "retired"})), vec!["classification must be an active classification"]),
            ("unknown category", with(json!({"category": "Nope"})), vec!["category must be a category"]),
            ("foreign subcategory", with(json!({"category": "Cat1", "subCategory": "Nope"})), vec!["subCategory must be a subcategory"]),
            ("parent is itself", with(json!({"parentRelationship": EXAMPLE_ID})), vec!["parentRelationship cannot be the relationship itself"]),
            ("unknown parent", with(json!({"parentRelationship": unknown})), vec!["parentRelationship does not exist"]),
            ("bad access", with(json!({"internalAccess": "Everyone"})), vec!["internalAccess must be one of ManagerOnly, Team, All"]),
            ("bad status", with(json!({"status": "Active"})), vec!["status must be one of"]),
            ("duplicate locations", with(json!({"thirdPartyLocations": [ADDRESS, ADDRESS]})), vec!["thirdPartyLocations[1] repeats"]),
            ("foreign location", with(json!({"thirdPartyLocations": [other_address]})), vec!["thirdPartyLocations[0]"]),
            ("undefined extension field", with(json!({"extensionFields": {"nope": "x"}})), vec!["extensionFields.nope is not a defined extension field"]),
            ("extension value too long", with(json!({"extensionFields": {"short": "four"}})), vec!["extensionFields.short must be at most 3 characters"]),
            ("everything missing", json!({}), vec!["name is required", "startEffectiveDate is required", "organizations is required", "internalManager is required", "externalManager is required", "classification is required", "category is required", "internalAccess is required", "externalAccess is required", "status is required"]),
        ];
        for enc in [Enc::Json, Enc::Xml] {
            for (label, body, expected) in &cases {
                // XML has no empty list (no element means "not sent") and writes
                // null as no element; those two cases read differently there.
                let expected: &[&str] = match (enc, *label) {
                    (Enc::Xml, "no organizations") => &["organizations is required"],
                    (Enc::Xml, "supplier nulled") => continue,
                    _ => expected,
                };
                let got = messages(put(app, &token, enc, body).await).await;
                assert_eq!(got.len(), expected.len(), "{label} ({enc:?}): {got:?}");
                for (message, prefix) in got.iter().zip(expected) {
                    assert!(message.starts_with(prefix), "{label} ({enc:?}): {message:?} should start with {prefix:?}");
                }
            }
        }
        // XML says null with xsi:nil.
        let nil_supplier = liaison::xml::to_xml("RelationshipInput", None, &example()).replace(
            "</RelationshipInput>",
            r#"<supplier xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/></RelationshipInput>"#,
        );
        let response = app
            .client
            .put(app.url(&format!("/api/relationships/{EXAMPLE_ID}")))
            .bearer_auth(&token)
            .header("content-type", "application/xml")
            .body(nil_supplier)
            .send()
            .await
            .expect("request");
        assert_eq!(messages(response).await, ["supplier cannot change on update: omit it or send the existing supplier"]);
        // A field the schema does not know is refused, not ignored.
        let unknown_field = put(app, &token, Enc::Json, &with(json!({"owner": "me"}))).await;
        assert_eq!(unknown_field.status(), 400);
        // A path id that is not a GUID, or is the empty GUID.
        for id in ["nope", nil] {
            let r = send(app, reqwest::Method::PUT, &format!("/api/relationships/{id}"), &token, Enc::Json, &example()).await;
            assert_eq!(messages(r).await.len(), 1, "{id}");
        }
        // Nothing above changed the relationship.
        assert_eq!(get(app, &token, EXAMPLE_ID).await["name"], "Example relationship");
    }

    async fn put_keeps_omitted_fields_clears_nulls_and_stores_access_canonically(app: &TestApp) {
        let token = app.demo_token().await;
        let before = get(app, &token, EXAMPLE_ID).await;
        let body = {
            let mut b = example();
            b["internalAccess"] = json!("managerONLY");
            b["subCategory"] = json!("SubCat1");
            b
        };
        assert_eq!(put(app, &token, Enc::Json, &body).await.status(), 200);
        let after = get(app, &token, EXAMPLE_ID).await;
        assert_eq!(after["internalAccess"], "ManagerOnly");
        assert_eq!(after["subCategory"], "SubCat1");
        assert_eq!(after["createdAt"], before["createdAt"], "createdAt never moves");
        assert_ne!(after["modifiedAt"], before["modifiedAt"]);

        let mut clear = example();
        clear["subCategory"] = Value::Null;
        clear["thirdPartyLocations"] = json!([]);
        clear["extensionFields"] = json!({});
        assert_eq!(put(app, &token, Enc::Json, &clear).await.status(), 200);
        let cleared = get(app, &token, EXAMPLE_ID).await;
        assert!(cleared.get("subCategory").is_none());
        assert_eq!(cleared["thirdPartyLocations"], json!([]));
        assert_eq!(cleared["extensionFields"], json!({}));
        assert_eq!(cleared["supplier"]["entityId"], SUPPLIER);

        // Older clients send null for a list or map they do not set: it clears, as [] does.
        let mut located = example();
        located["thirdPartyLocations"] = json!([ADDRESS]);
        assert_eq!(put(app, &token, Enc::Json, &located).await.status(), 200);
        assert_eq!(get(app, &token, EXAMPLE_ID).await["thirdPartyLocations"][0]["entityId"], ADDRESS);
        let mut legacy = example();
        legacy["thirdPartyLocations"] = Value::Null;
        legacy["extensionFields"] = Value::Null;
        assert_eq!(put(app, &token, Enc::Json, &legacy).await.status(), 200);
        assert_eq!(get(app, &token, EXAMPLE_ID).await["thirdPartyLocations"], json!([]));

        // In XML an empty element clears too.
        let xml = liaison::xml::to_xml("RelationshipInput", None, &example()).replace("</RelationshipInput>", "<subCategory/></RelationshipInput>");
        let mut restore = example();
        restore["subCategory"] = json!("SubCat1");
        assert_eq!(put(app, &token, Enc::Xml, &restore).await.status(), 200);
        let response = app
            .client
            .put(app.url(&format!("/api/relationships/{EXAMPLE_ID}")))
            .bearer_auth(&token)
            .header("content-type", "application/xml")
            .body(xml)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        assert!(get(app, &token, EXAMPLE_ID).await.get("subCategory").is_none());

        // And an empty list element clears a list.
        let mut with_location = example();
        with_location["thirdPartyLocations"] = json!([ADDRESS]);
        assert_eq!(put(app, &token, Enc::Xml, &with_location).await.status(), 200);
        assert_eq!(get(app, &token, EXAMPLE_ID).await["thirdPartyLocations"][0]["entityId"], ADDRESS);
        let empty_list = liaison::xml::to_xml("RelationshipInput", None, &example())
            .replace("</RelationshipInput>", "<thirdPartyLocations/></RelationshipInput>");
        let response = app
            .client
            .put(app.url(&format!("/api/relationships/{EXAMPLE_ID}")))
            .bearer_auth(&token)
            .header("content-type", "application/xml")
            .body(empty_list)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        assert_eq!(get(app, &token, EXAMPLE_ID).await["thirdPartyLocations"], json!([]));
    }

    async fn organizations_come_back_in_the_order_sent(app: &TestApp) {
        let token = app.demo_token().await;
        let mut ids = Vec::new();
        for name in ["Zeta", "Alpha", "Mu"] {
            let response = app
                .client
                .post(app.url("/api/setup/organizations"))
                .bearer_auth(&token)
                .json(&json!({ "name": name }))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 201);
            ids.push(json(response).await["entityId"].as_str().expect("id").to_string());
        }
        let mut sorted = ids.clone();
        sorted.sort();
        for order in [vec![2, 0, 1], vec![1, 2, 0], vec![0, 1, 2]] {
            let sent: Vec<&str> = order.iter().map(|&i| ids[i].as_str()).collect();
            let mut body = example();
            body["organizations"] = json!(sent);
            assert_eq!(put(app, &token, Enc::Json, &body).await.status(), 200);
            let read = get(app, &token, EXAMPLE_ID).await;
            let got: Vec<&str> = read["organizations"]
                .as_array()
                .expect("organizations")
                .iter()
                .map(|o| o["entityId"].as_str().expect("entityId"))
                .collect();
            assert_eq!(got, sent, "sorted ids would be {sorted:?}");
            let list = json(
                app.client
                    .get(app.url(&format!("/api/relationships?entityId%5Beq%5D={EXAMPLE_ID}")))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("request"),
            )
            .await;
            assert_eq!(list["result"][0]["organizations"], read["organizations"], "the list reads them alike");
        }
    }

    async fn a_stale_if_match_gets_412_and_changes_nothing(app: &TestApp) {
        let token = app.demo_token().await;
        let fetched = app.client.get(app.url(&format!("/api/relationships/{EXAMPLE_ID}"))).bearer_auth(&token).send().await.expect("request");
        let tag = header(&fetched, "etag");
        let ok = app.client.put(app.url(&format!("/api/relationships/{EXAMPLE_ID}"))).bearer_auth(&token).header("if-match", &tag).json(&example()).send().await.expect("request");
        assert_eq!(ok.status(), 200);
        let mut changed = example();
        changed["name"] = json!("Lost update");
        let stale = app.client.put(app.url(&format!("/api/relationships/{EXAMPLE_ID}"))).bearer_auth(&token).header("if-match", &tag).json(&changed).send().await.expect("request");
        assert_eq!(stale.status(), 412);
        assert_eq!(json(stale).await["errors"][0]["errorCode"], "PreconditionFailed");
        assert_eq!(get(app, &token, EXAMPLE_ID).await["name"], "Example relationship (updated)");
    }

    async fn post_creates_numbered_relationships_and_requires_a_supplier(app: &TestApp) {
        let token = app.demo_token().await;
        let missing = messages(send(app, reqwest::Method::POST, "/api/relationships", &token, Enc::Json, &example()).await).await;
        assert_eq!(missing, ["supplier is required"]);
        let mut body = example();
        body["supplier"] = json!(uuid::Uuid::new_v4().to_string());
        assert_eq!(messages(send(app, reqwest::Method::POST, "/api/relationships", &token, Enc::Json, &body).await).await, ["supplier does not exist"]);
        body["supplier"] = json!(SUPPLIER);
        body["parentRelationship"] = json!(EXAMPLE_ID);
        body["thirdPartyLocations"] = json!([ADDRESS]);
        for enc in [Enc::Json, Enc::Xml] {
            let created = send(app, reqwest::Method::POST, "/api/relationships", &token, enc, &body).await;
            assert_eq!(created.status(), 201, "{enc:?}");
            let location = header(&created, "location");
            let id = json(created).await["result"]["entityId"].as_str().expect("id").to_string();
            assert_eq!(location, format!("/api/relationships/{id}"));
            let stored = get(app, &token, &id).await;
            assert!(stored["relationshipNumber"].as_str().is_some_and(|n| n.len() == 6 && n.starts_with('R')));
            assert_eq!(stored["parentRelationship"]["name"], "Example relationship");
            assert_eq!(stored["thirdPartyLocations"][0]["name"], "1 Harbour Road, Hamburg");
        }
        // Making the example a child of its own child would be a cycle.
        let list = json(app.client.get(app.url("/api/relationships?order_by=createdAt&dir=Desc&limit=1")).bearer_auth(&token).send().await.expect("request")).await;
        let child = list["result"][0]["entityId"].as_str().expect("id").to_string();
        let mut cycle = example();
        cycle["parentRelationship"] = json!(child);
        assert_eq!(messages(put(app, &token, Enc::Json, &cycle).await).await, ["parentRelationship would make a cycle of parent relationships"]);
    }

    async fn concurrent_reparenting_never_makes_a_cycle(app: &TestApp) {
        let token = app.demo_token().await;
        let mut body = example();
        body["supplier"] = json!(SUPPLIER);
        let mut ids = Vec::new();
        for name in ["X", "Y"] {
            body["name"] = json!(name);
            let created = send(app, reqwest::Method::POST, "/api/relationships", &token, Enc::Json, &body).await;
            ids.push(json(created).await["result"]["entityId"].as_str().expect("id").to_string());
        }
        let parented = |parent: Value| {
            let mut b = example();
            b["parentRelationship"] = parent;
            b
        };
        for round in 0..10 {
            for id in &ids {
                let reset = send(app, reqwest::Method::PUT, &format!("/api/relationships/{id}"), &token, Enc::Json, &parented(Value::Null)).await;
                assert_eq!(reset.status(), 200);
            }
            let (x, y) = (parented(json!(ids[1])), parented(json!(ids[0])));
            let (path_x, path_y) = (format!("/api/relationships/{}", ids[0]), format!("/api/relationships/{}", ids[1]));
            let (a, b) = tokio::join!(
                send(app, reqwest::Method::PUT, &path_x, &token, Enc::Json, &x),
                send(app, reqwest::Method::PUT, &path_y, &token, Enc::Json, &y),
            );
            let statuses = [a.status().as_u16(), b.status().as_u16()];
            assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "round {round}: {statuses:?}");
            assert!(statuses.iter().all(|s| [200, 400, 409].contains(s)), "round {round}: {statuses:?}");
        }
    }

    async fn lists_filter_order_and_page(app: &TestApp) {
        let token = app.demo_token().await;
        let mut body = example();
        body["supplier"] = json!(SUPPLIER);
        for name in ["Alpha supplies", "Beta services", "Gamma alpha"] {
            body["name"] = json!(name);
            let r = send(app, reqwest::Method::POST, "/api/relationships", &token, Enc::Json, &body).await;
            assert_eq!(r.status(), 201);
        }
        let query = |q: &str| {
            let url = app.url(&format!("/api/relationships?{q}"));
            let token = token.clone();
            async move { app.client.get(url).bearer_auth(token).send().await.expect("request") }
        };
        let names = |v: &Value| -> Vec<String> {
            v["result"].as_array().expect("result").iter().map(|r| r["name"].as_str().unwrap_or_default().to_string()).collect()
        };
        let all = json(query("").await).await;
        assert_eq!(all["totalCount"], 4);
        assert_eq!(all["success"], true);
        let alpha = json(query("name%5Bcontains%5D=ALPHA").await).await;
        assert_eq!(names(&alpha), ["Alpha supplies", "Gamma alpha"]);
        let exact = json(query("name[eq]=Beta%20services").await).await;
        assert_eq!(names(&exact), ["Beta services"]);
        let desc = json(query("order_by=createdAt&dir=Desc&limit=2").await).await;
        assert_eq!(names(&desc), ["Gamma alpha", "Beta services"]);
        assert_eq!(desc["totalCount"], 4, "totalCount counts past the page");
        let page2 = json(query("limit=2&offset=2").await).await;
        assert_eq!(names(&page2), ["Beta services", "Gamma alpha"]);
        assert_eq!(page2["totalCount"], 4);
        let past_the_end = json(query("limit=2&offset=10").await).await;
        assert_eq!(names(&past_the_end), Vec::<String>::new());
        assert_eq!(past_the_end["totalCount"], 4, "a page past the end still counts every match");
        let alpha_page2 = json(query("name[contains]=alpha&limit=1&offset=1").await).await;
        assert_eq!(names(&alpha_page2), ["Gamma alpha"]);
        assert_eq!(alpha_page2["totalCount"], 2, "the count takes the filters");
        let by_number = json(query("relationshipNumber[eq]=R00001").await).await;
        assert_eq!(names(&by_number), ["Example relationship"]);
        let later = json(query("startEffectiveDate[gt]=2026-03-01").await).await;
        assert_eq!(later["totalCount"], 3);
        let by_id = json(query(&format!("entityId[eq]={EXAMPLE_ID}&status[eq]=Relationship_Active")).await).await;
        assert_eq!(by_id["totalCount"], 1);
        let created_before = json(query("createdAt[lt]=2000-01-01").await).await;
        assert_eq!(created_before["totalCount"], 0);
        let xml = app.client.get(app.url("/api/relationships?limit=1")).bearer_auth(&token).header("accept", "application/xml").send().await.expect("request");
        let text = xml.text().await.expect("body");
        assert!(text.starts_with("<?xml") && text.contains("<totalCount>4</totalCount>"), "{text}");

        for (q, count) in [("limit=51", 1), ("foo=1", 1), ("name[like]=x", 1), ("createdAt[lt]=yesterday&entityId[eq]=x", 2), ("status[eq]=Active", 1)] {
            let errors = messages(query(q).await).await;
            assert_eq!(errors.len(), count, "{q}: {errors:?}");
        }
    }

    async fn auth_failures_answer_in_the_risk_envelope(app: &TestApp) {
        let anonymous = app.client.get(app.url("/api/relationships")).send().await.expect("request");
        assert_eq!(anonymous.status(), 401);
        assert!(header(&anonymous, "www-authenticate").starts_with("Bearer"));
        assert_eq!(json(anonymous).await["errors"][0]["errorCode"], "Unauthorized");
        let reader = app.token_of(TENANT, &["riskassess.relationship.read"]).await;
        let refused = put(app, &reader, Enc::Json, &example()).await;
        assert_eq!(refused.status(), 403);
        assert_eq!(json(refused).await["errors"][0]["errorCode"], "Forbidden");
        let unsupported = app.client.put(app.url(&format!("/api/relationships/{EXAMPLE_ID}"))).bearer_auth(&app.token).header("content-type", "text/plain").body("x").send().await.expect("request");
        assert_eq!(unsupported.status(), 415);
        assert_eq!(json(unsupported).await["errors"][0]["errorCode"], "UnsupportedMediaType");
    }
}
