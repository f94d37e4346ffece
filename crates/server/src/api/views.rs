//! The JSON shapes of the API that are not the core types' own: enterprises as people see them (with
//! region names, and private fields only for those who may see them), regions, scopes.

use chaindock_model::{ChainId, CreditCode, Enterprise, IndustryCode, LinkId, Region, RegionCode, RegionLevel, Unit};
use chaindock_store::EnterpriseRecord;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionRef {
    pub code: RegionCode,
    pub name: String,
}

impl RegionRef {
    pub fn of(code: RegionCode) -> Self {
        Self { code, name: code.region().name.clone() }
    }
}

/// A division with the city and province it lies in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionInfo {
    pub code: RegionCode,
    pub name: String,
    pub city: RegionRef,
    pub province: RegionRef,
}

impl RegionInfo {
    pub fn of(code: RegionCode) -> Self {
        Self {
            code,
            name: code.region().name.clone(),
            city: RegionRef::of(code.city()),
            province: RegionRef::of(code.province()),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, ToSchema)]
pub struct LngLat {
    pub lng: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndustryRef {
    pub code: IndustryCode,
    pub name: String,
}

impl IndustryRef {
    pub fn of(code: &IndustryCode) -> Self {
        Self { code: code.clone(), name: code.class().name.clone() }
    }
}

/// An enterprise as a list shows it: public fields only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnterpriseSummary {
    pub credit_code: CreditCode,
    pub name: String,
    pub aliases: Vec<String>,
    pub region: RegionInfo,
    pub location: LngLat,
    pub industry: Option<IndustryRef>,
    pub above_scale: bool,
    pub leading: bool,
    pub specialised: bool,
    /// The record is invented for demonstration.
    pub illustrative: bool,
}

impl EnterpriseSummary {
    pub fn of(e: &Enterprise) -> Self {
        let p = e.location();
        Self {
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            aliases: e.aliases.clone(),
            region: RegionInfo::of(e.region),
            location: LngLat { lng: p.lng, lat: p.lat },
            industry: e.industry.as_ref().map(IndustryRef::of),
            above_scale: e.above_scale,
            leading: e.leading,
            specialised: e.specialised,
            illustrative: e.illustrative,
        }
    }
}

/// A link an enterprise makes (public: that it makes it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkRef {
    pub chain: ChainId,
    pub chain_name: String,
    pub link: LinkId,
    pub link_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CapacityView {
    pub chain: ChainId,
    pub link: LinkId,
    pub link_name: String,
    /// Per day, in `unit`.
    pub capacity: f64,
    pub unit: Unit,
}

/// What only the enterprise itself, analysts and administrators see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrivateFields {
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
    pub capacities: Vec<CapacityView>,
}

/// An enterprise's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnterpriseView {
    #[serde(flatten)]
    pub summary: EnterpriseSummary,
    pub description: Option<String>,
    pub links: Vec<LinkRef>,
    /// `null` unless the caller may see this enterprise's private fields.
    pub private: Option<PrivateFields>,
    /// Whether the caller may edit it (PUT /api/enterprises/{code}).
    pub can_edit: bool,
    /// Send it back with an edit; an edit of an older version is refused (409).
    pub version: i64,
}

impl EnterpriseView {
    pub fn of(rec: &EnterpriseRecord, caller: &Caller) -> Self {
        let e = &rec.enterprise;
        let sees = caller.sees_private_of(&e.credit_code);
        Self {
            summary: EnterpriseSummary::of(e),
            description: e.description.clone(),
            links: rec
                .links
                .iter()
                .map(|l| LinkRef {
                    chain: l.chain.clone(),
                    chain_name: l.chain_name.clone(),
                    link: l.link.clone(),
                    link_name: l.link_name.clone(),
                })
                .collect(),
            private: sees.then(|| PrivateFields {
                contact_person: e.contact_person.clone(),
                contact_phone: e.contact_phone.clone(),
                capacities: rec
                    .links
                    .iter()
                    .map(|l| CapacityView {
                        chain: l.chain.clone(),
                        link: l.link.clone(),
                        link_name: l.link_name.clone(),
                        capacity: l.capacity,
                        unit: l.unit.clone(),
                    })
                    .collect(),
            }),
            can_edit: sees,
            version: rec.version,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionView {
    pub code: RegionCode,
    pub name: String,
    pub short_name: String,
    pub level: RegionLevel,
    pub parent: Option<RegionCode>,
    pub lng: f64,
    pub lat: f64,
}

impl RegionView {
    pub fn of(r: &Region) -> Self {
        Self {
            code: r.code,
            name: r.name.clone(),
            short_name: r.short_name.clone(),
            level: r.level,
            parent: r.parent,
            lng: r.location.lng,
            lat: r.location.lat,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScopeView {
    /// What `?scope=` takes.
    pub key: String,
    pub name: String,
    pub name_en: String,
}
