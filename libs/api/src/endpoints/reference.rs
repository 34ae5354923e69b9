//! Reference data: fixed lists the API's other fields take their values from.

use poem_openapi::payload::Json;
use poem_openapi::OpenApi;

use pcref_domain as domain;

use super::ApiTags;
use crate::plan_types::{Competency, EthnicCategory, Pillar};
use crate::problem::PublicError;

pub struct ReferenceApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reference")]
impl ReferenceApi {
    /// NHS ethnic categories
    ///
    /// The NHS Data Dictionary ethnic category codes, with their broad groups. Priority areas
    /// name specific codes; list filters also accept a broad group. Public: no token needed.
    #[oai(
        path = "/reference/ethnic-categories",
        method = "get",
        operation_id = "list_ethnic_categories"
    )]
    async fn ethnic_categories(&self) -> Result<Json<Vec<EthnicCategory>>, PublicError> {
        Ok(Json(
            domain::EthnicCategory::ALL
                .iter()
                .map(|c| (*c).into())
                .collect(),
        ))
    }

    /// Cultural competencies
    ///
    /// The eight cultural competencies goals are tied to; `national` marks the six national
    /// organisational competencies. Public: no token needed.
    #[oai(
        path = "/reference/competencies",
        method = "get",
        operation_id = "list_competencies"
    )]
    async fn competencies(&self) -> Result<Json<Vec<Competency>>, PublicError> {
        Ok(Json(
            domain::Competency::ALL
                .iter()
                .map(|c| (*c).into())
                .collect(),
        ))
    }

    /// PCREF pillars
    ///
    /// The three pillars of PCREF; each goal serves one. Public: no token needed.
    #[oai(
        path = "/reference/pillars",
        method = "get",
        operation_id = "list_pillars"
    )]
    async fn pillars(&self) -> Result<Json<Vec<Pillar>>, PublicError> {
        Ok(Json(
            domain::Pillar::ALL.iter().map(|p| (*p).into()).collect(),
        ))
    }
}
