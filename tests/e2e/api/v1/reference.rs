//! `/api/v1/reference/*`: the fixed lists plans take their values from — NHS ethnic
//! categories, cultural competencies and PCREF pillars. Public: no token needed.

use pcref_e2e::{backend_tests, expect_status, str_field, Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A reference list, read without a token.
async fn public_list(app: &TestApp, path: &str) -> Vec<Value> {
    let response = app
        .request(Method::GET, path, None)
        .send()
        .await
        .expect("GET");
    let body = expect_status(response, StatusCode::OK).await;
    body.as_array()
        .unwrap_or_else(|| panic!("{path} answers a list: {body}"))
        .clone()
}

fn find<'a>(list: &'a [Value], code: &str) -> &'a Value {
    list.iter()
        .find(|item| item["code"] == code)
        .unwrap_or_else(|| panic!("{code} is listed"))
}

async fn ethnic_categories_are_the_nhs_codes_with_their_broad_groups(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let list = public_list(&app, "/api/v1/reference/ethnic-categories").await;

    let codes: Vec<String> = list.iter().map(|c| str_field(c, "code")).collect();
    assert_eq!(
        codes,
        [
            "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "Z",
            "99"
        ],
        "the 18 codes, in order"
    );
    let expected_groups = [
        ("white", &["A", "B", "C"][..]),
        ("mixed", &["D", "E", "F", "G"]),
        ("asian", &["H", "J", "K", "L"]),
        ("black", &["M", "N", "P"]),
        ("other", &["R", "S"]),
    ];
    for (group, members) in expected_groups {
        for code in members {
            assert_eq!(find(&list, code)["broad_group"], group, "{code}");
        }
    }
    for code in ["Z", "99"] {
        let category = find(&list, code);
        assert!(category["broad_group"].is_null(), "{category}");
        assert!(category["broad_group_label"].is_null(), "{category}");
    }
    for category in &list {
        assert!(
            category["label"].as_str().is_some_and(|l| !l.is_empty()),
            "every category has a label: {category}"
        );
    }
    assert_eq!(find(&list, "H")["label"], "Asian or Asian British: Indian");
    assert_eq!(
        find(&list, "M")["label"],
        "Black or Black British: Caribbean"
    );
    assert_eq!(find(&list, "99")["label"], "Not known");
}

async fn eight_competencies_of_which_six_are_national(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let list = public_list(&app, "/api/v1/reference/competencies").await;

    let codes: Vec<String> = list.iter().map(|c| str_field(c, "code")).collect();
    assert_eq!(
        codes,
        [
            "cultural_awareness",
            "partnership_working",
            "workforce",
            "staff_knowledge_and_awareness",
            "co_learning",
            "co_production",
            "trauma_informed_care",
            "intersectionality",
        ]
    );
    let national: Vec<&str> = list
        .iter()
        .filter(|c| c["national"] == true)
        .map(|c| c["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(national.len(), 6, "{list:?}");
    for local in ["trauma_informed_care", "intersectionality"] {
        assert_eq!(find(&list, local)["national"], false, "{local}");
    }
    for competency in &list {
        assert!(competency["national"].is_boolean(), "{competency}");
        assert!(
            competency["label"].as_str().is_some_and(|l| !l.is_empty()),
            "{competency}"
        );
    }
    assert_eq!(find(&list, "co_production")["label"], "Co-production");
}

async fn three_pillars(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let list = public_list(&app, "/api/v1/reference/pillars").await;

    let codes: Vec<String> = list.iter().map(|p| str_field(p, "code")).collect();
    assert_eq!(
        codes,
        [
            "leadership_and_governance",
            "data",
            "patient_and_carer_feedback"
        ]
    );
    assert_eq!(find(&list, "data")["label"], "Data");
    assert_eq!(
        find(&list, "leadership_and_governance")["label"],
        "Leadership and governance"
    );
}

async fn a_signed_in_member_reads_the_same_lists(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let alliance = app
        .bootstrap("Reference Alliance", "lead@ref.example")
        .await;
    for path in [
        "/api/v1/reference/ethnic-categories",
        "/api/v1/reference/competencies",
        "/api/v1/reference/pillars",
    ] {
        let anonymous = public_list(&app, path).await;
        let signed_in = app.get_ok(path, &alliance.admin.token).await;
        assert_eq!(Value::Array(anonymous), signed_in, "{path}");
    }
}

backend_tests!(
    ethnic_categories_are_the_nhs_codes_with_their_broad_groups,
    eight_competencies_of_which_six_are_national,
    three_pillars,
    a_signed_in_member_reads_the_same_lists,
);
