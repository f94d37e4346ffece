//! Great-circle distance.

/// Mean Earth radius (IUGG), km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Distance in km between two points given as (longitude, latitude) in degrees, by the haversine formula
/// (R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 1984):
/// `d = 2R·asin(√(sin²(Δφ/2) + cos φ₁·cos φ₂·sin²(Δλ/2)))`. On a sphere; the ellipsoid's flattening changes
/// distances of a few hundred km by under 0.5 %.
pub fn haversine_km(lng1: f64, lat1: f64, lng2: f64, lat2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let dphi = phi2 - phi1;
    let dlambda = (lng2 - lng1).to_radians();
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// A (lng, lat) box that holds every point within `radius_km` of the centre: the cheap pre-filter before the
/// exact distance. Latitude spans `r/R` radians; longitude `r/(R·cos φ)` at the latitude farthest from the
/// equator within the box (the whole circle near a pole).
pub(crate) fn bounding_box(lng: f64, lat: f64, radius_km: f64) -> ((f64, f64), (f64, f64)) {
    let dlat = (radius_km / EARTH_RADIUS_KM).to_degrees();
    let far = (lat.abs() + dlat).min(90.0);
    let cos = far.to_radians().cos();
    let dlng = if cos < 1e-6 { 180.0 } else { (radius_km / (EARTH_RADIUS_KM * cos)).to_degrees().min(180.0) };
    ((lng - dlng, lng + dlng), (lat - dlat, lat + dlat))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        // Beijing (Tiananmen) to Tianjin (city centre): about 110 km.
        let d = haversine_km(116.3975, 39.9087, 117.2009, 39.0842);
        assert!((d - 113.0).abs() < 5.0, "{d}");
        assert_eq!(haversine_km(118.18, 39.63, 118.18, 39.63), 0.0);
        // A quarter of the equator.
        let q = haversine_km(0.0, 0.0, 90.0, 0.0);
        assert!((q - EARTH_RADIUS_KM * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
    }

    #[test]
    fn the_box_holds_the_circle() {
        let (lng, lat, r) = (118.18, 39.63, 50.0);
        let ((w, e), (s, n)) = bounding_box(lng, lat, r);
        for k in 0..360 {
            let t = (k as f64).to_radians();
            // Points on a slightly smaller circle, found by stepping along the bearing.
            let p =
                (lng + (r * 0.999 / 111.32 / lat.to_radians().cos()) * t.cos(), lat + (r * 0.999 / 111.32) * t.sin());
            if haversine_km(lng, lat, p.0, p.1) <= r {
                assert!(p.0 >= w && p.0 <= e && p.1 >= s && p.1 <= n, "{p:?}");
            }
        }
    }
}
