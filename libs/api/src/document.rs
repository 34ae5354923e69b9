//! The OpenAPI document as served: poem-openapi's, corrected where its generator cannot say
//! what the API does. Each correction states a fact about every type of a kind, so that it
//! stays true as types are added:
//!
//! - A property that is neither required nor given a default is an `Option` or a
//!   `MaybeUndefined`, which reads and writes `null`: it is `nullable` (and a nullable `enum`
//!   lists `null`, as OpenAPI 3.0.3 asks) — but for the few fields whose `null` the domain
//!   refuses, listed in `NOT_NULLABLE`.
//! - poem-openapi names chrono's `NaiveDate` format `naive-date`; it reads and writes an RFC 3339
//!   full-date, which OpenAPI calls `date`.
//! - poem-openapi gives an operation's OAuth2 scopes to every scheme the operation accepts;
//!   OpenAPI 3.0 wants them on OAuth2 schemes only, so the bearer scheme's lists are emptied.
//! - Every request body refuses unknown fields (`#[oai(deny_unknown_fields)]`, checked for each
//!   one by a test), which poem-openapi does not write down: the objects a request body is made
//!   of get `additionalProperties: false`.
//!
//! The document is handled as an order-keeping JSON tree so that it reads as poem-openapi wrote
//! it (`serde_json::Value` would sort every object's keys).

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON value whose objects keep their keys in order.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        match self {
            Json::Object(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key`, in place when present, else at the end.
    fn set(&mut self, key: &str, value: Json) {
        if let Json::Object(entries) = self {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => entries.push((key.to_owned(), value)),
            }
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    fn children_mut(&mut self) -> Box<dyn Iterator<Item = &mut Json> + '_> {
        match self {
            Json::Array(items) => Box::new(items.iter_mut()),
            Json::Object(entries) => Box::new(entries.iter_mut().map(|(_, v)| v)),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn children(&self) -> Box<dyn Iterator<Item = &Json> + '_> {
        match self {
            Json::Array(items) => Box::new(items.iter()),
            Json::Object(entries) => Box::new(entries.iter().map(|(_, v)| v)),
            _ => Box::new(std::iter::empty()),
        }
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        struct JsonVisitor;

        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }

            fn visit_none<E: de::Error>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Bool(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
                serde_json::Number::from_f64(v)
                    .map(Json::Number)
                    .ok_or_else(|| E::custom("a number JSON cannot hold"))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
                Ok(Json::String(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
                Ok(Json::String(v))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    entries.push((k, v));
                }
                Ok(Json::Object(entries))
            }
        }

        deserializer.deserialize_any(JsonVisitor)
    }
}

/// poem-openapi's document (`OpenApiService::spec`), corrected as the module says.
pub fn corrected(spec: &str) -> String {
    let mut document: Json = serde_json::from_str(spec).expect("poem-openapi writes valid JSON");
    bearer_without_scopes(&mut document);
    mark_nullable(&mut document);
    rename_date_format(&mut document);
    close_request_objects(&mut document);
    serde_json::to_string_pretty(&document).expect("a JSON tree serializes")
}

fn bearer_without_scopes(document: &mut Json) {
    let Some(Json::Object(paths)) = document.get_mut("paths") else {
        return;
    };
    for (_, path) in paths.iter_mut() {
        for operation in path.children_mut() {
            if let Some(Json::Array(requirements)) = operation.get_mut("security") {
                for requirement in requirements.iter_mut() {
                    if requirement.get("bearer").is_some() {
                        requirement.set("bearer", Json::Array(Vec::new()));
                    }
                }
            }
        }
    }
}

/// Every object schema in the tree (components, and schemas written inline).
fn for_each_object_schema(node: &mut Json, f: &mut impl FnMut(&mut Json)) {
    if node.get("properties").is_some() {
        f(node);
    }
    for child in node.children_mut() {
        for_each_object_schema(child, f);
    }
}

/// Optional properties whose `null` is refused with 422 (schema, property).
const NOT_NULLABLE: [(&str, &str); 1] = [
    // A goal's deadline can be changed, not removed.
    ("GoalChanges", "deadline"),
];

fn mark_nullable(document: &mut Json) {
    for_each_object_schema(document, &mut |schema| {
        let title = schema
            .get("title")
            .and_then(Json::as_str)
            .map(str::to_owned);
        let required: BTreeSet<String> = match schema.get("required") {
            Some(Json::Array(names)) => names
                .iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect(),
            _ => BTreeSet::new(),
        };
        let Some(Json::Object(properties)) = schema.get_mut("properties") else {
            return;
        };
        for (name, property) in properties.iter_mut() {
            if required.contains(name)
                || property.get("default").is_some()
                || NOT_NULLABLE.contains(&(title.as_deref().unwrap_or_default(), name.as_str()))
            {
                continue;
            }
            property.set("nullable", Json::Bool(true));
            if let Some(Json::Array(values)) = property.get_mut("enum") {
                if !values.contains(&Json::Null) {
                    values.push(Json::Null);
                }
            }
        }
    });
}

fn rename_date_format(node: &mut Json) {
    if node.get("format").and_then(Json::as_str) == Some("naive-date") {
        node.set("format", Json::String("date".to_owned()));
    }
    for child in node.children_mut() {
        rename_date_format(child);
    }
}

/// The component names a schema refers to, directly or through its parts.
fn references(node: &Json, found: &mut Vec<String>) {
    if let Some(target) = node.get("$ref").and_then(Json::as_str) {
        if let Some(name) = target.strip_prefix("#/components/schemas/") {
            found.push(name.to_owned());
        }
    }
    for child in node.children() {
        references(child, found);
    }
}

/// The component schemas a request body is made of, and its inline schemas closed at once.
fn close_request_objects(document: &mut Json) {
    let mut pending = Vec::new();
    if let Some(Json::Object(paths)) = document.get_mut("paths") {
        for (_, path) in paths.iter_mut() {
            for operation in path.children_mut() {
                if let Some(body) = operation.get_mut("requestBody") {
                    references(body, &mut pending);
                    for_each_object_schema(body, &mut close);
                }
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

fn close(schema: &mut Json) {
    if schema.get("additionalProperties").is_none() {
        schema.set("additionalProperties", Json::Bool(false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_corrects() {
        let spec = r##"{
  "openapi": "3.0.0",
  "paths": {
    "/x": {
      "post": {
        "requestBody": {
          "content": {
            "application/json": { "schema": { "$ref": "#/components/schemas/NewX" } }
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
      "Answer": { "type": "object", "properties": { "y": { "type": "integer" } } }
    }
  }
}"##;
        let out: serde_json::Value = serde_json::from_str(&corrected(spec)).expect("JSON");
        let new_x = &out["components"]["schemas"]["NewX"];
        assert_eq!(new_x["additionalProperties"], false);
        assert_eq!(new_x["properties"]["b"].get("nullable"), None);
        assert_eq!(new_x["properties"]["a"]["nullable"], true);
        assert_eq!(new_x["properties"]["a"]["format"], "date");
        assert_eq!(
            new_x["properties"]["kind"]["enum"],
            serde_json::json!(["one", "two", null])
        );
        assert_eq!(
            out["components"]["schemas"]["Inner"]["additionalProperties"],
            false
        );
        assert_eq!(
            out["components"]["schemas"]["Answer"].get("additionalProperties"),
            None,
            "a response-only schema is left open"
        );
        let text = corrected(spec);
        let b = text.find("\"b\"").expect("b");
        let a = text.find("\"a\"").expect("a");
        assert!(b < a, "properties keep their order");
        assert!(text.find("\"openapi\"") < text.find("\"paths\""));
    }

    #[test]
    fn the_exceptions_name_real_properties() {
        let document: serde_json::Value =
            serde_json::from_str(&crate::openapi_json()).expect("JSON");
        for (schema, property) in NOT_NULLABLE {
            let found = &document["components"]["schemas"][schema]["properties"][property];
            assert!(found.is_object(), "{schema}.{property} is in the document");
            assert_eq!(found.get("nullable"), None, "{schema}.{property}");
        }
    }
}
