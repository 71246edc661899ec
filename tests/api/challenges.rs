//! `WWW-Authenticate` on a 401 offers every scheme the route takes.

/// Every `WWW-Authenticate` field of a response.
fn challenges(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().expect("ASCII").to_string())
        .collect()
}

engine_tests! {
    async fn relationship_users_401_offers_bearer_and_token(app: &TestApp) {
        let cases: [(&str, Option<&str>); 3] = [
            ("no Authorization", None),
            ("unknown API key", Some("Token token=no-such-key")),
            ("bad bearer token", Some("Bearer not.a.token")),
        ];
        for (label, authorization) in cases {
            let mut request = app.client.get(app.url("/api/user/relationship_users/1"));
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), 401, "{label}");
            let offered = challenges(&response);
            assert_eq!(offered.len(), 2, "{label}: {offered:?}");
            assert!(offered[0].starts_with(r#"Bearer realm="liaison""#), "{label}: {offered:?}");
            assert_eq!(offered[1], r#"Token realm="liaison""#, "{label}");
        }
        // Routes that take only bearer tokens offer only Bearer.
        let setup = app.client.get(app.url("/api/setup/organizations")).send().await.expect("request");
        assert_eq!(challenges(&setup), [r#"Bearer realm="liaison""#]);
    }
}
