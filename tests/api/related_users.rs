//! Related users (seeds/003): the documented example, every error, JSON, XML and forms.

use serde_json::{Value, json};

use crate::harness::*;

const EXAMPLE_BODY: &str = r#"{ 
    "id": 6,
    "username": "dleite",
    "name": "deboraleiteferreira"
}"#;

const ENCODINGS: [Enc; 3] = [Enc::Json, Enc::Xml, Enc::Form];

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    enc: Enc,
    root: &str,
    body: &Value,
) -> reqwest::Response {
    let authorization = format!("Bearer {token}");
    send_body(app, method, "/api/user/related", &authorization, (enc, root), body).await
}

/// The error envelope's (HTTP status, code, message, detail, exception code), checked for shape.
async fn error(response: reqwest::Response) -> (u16, String, String, i64) {
    let status = response.status().as_u16();
    let body = json(response).await;
    assert_eq!(body["code"], status);
    let r = &body["response"];
    assert_eq!(r["status"], status);
    assert_eq!((r["error"].clone(), r["erro"].clone()), (json!(true), json!(true)));
    assert_eq!((r["error_code"].clone(), r["cod_erro"].clone()), (json!(1), json!(1)));
    assert_eq!(r["mensagem"], r["message"]);
    assert_eq!(body["exception"]["message"], r["message"]);
    assert_eq!(body["exception"]["detail"], Value::Null);
    (
        status,
        r["message"].as_str().expect("message").to_string(),
        r["detail"].as_str().expect("detail").to_string(),
        body["exception"]["code"].as_i64().expect("code"),
    )
}

engine_tests! {
    async fn the_documented_example_is_reproduced_verbatim(app: &TestApp) {
        let token = app.demo_token().await;
        let response = app
            .client
            .put(app.url("/api/user/related"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(EXAMPLE_BODY)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201, "the documented HTTP 201");
        assert_eq!(json(response).await, json!({
            "code": 200,
            "response": {
                "status": 200,
                "message": "Related user successfully updated!",
                "error": false,
                "error_code": 0,
                "detail": "",
                "mensagem": "Related user successfully updated!",
                "erro": false,
                "cod_erro": 0
            },
            "relatedUsers": {
                "id": "6",
                "name": "deboraleiteferreira",
                "username": "dleite"
            }
        }));
        // The same in XML and as a form, with the id as a numeric string.
        for enc in [Enc::Xml, Enc::Form] {
            let body = json!({"id": "6", "username": "dleite", "name": "deboraleiteferreira"});
            let response = send(app, reqwest::Method::PUT, &token, enc, "RelatedUserUpdate", &body).await;
            assert_eq!(response.status(), 201, "{enc:?}");
            assert_eq!(json(response).await["relatedUsers"]["id"], "6", "{enc:?}");
        }
        let xml = app
            .client
            .put(app.url("/api/user/related"))
            .bearer_auth(&token)
            .header("accept", "application/xml")
            .header("content-type", "application/json")
            .body(EXAMPLE_BODY)
            .send()
            .await
            .expect("request");
        let text = xml.text().await.expect("body");
        assert!(text.contains("<relatedUsers><id>6</id><name>deboraleiteferreira</name><username>dleite</username></relatedUsers>"), "{text}");
    }

    async fn missing_parameters_get_1001_in_the_documented_order(app: &TestApp) {
        let token = app.demo_token().await;
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (json!({"username": "dleite", "name": "x"}), vec!["id"]),
            (json!({"id": 6, "name": "x"}), vec!["username"]),
            (json!({"id": 6, "username": "dleite"}), vec!["name"]),
            (json!({"name": ""}), vec!["id", "username", "name"]),
        ];
        for enc in ENCODINGS {
            for (body, missing) in &cases {
                let (status, message, detail, code) = error(send(app, reqwest::Method::PUT, &token, enc, "RelatedUserUpdate", body).await).await;
                assert_eq!((status, code), (400, 1001), "{enc:?} {body}");
                assert_eq!(message, format!("1001: Parameter '{}' was not informed!", missing[0]), "{enc:?} {body}");
                if missing.len() > 1 {
                    for name in missing {
                        assert!(detail.contains(&format!("Parameter '{name}'")), "{enc:?}: {detail}");
                    }
                }
            }
        }
    }

    async fn unknown_users_and_related_users_get_1005(app: &TestApp) {
        let token = app.demo_token().await;
        let other = app.token_of("globex", &["users.related.read", "users.related.write"]).await;
        for enc in ENCODINGS {
            let unknown_username = json!({"id": 6, "username": "nobody", "name": "x"});
            let unknown_id = json!({"id": 999, "username": "dleite", "name": "x"});
            for (token, body) in [(&token, &unknown_username), (&token, &unknown_id), (&other, &json!({"id": 6, "username": "dleite", "name": "x"}))] {
                let (status, message, _, code) = error(send(app, reqwest::Method::PUT, token, enc, "RelatedUserUpdate", body).await).await;
                assert_eq!((status, code), (400, 1005), "{enc:?} {body}");
                assert_eq!(message, "1005: User does not exist");
            }
            let (status, _, _, code) = error(send(app, reqwest::Method::POST, &token, enc, "RelatedUserCreate", &json!({"username": "nobody", "name": "x"})).await).await;
            assert_eq!((status, code), (400, 1005));
        }
        let theirs = app.client.get(app.url("/api/user/related/6")).bearer_auth(&other).send().await.expect("request");
        assert_eq!(error(theirs).await.3, 1005);
        let mine = json(app.client.get(app.url("/api/user/related/6")).bearer_auth(&token).send().await.expect("request")).await;
        assert_eq!(mine["relatedUsers"]["name"], "deboraleite", "unchanged by the refused writes");
        assert_eq!(mine["response"]["message"], "");
    }

    async fn related_users_are_registered_listed_and_deactivated(app: &TestApp) {
        let token = app.demo_token().await;
        for (enc, name) in [(Enc::Json, "alias one"), (Enc::Xml, "alias two"), (Enc::Form, "alias three")] {
            let response = send(app, reqwest::Method::POST, &token, enc, "RelatedUserCreate", &json!({"username": "dleite", "name": name})).await;
            assert_eq!(response.status(), 200, "{enc:?}");
            let body = json(response).await;
            assert_eq!(body["response"]["message"], "Related user successfully registered!");
            assert_eq!(body["relatedUsers"]["name"], name);
            assert!(body["relatedUsers"]["id"].as_str().is_some_and(|id| id.parse::<i64>().is_ok_and(|n| n > 6)), "ids continue after the demo's 6");
        }
        let list = json(app.client.get(app.url("/api/user/related")).bearer_auth(&token).send().await.expect("request")).await;
        assert_eq!(list["response"]["message"], "4 related users found");
        assert_eq!(list["relatedUsers"].as_array().map(Vec::len), Some(4));

        let delete = || app.client.delete(app.url("/api/user/related/6")).bearer_auth(&token).send();
        let first = json(delete().await.expect("request")).await;
        assert_eq!(first["response"]["message"], "Related user successfully deactivated");
        assert!(first.get("relatedUsers").is_none());
        let again = delete().await.expect("request");
        assert_eq!(again.status(), 200);
        assert_eq!(json(again).await["response"]["message"], "Related user has already been deactivated");
        let list = json(app.client.get(app.url("/api/user/related")).bearer_auth(&token).send().await.expect("request")).await;
        assert_eq!(list["response"]["message"], "3 related users found");
        let gone = app.client.delete(app.url("/api/user/related/12345")).bearer_auth(&token).send().await.expect("request");
        assert_eq!(error(gone).await.3, 1005);
    }

    async fn a_stale_if_match_gets_412_and_changes_nothing(app: &TestApp) {
        let token = app.demo_token().await;
        let fetched = app.client.get(app.url("/api/user/related/6")).bearer_auth(&token).send().await.expect("request");
        let tag = header(&fetched, "etag");
        assert_eq!(tag, "\"1\"");
        let body = json!({"id": 6, "username": "dleite", "name": "first"});
        let first = app.client.put(app.url("/api/user/related")).bearer_auth(&token).header("if-match", &tag).json(&body).send().await.expect("request");
        assert_eq!(first.status(), 201);
        assert_eq!(header(&first, "etag"), "\"2\"");
        let stale = app.client.put(app.url("/api/user/related")).bearer_auth(&token).header("if-match", &tag).json(&json!({"id": 6, "username": "dleite", "name": "lost"})).send().await.expect("request");
        assert_eq!(error(stale).await.0, 412);
        let now = json(app.client.get(app.url("/api/user/related/6")).bearer_auth(&token).send().await.expect("request")).await;
        assert_eq!(now["relatedUsers"]["name"], "first");
    }

    async fn auth_failures_and_unknown_paths_use_the_documented_messages(app: &TestApp) {
        let reader = app.token_of(TENANT, &["users.related.read"]).await;
        let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
            (app.client.get(app.url("/api/user/related")), 401, "No route matched with those values."),
            (app.client.get(app.url("/api/user/related")).bearer_auth("expired.or.bad"), 401, "Client authentication failed."),
            (app.client.put(app.url("/api/user/related")).bearer_auth(&reader).json(&json!({"id": 6, "username": "x", "name": "y"})), 403, "You are not authorized to access this resource."),
            (app.client.get(app.url("/api/user/related/6/sub")).bearer_auth(&reader), 404, "Resource sub not found"),
        ];
        for (request, status, message) in cases {
            for accept in ["application/json", "application/xml"] {
                let response = request.try_clone().expect("clone").header("accept", accept).send().await.expect("request");
                assert_eq!(response.status().as_u16(), status, "{message} ({accept})");
                let body = response.text().await.expect("body");
                assert!(body.contains(message), "{accept}: {body}");
            }
        }
    }

    async fn the_list_is_paged_by_id_and_links_its_next_page(app: &TestApp) {
        let token = app.demo_token().await;
        for name in ["page one", "page two", "page three", "page four"] {
            let created = send(app, reqwest::Method::POST, &token, Enc::Json, "RelatedUserCreate", &json!({"username": "dleite", "name": name})).await;
            assert_eq!(created.status(), 200);
        }
        let list = |query: &str| app.client.get(app.url(&format!("/api/user/related{query}"))).bearer_auth(&token).send();
        let mut ids = Vec::new();
        let mut next = "?limit=2".to_string();
        for pages in 1.. {
            assert!(pages <= 3, "five related users take three pages of two");
            let response = list(&next).await.expect("request");
            assert_eq!(response.status(), 200);
            let link = header(&response, "link");
            let body = json(response).await;
            let page: Vec<i64> = body["relatedUsers"].as_array().expect("a list").iter()
                .map(|u| u["id"].as_str().and_then(|id| id.parse().ok()).expect("an id")).collect();
            assert_eq!(body["response"]["message"], format!("{} related users found", page.len()));
            ids.extend(page);
            if link.is_empty() {
                break;
            }
            let target = link.strip_prefix("</api/user/related").and_then(|l| l.strip_suffix(">; rel=\"next\"")).expect("a next link");
            next = target.to_string();
        }
        assert_eq!(ids.len(), 5, "the demo's related user and the four created: {ids:?}");
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "by id, each once: {ids:?}");

        let everything = json(list("").await.expect("request")).await;
        assert_eq!(everything["relatedUsers"].as_array().map(Vec::len), Some(5), "the default page holds them all");
        for bad in ["?limit=0", "?limit=1001", "?after=-1", "?after=x"] {
            assert_eq!(error(list(bad).await.expect("request")).await.0, 400, "{bad}");
        }
    }
}
