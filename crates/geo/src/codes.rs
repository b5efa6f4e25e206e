//! CAMEO country codes ↔ ISO 3166-1, done once.
//!
//! CAMEO's country codes are ISO 3166-1 alpha-3 codes as they stood when CAMEO was written, plus regions (AFR,
//! MEA, …) and a few codes of its own. Event sources differ too: GDELT writes Romania `ROM` and Montenegro `MTN`
//! (CAMEO's table), ICEWS rows come through as `ROU` and `MNE`. Every code of one state maps to that state's ISO
//! alpha-3 code, which keys its shape; regions map to nothing (they are not on a map).

use crate::iso::ISO_COUNTRIES;

/// CAMEO codes that are not the ISO alpha-3 code of the state they name: (CAMEO, ISO alpha-3, why).
pub static CAMEO_NOT_ISO: &[(&str, &str, &str)] = &[
    (
        "ROM",
        "ROU",
        "Romania: ISO changed ROM to ROU in 2002; CAMEO kept ROM",
    ),
    (
        "TMP",
        "TLS",
        "East Timor: ISO changed TMP to TLS in 2002; CAMEO kept TMP",
    ),
    (
        "MTN",
        "MNE",
        "Montenegro: CAMEO's own code (ISO MNE, which ICEWS writes)",
    ),
    ("IMY", "IMN", "Isle of Man: CAMEO's own code (ISO IMN)"),
    ("GZS", "PSE", "Gaza Strip: part of Palestine's shape"),
    ("WSB", "PSE", "West Bank: part of Palestine's shape"),
    (
        "KSV",
        "XKX",
        "Kosovo: no ISO code; XKX is the user-assigned code the EU and the IMF use",
    ),
    ("XKX", "XKX", "Kosovo (see KSV)"),
];

/// Natural Earth shapes that carry no ISO code, and the ISO alpha-3 code (or none) they are drawn as.
pub static SHAPES_WITHOUT_ISO: &[(&str, Option<&str>, &str)] = &[
    ("Kosovo", Some("XKX"), "Kosovo (CAMEO KSV)"),
    (
        "Somaliland",
        Some("SOM"),
        "internationally recognised as part of Somalia; CAMEO codes it SOM",
    ),
    (
        "N. Cyprus",
        Some("CYP"),
        "internationally recognised as part of Cyprus; CAMEO codes it CYP",
    ),
    (
        "Indian Ocean Ter.",
        Some("AUS"),
        "Australia's Christmas and Cocos Islands",
    ),
    (
        "Siachen Glacier",
        None,
        "disputed between India and Pakistan: drawn, never coloured",
    ),
];

/// The ISO alpha-3 code of the state a CAMEO country code names, if it names one (regions do not).
pub fn iso3_of_cameo(code: &str) -> Option<&'static str> {
    let code = code.trim();
    if let Some(&(_, iso, _)) = CAMEO_NOT_ISO
        .iter()
        .find(|(cameo, _, _)| cameo.eq_ignore_ascii_case(code))
    {
        return Some(iso);
    }
    let iso = |c: &str| {
        ISO_COUNTRIES
            .iter()
            .find(|(_, alpha3, _)| alpha3.eq_ignore_ascii_case(c))
            .map(|&(_, alpha3, _)| alpha3)
    };
    match code.len() {
        3 => iso(code),
        // ICEWS writes dependent territories as the state's code and the territory's (DNKGRL, USAPRI, GBRGIB):
        // the territory's own shape, else the state's (PSEGZA).
        6 if code.is_ascii() => iso(&code[3..]).or_else(|| iso3_of_cameo(&code[..3])),
        _ => None,
    }
}

/// The CAMEO code GDELT and the CAMEO tables use for a state, by its ISO alpha-3 code.
pub fn cameo_of_iso3(iso3: &str) -> &str {
    match iso3 {
        "ROU" => "ROM",
        "TLS" => "TMP",
        "MNE" => "MTN",
        "IMN" => "IMY",
        "XKX" => "KSV",
        other => other,
    }
}

/// Every CAMEO code that names this state (the canonical one first): what a map colours its shape by.
pub fn cameo_codes_of(iso3: &str) -> Vec<&str> {
    let mut codes = vec![cameo_of_iso3(iso3)];
    for &(cameo, iso, _) in CAMEO_NOT_ISO {
        if iso == iso3 && !codes.contains(&cameo) {
            codes.push(cameo);
        }
    }
    if ISO_COUNTRIES.iter().any(|(_, a, _)| *a == iso3) && !codes.contains(&iso3) {
        codes.push(iso3);
    }
    codes
}

/// The ISO alpha-3 code of an ISO numeric code.
pub fn iso3_of_numeric(numeric: u16) -> Option<&'static str> {
    ISO_COUNTRIES
        .binary_search_by_key(&numeric, |&(n, _, _)| n)
        .ok()
        .map(|i| ISO_COUNTRIES[i].1)
}

/// The ISO short name of a state by its alpha-3 code (Kosovo by XKX).
pub fn iso_name(iso3: &str) -> Option<&'static str> {
    if iso3 == "XKX" {
        return Some("Kosovo");
    }
    ISO_COUNTRIES
        .iter()
        .find(|(_, a, _)| *a == iso3)
        .map(|&(_, _, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cameo_codes_that_differ_from_iso_map_to_the_same_state() {
        assert_eq!(iso3_of_cameo("RUS"), Some("RUS"));
        assert_eq!(iso3_of_cameo("rus"), Some("RUS"));
        assert_eq!(iso3_of_cameo("ROM"), Some("ROU"));
        assert_eq!(iso3_of_cameo("ROU"), Some("ROU"));
        assert_eq!(iso3_of_cameo("MTN"), Some("MNE"));
        assert_eq!(iso3_of_cameo("MNE"), Some("MNE"));
        assert_eq!(iso3_of_cameo("TMP"), Some("TLS"));
        assert_eq!(iso3_of_cameo("GZS"), Some("PSE"));
        assert_eq!(iso3_of_cameo("KSV"), Some("XKX"));
        // Regions and unknown codes are on no map.
        assert_eq!(iso3_of_cameo("AFR"), None);
        assert_eq!(iso3_of_cameo("MEA"), None);
        assert_eq!(iso3_of_cameo("XYZ"), None);
        assert_eq!(iso3_of_cameo(""), None);
        // ICEWS's territory codes: the territory's shape, else its state's.
        assert_eq!(iso3_of_cameo("DNKGRL"), Some("GRL"));
        assert_eq!(iso3_of_cameo("USAPRI"), Some("PRI"));
        assert_eq!(iso3_of_cameo("PSEGZA"), Some("PSE"));
        assert_eq!(iso3_of_cameo("RUSGOV"), Some("RUS"));
    }

    #[test]
    fn each_state_lists_every_code_that_names_it_canonical_first() {
        assert_eq!(cameo_codes_of("ROU"), vec!["ROM", "ROU"]);
        assert_eq!(cameo_codes_of("PSE"), vec!["PSE", "GZS", "WSB"]);
        assert_eq!(cameo_codes_of("IND"), vec!["IND"]);
        assert_eq!(cameo_codes_of("XKX"), vec!["KSV", "XKX"]);
        for &(cameo, iso, _) in CAMEO_NOT_ISO {
            assert_eq!(iso3_of_cameo(cameo), Some(iso));
            assert!(cameo_codes_of(iso).contains(&cameo), "{cameo}");
            assert_eq!(iso3_of_cameo(cameo_of_iso3(iso)), Some(iso));
        }
    }

    #[test]
    fn numeric_codes_and_names_come_from_the_iso_table() {
        assert_eq!(iso3_of_numeric(643), Some("RUS"));
        assert_eq!(iso3_of_numeric(356), Some("IND"));
        assert_eq!(iso3_of_numeric(586), Some("PAK"));
        assert_eq!(iso3_of_numeric(1), None);
        assert_eq!(iso_name("PAK"), Some("Pakistan"));
        assert!(ISO_COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
