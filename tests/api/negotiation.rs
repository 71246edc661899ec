//! Content negotiation as DESIGN.md specifies it, over a real server.

use crate::harness::*;

/// Accept header → (status, content type of the answer).
const ACCEPT_CASES: &[(Option<&str>, u16, &str)] = &[
    (None, 200, "application/json"),
    (Some("*/*"), 200, "application/json"),
    (Some("application/*"), 200, "application/json"),
    (Some("application/json"), 200, "application/json"),
    (Some("application/xml"), 200, "application/xml"),
    (Some("text/xml"), 200, "application/xml"),
    (Some("*/*+xml"), 200, "application/xml"),
    (Some("*/*+json"), 200, "application/json"),
    (Some("application/xml;q=0.9, application/json"), 200, "application/json"),
    (Some("application/json;q=0, application/xml"), 200, "application/xml"),
    (Some("application/problem+xml"), 200, "application/xml"),
    (Some("text/html"), 406, "application/problem+json"),
    (Some("this is ; not = a media type"), 200, "application/json"),
];

/// Content-Type of a creation body → status.
const CONTENT_TYPE_CASES: &[(Option<&str>, &str, u16)] = &[
    (Some("application/json; charset=UTF-8"), r#"{"name":"a"}"#, 201),
    (Some("application/json"), r#"{"name":"a"}"#, 201),
    (
        Some("text/xml"),
        "<OrganizationInput><name>a</name></OrganizationInput>",
        201,
    ),
    (
        Some("application/xml"),
        "<OrganizationInput><name>a</name></OrganizationInput>",
        201,
    ),
    (Some("application/vnd.example+json"), r#"{"name":"a"}"#, 201),
    (Some("text/plain"), r#"{"name":"a"}"#, 415),
    (None, r#"{"name":"a"}"#, 415),
    (Some("application/json; charset=iso-8859-1"), r#"{"name":"a"}"#, 415),
    (
        Some("text/xml; charset=latin1"),
        "<OrganizationInput><name>a</name></OrganizationInput>",
        415,
    ),
];

engine_tests! {
    async fn accept_headers_choose_the_response_format(app: &TestApp) {
        let created = create_organization(app, "Negotiated").await;
        let path = format!("/api/setup/organizations/{}", created["entityId"].as_str().expect("id"));
        for (accept, status, expected_type) in ACCEPT_CASES {
            let mut request = app.get(&path);
            if let Some(accept) = accept {
                request = request.header("accept", *accept);
            }
            let response = request.send().await.expect("request");
            assert_eq!(response.status().as_u16(), *status, "Accept: {accept:?}");
            assert_eq!(content_type(&response), *expected_type, "Accept: {accept:?}");
            assert_eq!(header(&response, "vary"), "Accept", "Accept: {accept:?}");
            let body = response.text().await.expect("body");
            if expected_type.ends_with("xml") {
                assert!(body.starts_with("<?xml") && body.contains("<Organization>"), "{body}");
            } else {
                let value: serde_json::Value = serde_json::from_str(&body).expect("JSON");
                if *status == 406 {
                    assert_eq!(value["status"], 406);
                    let detail = value["detail"].as_str().unwrap_or_default();
                    assert!(detail.contains("application/json") && detail.contains("application/xml"), "{detail}");
                } else {
                    assert_eq!(value["name"], "Negotiated");
                }
            }
        }
    }

    async fn content_types_select_the_body_decoder_or_answer_415(app: &TestApp) {
        for (declared, body, status) in CONTENT_TYPE_CASES {
            let mut request = app.post("/api/setup/organizations").body(*body);
            if let Some(ct) = declared {
                request = request.header("content-type", *ct);
            }
            let response = request.send().await.expect("request");
            assert_eq!(response.status().as_u16(), *status, "Content-Type: {declared:?}");
            if *status == 415 {
                assert_eq!(header(&response, "accept"), "application/json, application/xml");
                assert_eq!(content_type(&response), "application/problem+json");
                assert_eq!(json(response).await["status"], 415);
            }
        }
    }

    async fn a_406_is_answered_before_any_write(app: &TestApp) {
        let response = app
            .post("/api/setup/organizations")
            .header("accept", "text/html")
            .json(&serde_json::json!({"name": "never stored"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 406);
        let list = json(app.get("/api/setup/organizations").send().await.expect("request")).await;
        assert_eq!(list["totalCount"], 0);
    }

    async fn errors_are_negotiated_too(app: &TestApp) {
        let response = app
            .get("/api/setup/organizations/not-a-uuid")
            .header("accept", "application/xml")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400);
        assert_eq!(content_type(&response), "application/problem+xml");
        let body = response.text().await.expect("body");
        assert!(body.contains(r#"<problem xmlns="urn:ietf:rfc:7807">"#), "{body}");
        assert!(body.contains("<status>400</status>"), "{body}");
    }
}
