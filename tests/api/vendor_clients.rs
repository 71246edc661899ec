//! What the vendors' own clients send: .NET's wrapped XML arrays and
//! byte-order marks (Coupa), Rails' nested forms and PHP's and Ruby's
//! multipart forms (platformOS, Segura, the token endpoint), each read as
//! the same JSON and held to the same validation.

use serde_json::{Value, json};

use crate::harness::*;

const RELATIONSHIP: &str = "d32a9192-353c-45fe-bbd4-b88702800467";
const ORGANIZATION: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const SUPPLIER: &str = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d10";
const ADDRESS: &str = "5e1f8f9a-7d1c-4a43-9f53-0b1a9e6c2d11";
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The Risk document's PUT example.
fn risk_example() -> Value {
    json!({
        "name": "Example relationship (updated)",
        "startEffectiveDate": "2026-05-01",
        "organizations": [ORGANIZATION],
        "internalManager": "a218d8e5-8c7a-4f3e-9b12-111111111111",
        "externalManager": "b218d8e5-8c7a-4f3e-9b12-222222222222",
        "classification": "classification1",
        "category": "Cat1",
        "internalAccess": "Team",
        "externalAccess": "Team",
        "status": "Relationship_Active"
    })
}

async fn risk_put(app: &TestApp, token: &str, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/relationships/{RELATIONSHIP}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request")
}

/// The entityIds of a stored relationship's organizations and locations.
async fn stored_lists(app: &TestApp, token: &str) -> (Vec<String>, Vec<String>) {
    let response = app
        .client
        .get(app.url(&format!("/api/relationships/{RELATIONSHIP}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let result = json(response).await["result"].clone();
    let ids = |list: &Value| -> Vec<String> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["entityId"].as_str().map(str::to_string))
            .collect()
    };
    (ids(&result["organizations"]), ids(&result["thirdPartyLocations"]))
}

/// The example in XML without its lists, with `lists` (raw XML) added.
fn xml_with_lists(lists: &str) -> String {
    let mut body = risk_example();
    body.as_object_mut().map(|b| b.remove("organizations"));
    liaison::xml::to_xml("RelationshipInput", None, &body)
        .replace("</RelationshipInput>", &format!("{lists}</RelationshipInput>"))
}

/// A relationship user as stored, without what differs between two rows.
async fn stored_user(app: &TestApp, auth: &str, id: i64) -> Value {
    let response = app
        .client
        .get(app.url(&format!("/api/user/relationship_users/{id}")))
        .header("authorization", auth)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let mut row = json(response).await;
    for volatile in ["id", "created_at", "updated_at"] {
        row.as_object_mut().map(|r| r.remove(volatile));
    }
    row
}

/// The demo's API key header.
async fn demo_api_key(app: &TestApp) -> String {
    let demo = liaison::demo::seed(&app.store, &liaison::demo::DemoSettings::default())
        .await
        .expect("seed");
    format!("Token token={}", demo.api_key)
}

/// Status and parsed body (`null` when empty) of a response.
async fn outcome(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, body)
}

const FORMS: [Enc; 2] = [Enc::Form, Enc::Multipart];

engine_tests! {
    async fn wrapped_xml_arrays_are_stored_like_unwrapped_ones(app: &TestApp) {
        let token = app.demo_token().await;
        let organization = app
            .client
            .post(app.url("/api/setup/organizations"))
            .bearer_auth(&token)
            .json(&json!({"name": "Second organization"}))
            .send()
            .await
            .expect("request");
        assert_eq!(organization.status(), 201);
        let second_organization = json(organization).await["entityId"].as_str().expect("id").to_string();
        let address = app
            .client
            .post(app.url(&format!("/api/setup/suppliers/{SUPPLIER}/addresses")))
            .bearer_auth(&token)
            .json(&json!({"line1": "2 Dock Street", "city": "Hamburg", "country": "DE"}))
            .send()
            .await
            .expect("request");
        assert_eq!(address.status(), 201);
        let second_address = json(address).await["entityId"].as_str().expect("id").to_string();
        let organizations = [ORGANIZATION, second_organization.as_str()];
        let locations = [ADDRESS, second_address.as_str()];

        // Unwrapped, as the spec documents it: the reference.
        let mut body = risk_example();
        body["organizations"] = json!(organizations);
        body["thirdPartyLocations"] = json!(locations);
        let unwrapped = liaison::xml::to_xml("RelationshipInput", None, &body);
        assert_eq!(risk_put(app, &token, "application/xml", unwrapped).await.status(), 200);
        let reference = stored_lists(app, &token).await;
        assert_eq!(reference.0.len(), 2);
        assert_eq!(reference.1.len(), 2);
        assert_eq!(risk_put(app, &token, "application/json", body.to_string()).await.status(), 200);
        assert_eq!(stored_lists(app, &token).await, reference, "JSON stores the same lists");

        let wrap = |outer: &str, inner: &str, items: &[&str]| {
            let items: String = items.iter().map(|i| format!("<{inner}>{i}</{inner}>")).collect();
            format!("<{outer}>{items}</{outer}>")
        };
        let reset = || async {
            let mut one = risk_example();
            one["thirdPartyLocations"] = json!([]);
            assert_eq!(risk_put(app, &token, "application/json", one.to_string()).await.status(), 200);
            assert_eq!(stored_lists(app, &token).await, (vec![ORGANIZATION.to_string()], vec![]));
        };
        for inner in ["guid", "string", "item", "organization"] {
            reset().await;
            let lists = format!(
                "{}{}",
                wrap("organizations", inner, &organizations),
                wrap("thirdPartyLocations", inner, &locations)
            );
            let response = risk_put(app, &token, "application/xml", xml_with_lists(&lists)).await;
            assert_eq!(response.status(), 200, "<{inner}>: {}", response.text().await.unwrap_or_default());
            assert_eq!(stored_lists(app, &token).await, reference, "wrapped in <{inner}>");
        }

        // As .NET's DataContractSerializer writes them: namespaced, items prefixed, whitespace between.
        reset().await;
        let datacontract = format!(
            "<RelationshipInput xmlns=\"http://schemas.datacontract.org/2004/07/Coupa\" \
             xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\n{}\n\
             <organizations xmlns:a=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\">\n  \
             <a:guid>{}</a:guid>\n  <a:guid>{}</a:guid>\n</organizations>\n\
             <thirdPartyLocations xmlns:a=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\">\n  \
             <a:guid>{}</a:guid>\n  <a:guid>{}</a:guid>\n</thirdPartyLocations>\n</RelationshipInput>",
            xml_with_lists("")
                .trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?><RelationshipInput>"#)
                .trim_end_matches("</RelationshipInput>"),
            organizations[0], organizations[1], locations[0], locations[1]
        );
        let response = risk_put(app, &token, "application/xml", datacontract).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
        assert_eq!(stored_lists(app, &token).await, reference, "DataContractSerializer's form");

        // One wrapped item is a list of one; both forms may even be mixed.
        let one = wrap("organizations", "guid", &[second_organization.as_str()]);
        assert_eq!(risk_put(app, &token, "application/xml", xml_with_lists(&one)).await.status(), 200);
        assert_eq!(stored_lists(app, &token).await.0, vec![second_organization.clone()]);
        let mixed = format!("<organizations>{ORGANIZATION}</organizations>{}", wrap("organizations", "guid", &[second_organization.as_str()]));
        assert_eq!(risk_put(app, &token, "application/xml", xml_with_lists(&mixed)).await.status(), 200);
        assert_eq!(stored_lists(app, &token).await.0, reference.0);

        // A wrapper is held to the same rules: duplicates are refused, text beside items is malformed.
        let duplicates = wrap("organizations", "guid", &[ORGANIZATION, ORGANIZATION]);
        let refused = risk_put(app, &token, "application/xml", xml_with_lists(&duplicates)).await;
        assert_eq!(refused.status(), 400);
        let mixed_content = format!("<organizations>{ORGANIZATION}<guid>{ORGANIZATION}</guid></organizations>");
        let refused = risk_put(app, &token, "application/xml", xml_with_lists(&mixed_content)).await;
        assert_eq!(refused.status(), 400);
        let message = json(refused).await["errors"][0]["message"].as_str().unwrap_or_default().to_string();
        assert_eq!(message, "organizations mixes text and child elements");
    }

    async fn a_byte_order_mark_before_a_body_is_ignored_on_every_put(app: &TestApp) {
        let token = app.demo_token().await;
        let api_key = demo_api_key(app).await;
        let with_bom = |text: String| [BOM, text.as_bytes()].concat();

        let json_body = with_bom(risk_example().to_string());
        assert_eq!(risk_put(app, &token, "application/json", json_body).await.status(), 200, "Risk, JSON");
        let mut renamed = risk_example();
        renamed["name"] = json!("Renamed through XML with a BOM");
        let xml_body = with_bom(liaison::xml::to_xml("RelationshipInput", None, &renamed));
        assert_eq!(risk_put(app, &token, "application/xml", xml_body).await.status(), 200, "Risk, XML");
        let stored = json(app.client.get(app.url(&format!("/api/relationships/{RELATIONSHIP}"))).bearer_auth(&token).send().await.expect("request")).await;
        assert_eq!(stored["result"]["name"], "Renamed through XML with a BOM");

        let update = json!({"form_configuration_name": "reference_rest_api_relationship_update", "form": {"properties": {"status": "pending"}}});
        let response = app.client.put(app.url("/api/user/relationship_users/1")).header("authorization", &api_key)
            .header("content-type", "application/json").body(with_bom(update.to_string())).send().await.expect("request");
        assert!(response.status().is_success(), "Relationship users: {}", response.status());
        assert_eq!(stored_user(app, &api_key, 1).await["properties"]["status"], "pending");

        let related = json!({"id": 6, "username": "dleite", "name": "with a byte-order mark"});
        let response = app.client.put(app.url("/api/user/related")).bearer_auth(&token)
            .header("content-type", "application/json").body(with_bom(related.to_string())).send().await.expect("request");
        assert_eq!(response.status(), 201, "Related users");
        assert_eq!(json(response).await["relatedUsers"]["name"], "with a byte-order mark");

        // Only one mark, and only at the start.
        let twice = [BOM, BOM, risk_example().to_string().as_bytes()].concat();
        assert_eq!(risk_put(app, &token, "application/json", twice).await.status(), 400);
    }

    async fn rails_forms_update_relationship_users_as_json_does(app: &TestApp) {
        let api_key = demo_api_key(app).await;
        let put = |enc: Enc, body: Value| {
            let api_key = api_key.clone();
            async move {
                send_body(app, reqwest::Method::PUT, "/api/user/relationship_users/1", &api_key, (enc, "RelationshipUserUpdate"), &body).await
            }
        };
        let body = |status: Value| json!({"form_configuration_name": "reference_rest_api_relationship_update", "form": {"properties": {"status": status}}});
        // The Rack form's own text, as a Rails client writes it.
        let form = rack_form(&body(json!("not_verified")));
        assert_eq!(form, "form_configuration_name=reference_rest_api_relationship_update&form%5Bproperties%5D%5Bstatus%5D=not_verified");
        for (enc, status) in [(Enc::Json, "verified"), (Enc::Form, "not_verified"), (Enc::Multipart, "pending")] {
            let response = put(enc, body(json!(status))).await;
            assert!(response.status().is_success(), "{enc:?}: {}", response.status());
            assert_eq!(stored_user(app, &api_key, 1).await["properties"]["status"], status, "{enc:?}");
        }
        // OpenAPI's default multipart encoding of an object property (what
        // generated clients and schemathesis send): `form` as a JSON part.
        let json_part = format!(
            "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"form_configuration_name\"\r\n\r\n\
             reference_rest_api_relationship_update\r\n--{MULTIPART_BOUNDARY}\r\n\
             Content-Disposition: form-data; name=\"form\"\r\nContent-Type: application/json\r\n\r\n\
             {{\"properties\": {{\"status\": \"verified\"}}}}\r\n--{MULTIPART_BOUNDARY}--\r\n"
        );
        let response = app.client.put(app.url("/api/user/relationship_users/1")).header("authorization", &api_key)
            .header("content-type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
            .body(json_part.clone()).send().await.expect("request");
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        assert_eq!(stored_user(app, &api_key, 1).await["properties"]["status"], "verified");
        // A member name with brackets in a JSON part is one member, as in JSON (found by schemathesis).
        let odd = json!({"form_configuration_name": "reference_rest_api_relationship_update", "form": {"properties": {"a[b]": "c", "x]": "y"}}});
        let from_json = outcome(put(Enc::Json, odd.clone()).await).await;
        assert_eq!(from_json, (422, json!({"errors": {"properties": [
            "has an invalid key \"a[b]\" (use snake_case)", "has an invalid key \"x]\" (use snake_case)"]}})));
        let odd_part = json_part.replace(r#"{"properties": {"status": "verified"}}"#, &odd["form"].to_string());
        let response = app.client.put(app.url("/api/user/relationship_users/1")).header("authorization", &api_key)
            .header("content-type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
            .body(odd_part).send().await.expect("request");
        assert_eq!(outcome(response).await, from_json);
        // The 422 path: every failing field, in the same words.
        let invalid = json!({"form_configuration_name": "reference_rest_api_relationship_update", "form": {"properties": {"status": "bogus", "color": "red"}}});
        let from_json = outcome(put(Enc::Json, invalid.clone()).await).await;
        assert_eq!(from_json.0, 422);
        assert_eq!(from_json.1["errors"], json!({"properties.color": ["is not allowed"], "properties.status": ["is not included in the list"]}));
        let nameless = json!({"form": {"properties": {"status": "verified"}}});
        let nameless_json = outcome(put(Enc::Json, nameless.clone()).await).await;
        assert_eq!(nameless_json.0, 422);
        for enc in FORMS {
            assert_eq!(outcome(put(enc, invalid.clone()).await).await, from_json, "{enc:?}");
            assert_eq!(outcome(put(enc, nameless.clone()).await).await, nameless_json, "{enc:?}");
        }
        // A urlencoded name without `=` is null, as in Rack: the same as JSON's null.
        let removal = body(Value::Null);
        assert!(rack_form(&removal).ends_with("&form%5Bproperties%5D%5Bstatus%5D"));
        let from_json = outcome(put(Enc::Json, removal.clone()).await).await;
        let from_form = outcome(put(Enc::Form, removal).await).await;
        assert_eq!(from_form, from_json);
        // A form that names an unknown field is refused like JSON naming one.
        let unknown = json!({"form_configuration_name": "reference_rest_api_relationship_update", "colour": "red"});
        let from_json = outcome(put(Enc::Json, unknown.clone()).await).await;
        assert_eq!(from_json, (400, json!({"errors": {"colour": ["is not a known field"]}})));
        for enc in FORMS {
            assert_eq!(outcome(put(enc, unknown.clone()).await).await, from_json, "{enc:?}");
        }
    }

    async fn rails_forms_create_and_delete_relationship_users_as_json_does(app: &TestApp) {
        let api_key = demo_api_key(app).await;
        let create = |enc: Enc, body: Value| {
            let api_key = api_key.clone();
            async move {
                send_body(app, reqwest::Method::POST, "/api/user/relationship_users", &api_key, (enc, "RelationshipUserCreate"), &body).await
            }
        };
        let body = json!({
            "form_configuration_name": "reference_rest_api_relationship_user_create",
            "parent_resource_id": "team_members",
            "form": {"relationship_id": "R00001", "user_id": "3", "properties": {"status": "pending"}}
        });
        let delete_body = json!({"form_configuration_name": "reference_rest_api_relationship_user_delete"});
        let mut reference: Option<Value> = None;
        for (enc, delete_enc) in [(Enc::Json, Enc::Form), (Enc::Form, Enc::Multipart), (Enc::Multipart, Enc::Json)] {
            let (status, created) = outcome(create(enc, body.clone()).await).await;
            assert_eq!(status, 201, "{enc:?}: {created}");
            assert_eq!(created["errors"], json!({}));
            let id = created["id"].as_i64().expect("id");
            let row = stored_user(app, &api_key, id).await;
            match &reference {
                None => reference = Some(row),
                Some(first) => assert_eq!(&row, first, "{enc:?} stores what JSON stored"),
            }
            let again = outcome(create(enc, body.clone()).await).await;
            assert_eq!(again, (422, json!({"errors": {"user_id": ["has already been taken"]}})), "{enc:?}");
            let deleted = send_body(app, reqwest::Method::DELETE, &format!("/api/user/relationship_users/{id}"), &api_key, (delete_enc, "RelationshipUserDelete"), &delete_body).await;
            assert!(deleted.status().is_success(), "delete as {delete_enc:?}: {}", deleted.status());
        }
        // The 422 path: every failing field, in the same words.
        let invalid = json!({
            "form_configuration_name": "reference_rest_api_relationship_user_create",
            "parent_resource_id": "no_such_type",
            "form": {"relationship_id": "R99999", "properties": {"status": "bogus"}, "owner": "me"}
        });
        let from_json = outcome(create(Enc::Json, invalid.clone()).await).await;
        assert_eq!(from_json.0, 422);
        assert_eq!(from_json.1["errors"].as_object().map(|e| e.len()), Some(5));
        for enc in FORMS {
            assert_eq!(outcome(create(enc, invalid.clone()).await).await, from_json, "{enc:?}");
        }
    }

    async fn multipart_forms_reach_related_users_and_the_token_endpoint(app: &TestApp) {
        let token = app.demo_token().await;
        let authorization = format!("Bearer {token}");
        let put = |enc: Enc, body: Value| {
            let authorization = authorization.clone();
            async move { send_body(app, reqwest::Method::PUT, "/api/user/related", &authorization, (enc, "RelatedUserUpdate"), &body).await }
        };
        let example = json!({"id": 6, "username": "dleite", "name": "deboraleiteferreira"});
        let from_json = outcome(put(Enc::Json, example.clone()).await).await;
        assert_eq!(from_json.0, 201);
        assert_eq!(outcome(put(Enc::Multipart, example.clone()).await).await, from_json);
        let missing = json!({"id": 6, "username": "dleite"});
        let from_json = outcome(put(Enc::Json, missing.clone()).await).await;
        assert_eq!(from_json.1["response"]["message"], "1001: Parameter 'name' was not informed!");
        assert_eq!(outcome(put(Enc::Multipart, missing).await).await, from_json);

        // A file part is refused with 415, naming what is read.
        let file = format!(
            "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n6\r\n\
             --{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"me.png\"\r\n\
             Content-Type: image/png\r\n\r\n\u{89}PNG\r\n--{MULTIPART_BOUNDARY}--\r\n"
        );
        let response = app.client.put(app.url("/api/user/related")).bearer_auth(&token)
            .header("content-type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
            .body(file).send().await.expect("request");
        assert_eq!(response.status(), 415);
        assert_eq!(header(&response, "accept"), "application/json, application/xml, application/x-www-form-urlencoded, multipart/form-data");
        let message = json(response).await["response"]["message"].as_str().unwrap_or_default().to_string();
        assert!(message.starts_with("the multipart part avatar is a file"), "{message}");

        // The body cap holds for multipart bodies too.
        let huge = multipart_form(&json!({"id": "6", "username": "dleite", "name": "x".repeat(BODY_LIMIT as usize)}));
        let response = app.client.put(app.url("/api/user/related")).bearer_auth(&token)
            .header("content-type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
            .body(huge).send().await.expect("request");
        assert_eq!(response.status(), 413);
        assert_eq!(json(response).await["code"], 413, "in the dialect's envelope");

        // The token endpoint: credentials in the parts, or in HTTP Basic beside them.
        let (id, secret) = app.create_client(TENANT, &["setup.read"]).await;
        let token_request = |body: Value, basic: bool| {
            let mut request = app.client.post(app.url("/oauth2/token"))
                .header("content-type", format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
                .body(multipart_form(&body));
            if basic {
                request = request.basic_auth(&id, Some(&secret));
            }
            request.send()
        };
        let in_parts = token_request(json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}), false).await.expect("request");
        assert_eq!(in_parts.status(), 200);
        assert_eq!(json(in_parts).await["scope"], "setup.read");
        let basic = token_request(json!({"grant_type": "client_credentials", "scope": "setup.read"}), true).await.expect("request");
        assert_eq!(basic.status(), 200);
        let wrong_grant = token_request(json!({"grant_type": "password"}), true).await.expect("request");
        assert_eq!(wrong_grant.status(), 400);
        assert_eq!(json(wrong_grant).await["error"], "unsupported_grant_type");
    }
}
