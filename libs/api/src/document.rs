//! The OpenAPI document as served: poem-openapi's, corrected where its generator cannot say
//! what the API does. Each correction states a fact about every type of a kind, so that it
//! stays true as types are added:
//!
//! - poem-openapi gives an operation's OAuth2 scopes to every scheme the operation accepts;
//!   OpenAPI 3.0 wants them on OAuth2 schemes only, so the bearer scheme's lists are emptied.
//! - A property that is neither required nor given a default is an `Option` or a
//!   `MaybeUndefined`, which reads and writes `null`: it is `nullable` (and a nullable `enum`
//!   lists `null`, as OpenAPI 3.0.3 asks) — but for the few fields whose `null` the domain
//!   refuses, listed in `NOT_NULLABLE`.
//! - poem-openapi names chrono's `NaiveDate` format `naive-date`; it reads and writes an RFC 3339
//!   full-date, which OpenAPI calls `date`.
//! - Every JSON request body refuses unknown fields (`#[oai(deny_unknown_fields)]`, checked for
//!   each one by a test below), which poem-openapi does not write down: the objects a JSON
//!   request body is made of get `additionalProperties: false`. (The OAuth2 endpoints' form
//!   bodies ignore unknown parameters, as RFC 6749 §3.2 requires, and stay open.)
//!
//! serde_json keeps objects' keys in order (its `preserve_order` feature), so the document
//! reads as poem-openapi wrote it.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Optional properties whose `null` is refused with 422 (schema, property).
const NOT_NULLABLE: [(&str, &str); 1] = [
    // A goal's deadline can be changed, not removed.
    ("GoalChanges", "deadline"),
];

/// poem-openapi's document (`OpenApiService::spec`), corrected as the module says.
pub fn corrected(spec: &str) -> String {
    let Ok(mut document) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    bearer_without_scopes(&mut document);
    mark_nullable(&mut document);
    rename_date_format(&mut document);
    close_json_request_objects(&mut document);
    serde_json::to_string_pretty(&document).unwrap_or_else(|_| spec.to_owned())
}

/// The operations of the document.
fn operations(document: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|path| path.values_mut())
        .filter_map(Value::as_object_mut)
}

fn bearer_without_scopes(document: &mut Value) {
    for operation in operations(document) {
        let Some(requirements) = operation.get_mut("security").and_then(Value::as_array_mut) else {
            continue;
        };
        for requirement in requirements.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(scopes) = requirement.get_mut("bearer") {
                *scopes = Value::Array(Vec::new());
            }
        }
    }
}

/// Every object schema in the tree (components, and schemas written inline).
fn for_each_object_schema(node: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match node {
        Value::Object(map) => {
            if map.contains_key("properties") {
                f(map);
            }
            for child in map.values_mut() {
                for_each_object_schema(child, f);
            }
        }
        Value::Array(items) => {
            for child in items {
                for_each_object_schema(child, f);
            }
        }
        _ => {}
    }
}

fn mark_nullable(document: &mut Value) {
    for_each_object_schema(document, &mut |schema| {
        let title = schema
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let required: BTreeSet<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            return;
        };
        for (name, property) in properties.iter_mut() {
            let Some(property) = property.as_object_mut() else {
                continue;
            };
            if required.contains(name)
                || property.contains_key("default")
                || NOT_NULLABLE.contains(&(title.as_str(), name.as_str()))
            {
                continue;
            }
            property.insert("nullable".to_owned(), Value::Bool(true));
            if let Some(values) = property.get_mut("enum").and_then(Value::as_array_mut) {
                if !values.contains(&Value::Null) {
                    values.push(Value::Null);
                }
            }
        }
    });
}

fn rename_date_format(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("naive-date") {
                map.insert("format".to_owned(), Value::String("date".to_owned()));
            }
            for child in map.values_mut() {
                rename_date_format(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rename_date_format),
        _ => {}
    }
}

/// The component names a schema refers to, directly or through its parts.
fn references(node: &Value, found: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|target| target.strip_prefix("#/components/schemas/"))
            {
                found.push(name.to_owned());
            }
            map.values().for_each(|child| references(child, found));
        }
        Value::Array(items) => items.iter().for_each(|child| references(child, found)),
        _ => {}
    }
}

/// The component schemas JSON request bodies are made of, and their inline object schemas.
fn close_json_request_objects(document: &mut Value) {
    let mut pending = Vec::new();
    for operation in operations(document) {
        let Some(content) = operation
            .get_mut("requestBody")
            .and_then(|body| body.get_mut("content"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (media_type, body) in content.iter_mut() {
            if media_type.starts_with("application/json") {
                references(body, &mut pending);
                for_each_object_schema(body, &mut close);
            }
        }
    }
    let mut closed = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !closed.insert(name.clone()) {
            continue;
        }
        let Some(schema) = document
            .get_mut("components")
            .and_then(|c| c.get_mut("schemas"))
            .and_then(|s| s.get_mut(&name))
        else {
            continue;
        };
        references(schema, &mut pending);
        for_each_object_schema(schema, &mut close);
    }
}

fn close(schema: &mut Map<String, Value>) {
    schema
        .entry("additionalProperties")
        .or_insert(Value::Bool(false));
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::{Example, ParseFromJSON, ToJSON};
    use serde_json::json;

    use super::*;

    #[test]
    fn corrects_and_keeps_order() {
        let spec = r##"{
  "openapi": "3.0.0",
  "paths": {
    "/x": {
      "post": {
        "requestBody": {
          "content": {
            "application/json; charset=utf-8": { "schema": { "$ref": "#/components/schemas/NewX" } }
          }
        },
        "security": [{ "bearer": ["x:write"] }, { "oauth": ["x:write"] }]
      }
    },
    "/form": {
      "post": {
        "requestBody": {
          "content": {
            "application/x-www-form-urlencoded": { "schema": { "$ref": "#/components/schemas/Form" } }
          }
        }
      }
    }
  },
  "components": {
    "schemas": {
      "NewX": {
        "type": "object",
        "required": ["b"],
        "properties": {
          "b": { "type": "string" },
          "a": { "type": "string", "format": "naive-date" },
          "kind": { "type": "string", "enum": ["one", "two"] },
          "inner": { "$ref": "#/components/schemas/Inner" }
        }
      },
      "Inner": { "type": "object", "properties": { "z": { "type": "integer" } } },
      "Form": { "type": "object", "properties": { "f": { "type": "string" } } },
      "Answer": { "type": "object", "properties": { "y": { "type": "integer" } } }
    }
  }
}"##;
        let text = corrected(spec);
        let out: Value = serde_json::from_str(&text).expect("JSON");
        let schemas = &out["components"]["schemas"];
        let new_x = &schemas["NewX"];
        assert_eq!(new_x["additionalProperties"], false);
        assert_eq!(new_x["properties"]["b"].get("nullable"), None);
        assert_eq!(new_x["properties"]["a"]["nullable"], true);
        assert_eq!(new_x["properties"]["a"]["format"], "date");
        assert_eq!(
            new_x["properties"]["kind"]["enum"],
            json!(["one", "two", null])
        );
        assert_eq!(schemas["Inner"]["additionalProperties"], false);
        assert_eq!(schemas["Form"].get("additionalProperties"), None, "a form");
        assert_eq!(
            schemas["Answer"].get("additionalProperties"),
            None,
            "an answer"
        );
        assert_eq!(
            out["paths"]["/x"]["post"]["security"],
            json!([{ "bearer": [] }, { "oauth": ["x:write"] }])
        );
        let b = text.find("\"b\"").expect("b");
        let a = text.find("\"a\"").expect("a");
        assert!(b < a, "properties keep their order");
        assert!(text.find("\"openapi\"") < text.find("\"paths\""));
    }

    #[test]
    fn the_exceptions_name_real_properties() {
        let document: Value = serde_json::from_str(&crate::openapi_json()).expect("JSON");
        for (schema, property) in NOT_NULLABLE {
            let found = &document["components"]["schemas"][schema]["properties"][property];
            assert!(found.is_object(), "{schema}.{property} is in the document");
            assert_eq!(found.get("nullable"), None, "{schema}.{property}");
        }
    }

    /// Its own example is read, and refused once a field no type has is added to it, as
    /// `additionalProperties: false` says.
    fn refuses_unknown_fields<T: ParseFromJSON + ToJSON + Example>() -> bool {
        let Some(Value::Object(mut example)) = T::example().to_json() else {
            return false;
        };
        if T::parse_from_json(Some(Value::Object(example.clone()))).is_err() {
            return false;
        }
        example.insert("x_no_such_field".to_owned(), json!(1));
        T::parse_from_json(Some(Value::Object(example)))
            .is_err_and(|e| e.message().contains("unknown field"))
    }

    /// Every schema the document closes is a type that refuses unknown fields: each is listed
    /// here, and the list is exactly the closed schemas.
    #[test]
    fn closed_schemas_refuse_unknown_fields() {
        use crate::api_client_types::NewApiClient;
        use crate::feedback_types::{NewFeedbackItem, NewFeedbackResponse};
        use crate::learning_types::{LearningItemChanges, NewLearningItem};
        use crate::period_types::{NewPeriod, PeriodChanges};
        use crate::plan_types::{
            ActionChanges, AdoptTemplate, GoalChanges, NewAction, NewGoal, NewPlan, NewPriority,
            NewProgressUpdate, NewTemplate, PlanChanges, PriorityChanges,
        };
        use crate::project_types::{
            MilestoneChanges, NewMilestone, NewParticipant, NewProject, NewProjectAim,
            NewProjectUpdate, ProjectChanges,
        };
        use crate::publishing_types::{
            NewPublication, PreviewRequest, WithdrawRequest, WithheldTermsChange,
        };
        use crate::report_types::NewShareLink;
        use crate::types::{
            AcceptInvitation, AllianceChanges, MembershipChanges, NewAccessToken, NewMember,
            NewOrganisation, OrganisationChanges,
        };

        let checked: Vec<(&str, bool)> = vec![
            ("NewApiClient", refuses_unknown_fields::<NewApiClient>()),
            ("NewPeriod", refuses_unknown_fields::<NewPeriod>()),
            ("PeriodChanges", refuses_unknown_fields::<PeriodChanges>()),
            ("NewShareLink", refuses_unknown_fields::<NewShareLink>()),
            ("NewProject", refuses_unknown_fields::<NewProject>()),
            ("NewProjectAim", refuses_unknown_fields::<NewProjectAim>()),
            ("ProjectChanges", refuses_unknown_fields::<ProjectChanges>()),
            ("NewParticipant", refuses_unknown_fields::<NewParticipant>()),
            ("NewMilestone", refuses_unknown_fields::<NewMilestone>()),
            (
                "MilestoneChanges",
                refuses_unknown_fields::<MilestoneChanges>(),
            ),
            (
                "NewProjectUpdate",
                refuses_unknown_fields::<NewProjectUpdate>(),
            ),
            (
                "NewFeedbackItem",
                refuses_unknown_fields::<NewFeedbackItem>(),
            ),
            (
                "NewFeedbackResponse",
                refuses_unknown_fields::<NewFeedbackResponse>(),
            ),
            (
                "LearningItemChanges",
                refuses_unknown_fields::<LearningItemChanges>(),
            ),
            (
                "NewLearningItem",
                refuses_unknown_fields::<NewLearningItem>(),
            ),
            ("ActionChanges", refuses_unknown_fields::<ActionChanges>()),
            ("AdoptTemplate", refuses_unknown_fields::<AdoptTemplate>()),
            ("GoalChanges", refuses_unknown_fields::<GoalChanges>()),
            ("NewAction", refuses_unknown_fields::<NewAction>()),
            ("NewGoal", refuses_unknown_fields::<NewGoal>()),
            ("NewPlan", refuses_unknown_fields::<NewPlan>()),
            ("NewPriority", refuses_unknown_fields::<NewPriority>()),
            (
                "NewProgressUpdate",
                refuses_unknown_fields::<NewProgressUpdate>(),
            ),
            ("NewTemplate", refuses_unknown_fields::<NewTemplate>()),
            ("PlanChanges", refuses_unknown_fields::<PlanChanges>()),
            (
                "PriorityChanges",
                refuses_unknown_fields::<PriorityChanges>(),
            ),
            ("NewPublication", refuses_unknown_fields::<NewPublication>()),
            ("PreviewRequest", refuses_unknown_fields::<PreviewRequest>()),
            (
                "WithdrawRequest",
                refuses_unknown_fields::<WithdrawRequest>(),
            ),
            (
                "WithheldTermsChange",
                refuses_unknown_fields::<WithheldTermsChange>(),
            ),
            (
                "AcceptInvitation",
                refuses_unknown_fields::<AcceptInvitation>(),
            ),
            (
                "AllianceChanges",
                refuses_unknown_fields::<AllianceChanges>(),
            ),
            (
                "MembershipChanges",
                refuses_unknown_fields::<MembershipChanges>(),
            ),
            ("NewAccessToken", refuses_unknown_fields::<NewAccessToken>()),
            ("NewMember", refuses_unknown_fields::<NewMember>()),
            (
                "NewOrganisation",
                refuses_unknown_fields::<NewOrganisation>(),
            ),
            (
                "OrganisationChanges",
                refuses_unknown_fields::<OrganisationChanges>(),
            ),
        ];
        for (name, refuses) in &checked {
            assert!(refuses, "{name} accepts unknown fields");
        }
        let document: Value = serde_json::from_str(&crate::openapi_json()).expect("JSON");
        let closed: BTreeSet<&str> = document["components"]["schemas"]
            .as_object()
            .expect("schemas")
            .iter()
            .filter(|(_, schema)| schema["additionalProperties"] == false)
            .map(|(name, _)| name.as_str())
            .collect();
        let listed: BTreeSet<&str> = checked.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            closed, listed,
            "the closed schemas are the ones checked here"
        );
    }
}
