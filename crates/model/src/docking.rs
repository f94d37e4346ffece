//! Supply–demand docking (供需对接): what buyers need, what suppliers can spare, and the requests an
//! allocation plan turns into.
//!
//! A [`Demand`] names a chain link (the product), an integral quantity in the link's unit, a due date and
//! a delivery place, and what the buyer rules out. An [`Offer`] is a supplier's free capacity for a link
//! over a period, with a price and a lead time. A plan splits a demand among suppliers; each part becomes
//! an [`AllocationRequest`] that the supplier accepts or declines, and [`Delivery`] records count what
//! arrived. The demand's [`DemandStatus`] follows from those.

use chrono::NaiveDate;

use crate::{ChainId, CreditCode, LinkId, ModelError, RegionCode, Unit};

/// Where a demand stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandStatus {
    /// No request sent yet.
    Open,
    /// Requests sent; accepted ones do not cover the quantity yet.
    Planned,
    /// Accepted requests cover the whole quantity.
    Covered,
    /// Deliveries cover the whole quantity.
    Delivered,
    Cancelled,
}

impl DemandStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Planned => "planned",
            Self::Covered => "covered",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ModelError> {
        match s.trim() {
            "open" => Ok(Self::Open),
            "planned" => Ok(Self::Planned),
            "covered" => Ok(Self::Covered),
            "delivered" => Ok(Self::Delivered),
            "cancelled" => Ok(Self::Cancelled),
            other => Err(ModelError::Identifier {
                value: other.to_string(),
                reason: "a demand status is open, planned, covered, delivered or cancelled".into(),
            }),
        }
    }
}

/// A demand as posted (需求). `id` is 0 until the store assigns one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Demand {
    pub id: i64,
    pub buyer: CreditCode,
    pub chain: ChainId,
    pub link: LinkId,
    /// The product as the buyer wrote it (the link's name when they picked the link).
    pub product: String,
    /// Whole units of `unit`.
    pub quantity: u64,
    pub unit: Unit,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub created: NaiveDate,
    /// The division it is delivered to.
    pub delivery_region: RegionCode,
    /// Certifications a supplier must hold (IATF 16949, ISO 13485, …); informational for now.
    #[serde(default)]
    pub certifications: Vec<String>,
    #[serde(default)]
    pub excluded_suppliers: Vec<CreditCode>,
    /// Divisions (any level) no supplier may lie in: locked-down cities, say.
    #[serde(default)]
    pub excluded_regions: Vec<RegionCode>,
    /// 1 (most urgent) to 5.
    pub priority: u8,
    pub status: DemandStatus,
    #[serde(default)]
    pub note: Option<String>,
}

impl Demand {
    /// Checks what the type cannot: a positive quantity, a priority of 1 to 5, a due date not before the
    /// day it was posted.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |reason: String| Err(ModelError::Identifier { value: format!("demand {}", self.id), reason });
        if self.quantity == 0 {
            return bad("the quantity must be at least 1".into());
        }
        if !(1..=5).contains(&self.priority) {
            return bad(format!("priority {} is not between 1 (most urgent) and 5", self.priority));
        }
        if self.due < self.created {
            return bad(format!("due date {} is before the demand was posted ({})", self.due, self.created));
        }
        Ok(())
    }

    /// Whether `supplier` in `region` may serve this demand.
    pub fn admits(&self, supplier: &CreditCode, region: RegionCode) -> bool {
        supplier != &self.buyer
            && !self.excluded_suppliers.contains(supplier)
            && !self.excluded_regions.iter().any(|r| r.contains(region))
    }
}

/// Free capacity a supplier offers (供给): `quantity` units of a link made evenly over
/// `available_from..=available_until`, shipped `lead_time_days` after they are made.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Offer {
    pub id: i64,
    pub supplier: CreditCode,
    pub chain: ChainId,
    pub link: LinkId,
    pub quantity: u64,
    pub unit: Unit,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub available_from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub available_until: NaiveDate,
    /// Yuan per unit, ex works.
    pub unit_price: f64,
    pub lead_time_days: u32,
}

impl Offer {
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |reason: String| Err(ModelError::Identifier { value: format!("offer {}", self.id), reason });
        if self.quantity == 0 {
            return bad("the quantity must be at least 1".into());
        }
        if self.available_until < self.available_from {
            return bad(format!("available until {} is before {}", self.available_until, self.available_from));
        }
        if !self.unit_price.is_finite() || self.unit_price < 0.0 {
            return bad(format!("unit price {} is not a non-negative amount", self.unit_price));
        }
        if self.lead_time_days > 365 {
            return bad(format!("a lead time of {} days is more than a year", self.lead_time_days));
        }
        Ok(())
    }

    /// Units delivered by `day`: made evenly over the period, each shipped `lead_time_days` later.
    pub fn ready_by(&self, day: NaiveDate) -> u64 {
        let made_by = day - chrono::Days::new(u64::from(self.lead_time_days));
        if made_by < self.available_from {
            return 0;
        }
        let period = (self.available_until - self.available_from).num_days() + 1;
        let elapsed = ((made_by - self.available_from).num_days() + 1).min(period);
        // Whole units only, rounded down: what is half made is not delivered.
        (self.quantity as u128 * elapsed as u128 / period as u128) as u64
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Accepted,
    Declined,
    /// Withdrawn by a re-plan before the supplier answered.
    Cancelled,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ModelError> {
        match s.trim() {
            "pending" => Ok(Self::Pending),
            "accepted" => Ok(Self::Accepted),
            "declined" => Ok(Self::Declined),
            "cancelled" => Ok(Self::Cancelled),
            other => Err(ModelError::Identifier {
                value: other.to_string(),
                reason: "a request status is pending, accepted, declined or cancelled".into(),
            }),
        }
    }
}

/// One supplier's part of a plan (对接请求), sent to it to accept or decline.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AllocationRequest {
    pub id: i64,
    pub demand: i64,
    pub supplier: CreditCode,
    pub quantity: u64,
    /// Yuan per unit the plan counted (price + transport).
    pub unit_cost: f64,
    pub status: RequestStatus,
    /// Why it was declined.
    pub reason: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub responded_at: Option<String>,
    /// Units delivered so far.
    pub delivered: u64,
}

/// Units that arrived against a request.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub request: i64,
    pub quantity: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub delivered_on: NaiveDate,
}

/// A demand's status from its requests: delivered when deliveries cover the quantity, covered when
/// accepted requests do, planned when any request is open or accepted, open otherwise. Cancelled stays.
pub fn demand_status(d: &Demand, requests: &[AllocationRequest]) -> DemandStatus {
    if d.status == DemandStatus::Cancelled {
        return DemandStatus::Cancelled;
    }
    let live = || requests.iter().filter(|r| r.demand == d.id);
    let delivered: u64 = live().map(|r| r.delivered).sum();
    let accepted: u64 = live().filter(|r| r.status == RequestStatus::Accepted).map(|r| r.quantity).sum();
    if delivered >= d.quantity {
        DemandStatus::Delivered
    } else if accepted >= d.quantity {
        DemandStatus::Covered
    } else if live().any(|r| matches!(r.status, RequestStatus::Pending | RequestStatus::Accepted)) {
        DemandStatus::Planned
    } else {
        DemandStatus::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn offer() -> Offer {
        Offer {
            id: 1,
            supplier: CreditCode::parse("91130606120551720G").unwrap(),
            chain: ChainId::parse("automotive").unwrap(),
            link: LinkId::parse("welded-assemblies").unwrap(),
            quantity: 1000,
            unit: Unit::parse("件").unwrap(),
            available_from: day("2026-12-01"),
            available_until: day("2026-12-10"),
            unit_price: 12.5,
            lead_time_days: 2,
        }
    }

    #[test]
    fn an_offer_is_ready_evenly_after_its_lead_time() {
        let o = offer();
        // Made 100 a day from 1 December, shipped two days later.
        assert_eq!(o.ready_by(day("2026-12-02")), 0);
        assert_eq!(o.ready_by(day("2026-12-03")), 100);
        assert_eq!(o.ready_by(day("2026-12-07")), 500);
        assert_eq!(o.ready_by(day("2026-12-12")), 1000);
        assert_eq!(o.ready_by(day("2027-03-01")), 1000);
        let odd = Offer { quantity: 10, available_until: day("2026-12-03"), lead_time_days: 0, ..o };
        assert_eq!(odd.ready_by(day("2026-12-01")), 3, "10 × 1/3, rounded down");
    }

    #[test]
    fn bad_offers_and_demands_say_why() {
        let o = Offer { available_until: day("2026-11-01"), ..offer() };
        assert!(o.validate().unwrap_err().to_string().contains("before"));
        assert!(Offer { unit_price: -1.0, ..offer() }.validate().is_err());
        assert!(Offer { quantity: 0, ..offer() }.validate().is_err());
    }
}
