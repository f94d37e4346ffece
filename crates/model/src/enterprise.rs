use crate::{CreditCode, IndustryCode, RegionCode};

/// A point in WGS-84-like longitude/latitude degrees (as the source tables give them).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeoPoint {
    pub lng: f64,
    pub lat: f64,
}

impl GeoPoint {
    /// Great-circle distance in kilometres (haversine, mean Earth radius 6,371 km).
    pub fn distance_km(self, other: GeoPoint) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lng - self.lng).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6371.0 * a.sqrt().asin()
    }
}

/// An enterprise of the registry (企业), keyed by its credit code.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Enterprise {
    pub credit_code: CreditCode,
    pub name: String,
    /// Other names it is known by (former names, short names, English names).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The county-level (or city-level) division it is registered in.
    pub region: RegionCode,
    /// Its own point; [`Enterprise::location`] falls back to its division's.
    #[serde(default)]
    pub location: Option<GeoPoint>,
    #[serde(default)]
    pub industry: Option<IndustryCode>,
    /// 规模以上: annual revenue of 20 million yuan or more.
    #[serde(default)]
    pub above_scale: bool,
    /// 龙头企业: a leading enterprise of its chain.
    #[serde(default)]
    pub leading: bool,
    /// 专精特新: specialised, refined, distinctive and innovative.
    #[serde(default)]
    pub specialised: bool,
    /// True when the record is invented for demonstration (its relations and figures are illustrative).
    #[serde(default)]
    pub illustrative: bool,
    /// What it does and makes (企业简介, 主营产品), in its own words.
    #[serde(default)]
    pub description: Option<String>,
    /// The person to contact (联系人). Private: only the enterprise itself and the department see it.
    #[serde(default)]
    pub contact_person: Option<String>,
    /// The contact's telephone number (联系电话), as written. Private like `contact_person`.
    #[serde(default)]
    pub contact_phone: Option<String>,
}

impl Enterprise {
    pub fn location(&self) -> GeoPoint {
        self.location.unwrap_or(self.region.region().location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_to_tangshan_is_about_155_km() {
        let bj = GeoPoint { lng: 116.407394, lat: 39.904211 };
        let ts = GeoPoint { lng: 118.180193, lat: 39.630867 };
        let d = bj.distance_km(ts);
        assert!((150.0..160.0).contains(&d), "{d}");
    }
}
